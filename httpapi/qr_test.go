package httpapi_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/draw"
	"image/png"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/qr"
)

func qrPNG(t *testing.T, code string) []byte {
	t.Helper()
	b, err := qr.Encode(code, 0)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func multipartBody(t *testing.T, field, filename string, data []byte) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("note", "a field before the image")
	var part interface{ Write([]byte) (int, error) }
	var err error
	if filename != "" {
		part, err = w.CreateFormFile(field, filename)
	} else {
		part, err = w.CreateFormField(field)
	}
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write(data)
	_ = w.Close()
	return w.FormDataContentType(), b.String()
}

func TestQRDecode(t *testing.T) {
	f := newFixture(t)
	const code = "NIC1:eyJhbGciOiJFZERTQSJ9.eyJ2IjoxfQ.c2ln"
	img := qrPNG(t, code)
	white := image.NewGray(image.Rect(0, 0, 100, 100))
	draw.Draw(white, white.Bounds(), image.White, image.Point{}, draw.Src)
	var whitePNG bytes.Buffer
	_ = png.Encode(&whitePNG, white)
	mpCT, mp := multipartBody(t, "image", "code.png", img)
	anyCT, anyPart := multipartBody(t, "photo", "IMG_0001.png", img)
	fieldCT, field := multipartBody(t, "image", "", img)
	noneCT, none := multipartBody(t, "other", "", []byte("x"))

	tests := map[string]struct {
		token, contentType, body string
		status                   int
		errCode                  string
	}{
		"a multipart upload in the part image":      {verifierToken, mpCT, mp, 200, ""},
		"a multipart upload under another name":     {verifierToken, anyCT, anyPart, 200, ""},
		"a multipart field image without file name": {verifierToken, fieldCT, field, 200, ""},
		"a raw PNG body":                            {verifierToken, "image/png", string(img), 200, ""},
		"a raw body without content type":           {verifierToken, "", string(img), 200, ""},
		"an admin may read images too":              {adminToken, "image/png", string(img), 200, ""},
		"a picture with no code":                    {verifierToken, "image/png", whitePNG.String(), 422, "no_qr_code"},
		"text posing as a PNG":                      {verifierToken, "image/png", "hello", 400, "bad_request"},
		"an empty body":                             {verifierToken, "image/png", "", 400, "bad_request"},
		"JSON instead of an image":                  {verifierToken, "application/json", `{"image":"x"}`, 400, "bad_request"},
		"a multipart body with no file":             {verifierToken, noneCT, none, 400, "bad_request"},
		"a broken multipart body":                   {verifierToken, "multipart/form-data; boundary=zzz", "garbage", 400, "bad_request"},
		"an image over 4 MiB":                       {verifierToken, "image/png", string(img) + strings.Repeat("\x00", qr.MaxImageBytes), 413, "too_large"},
		"no token":                                  {"", "image/png", string(img), 401, "unauthenticated"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var hdr []string
			if tc.contentType != "" {
				hdr = []string{"Content-Type", tc.contentType}
			}
			resp, b := f.do(t, "POST", "/v1/qr/decode", tc.token, tc.body, hdr...)
			if resp.StatusCode != tc.status {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			if tc.status != 200 {
				if errCode(t, b) != tc.errCode {
					t.Fatalf("error %s", b)
				}
				return
			}
			var out struct{ Code string }
			if json.Unmarshal(b, &out) != nil || out.Code != code {
				t.Fatalf("decoded %s", b)
			}
		})
	}
	t.Run("a multipart image over 4 MiB", func(t *testing.T) {
		ct, body := multipartBody(t, "image", "big.png", append(img, make([]byte, qr.MaxImageBytes)...))
		if resp, b := f.do(t, "POST", "/v1/qr/decode", verifierToken, body, "Content-Type", ct); resp.StatusCode != 413 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
}

func TestQREncode(t *testing.T) {
	f := newFixture(t)
	const code = "SSM2|sh-1|0|1767000000|86400|李*|3101**********0011|c2ln"
	check := func(t *testing.T, b []byte) {
		t.Helper()
		got, err := qr.Decode(b)
		if err != nil || got != code {
			t.Fatalf("the image holds %q (%v)", got, err)
		}
	}
	t.Run("POST renders the code, not cached", func(t *testing.T) {
		resp, b := f.do(t, "POST", "/v1/qr/encode", verifierToken, `{"code":"`+code+`","size":300}`)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
		check(t, b)
	})
	t.Run("GET renders the code", func(t *testing.T) {
		resp, b := f.do(t, "GET", "/v1/qr/encode?code="+url.QueryEscape(code), verifierToken, "")
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		check(t, b)
	})
	refusals := map[string]struct {
		method, path, token, body string
		status                    int
	}{
		"no code":                      {"POST", "/v1/qr/encode", verifierToken, `{}`, 400},
		"an empty code":                {"GET", "/v1/qr/encode?code=", verifierToken, "", 400},
		"more than a QR code holds":    {"POST", "/v1/qr/encode", verifierToken, `{"code":"` + strings.Repeat("x", qr.MaxContent+1) + `"}`, 400},
		"a size too large":             {"GET", "/v1/qr/encode?code=x&size=5000", verifierToken, "", 400},
		"a size that is not a number":  {"GET", "/v1/qr/encode?code=x&size=big", verifierToken, "", 400},
		"a body that is not JSON":      {"POST", "/v1/qr/encode", verifierToken, `code=x`, 400},
		"no token":                     {"GET", "/v1/qr/encode?code=x", "", "", 401},
		"a token that is not a client": {"POST", "/v1/qr/encode", "nope", `{"code":"x"}`, 401},
	}
	for name, tc := range refusals {
		t.Run(name, func(t *testing.T) {
			if resp, b := f.do(t, tc.method, tc.path, tc.token, tc.body); resp.StatusCode != tc.status || errCode(t, b) == "" {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
		})
	}
}

// The page and the description are public files: no token, and the page
// is locked to its own origin.
func TestCheckpointPageAndDescription(t *testing.T) {
	f := newFixture(t)
	resp, b := f.do(t, "GET", "/checkpoint", "", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(b, []byte(`id="card"`)) {
		t.Fatalf("page: %d %v", resp.StatusCode, resp.Header)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self'") || !strings.Contains(csp, "script-src 'self'") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("page headers: %v", resp.Header)
	}
	for _, name := range []string{"app.js", "style.css", "labels.json"} {
		if resp, _ := f.do(t, "GET", "/checkpoint/"+name, "", ""); resp.StatusCode != 200 {
			t.Errorf("%s: %d", name, resp.StatusCode)
		}
	}
	for _, p := range []string{"/checkpoint/..%2fweb.go", "/checkpoint/web.go", "/checkpoint/.hidden.js", "/checkpoint/nope.js"} {
		if resp, b := f.do(t, "GET", p, "", ""); resp.StatusCode != 404 || errCode(t, b) != "not_found" {
			t.Errorf("%s: %d %s", p, resp.StatusCode, b)
		}
	}
	resp, b = f.do(t, "GET", "/openapi.yaml", "", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/yaml" || !bytes.Equal(b, httpapi.OpenAPI()) {
		t.Fatalf("openapi.yaml: %d %v", resp.StatusCode, resp.Header)
	}
}
