package qr_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/qr"
)

// Codes of the shapes the gateway reads: a NIC (ASCII JWS), an sh-v1 code
// with masked names in UTF-8, an opaque zj-v1 URL.
var samples = map[string]string{
	"a national code":                         "NIC1:eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQyIsInR5cCI6Im5pYytqd3QifQ." + strings.Repeat("eyJ2IjoxfQ", 30) + ".c2lnbmF0dXJl",
	"an sh-v1 code with Chinese masked names": "SSM2|sh-demo-1|0|1767000000|86400|李*|3101**********0011|" + strings.Repeat("A", 86),
	"a zj-v1 URL":                             "https://hc.zj.example/q/AbCdEfGhIjKlMnOpQrStUv",
	"a 2900-byte code":                        strings.Repeat("x", 2900),
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func qrImage(t *testing.T, content string, size int) image.Image {
	t.Helper()
	b, err := qr.Encode(content, size)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestEncodeThenDecodeGivesTheCodeBack(t *testing.T) {
	for name, code := range samples {
		t.Run(name, func(t *testing.T) {
			b, err := qr.Encode(code, 0)
			if err != nil {
				t.Fatal(err)
			}
			got, err := qr.Decode(b)
			if err != nil || got != code {
				t.Fatalf("decoded %q, %v", got, err)
			}
		})
	}
}

// A checkpoint's photo is not a clean PNG: the code is small inside a
// larger, greyish, noisy picture, turned, JPEG-compressed.
func TestDecodeReadsAPhotoLikeImage(t *testing.T) {
	code := samples["an sh-v1 code with Chinese masked names"]
	src := qrImage(t, code, 600)
	sb := src.Bounds()
	photo := image.NewRGBA(image.Rect(0, 0, 3000, 2200))
	draw.Draw(photo, photo.Bounds(), &image.Uniform{color.RGBA{170, 160, 150, 255}}, image.Point{}, draw.Src)
	// turned a quarter: QR detection does not depend on orientation
	off := image.Pt(1100, 700)
	for y := 0; y < sb.Dy(); y++ {
		for x := 0; x < sb.Dx(); x++ {
			r, g, b, _ := src.At(x, y).RGBA()
			c := color.RGBA{uint8(40 + r>>8*200/255), uint8(40 + g>>8*190/255), uint8(30 + b>>8*180/255), 255}
			photo.Set(off.X+sb.Dy()-1-y, off.Y+x, c)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range photo.Pix {
		if i%4 != 3 {
			v := int(photo.Pix[i]) + rng.IntN(31) - 15
			photo.Pix[i] = uint8(max(0, min(255, v)))
		}
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, photo, &jpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	got, err := qr.Decode(jb.Bytes())
	if err != nil || got != code {
		t.Fatalf("decoded %q, %v", got, err)
	}
}

func TestDecodeReadsLightOnDarkAndTransparentImages(t *testing.T) {
	code := samples["a zj-v1 URL"]
	src := qrImage(t, code, 300)
	b := src.Bounds()
	inverted := image.NewGray(b)
	transparent := image.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dark := color.GrayModel.Convert(src.At(x, y)).(color.Gray).Y < 128
			if !dark {
				inverted.SetGray(x, y, color.Gray{0})
				continue
			}
			inverted.SetGray(x, y, color.Gray{255})
			transparent.SetNRGBA(x, y, color.NRGBA{0, 0, 0, 255}) // the light modules stay fully transparent
		}
	}
	for name, img := range map[string]image.Image{"light on dark": inverted, "dark on transparent": transparent} {
		if got, err := qr.Decode(encodePNG(t, img)); err != nil || got != code {
			t.Errorf("%s: decoded %q, %v", name, got, err)
		}
	}
}

// bigCanvasPNG is a valid PNG header declaring w×h pixels, with no data
// behind it: decoding it would allocate the whole canvas.
func bigCanvasPNG(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	chunk := append([]byte("IHDR"), ihdr...)
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	_ = binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestDecodeRefusals(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 200, 200))
	draw.Draw(blank, blank.Bounds(), image.White, image.Point{}, draw.Src)
	full := encodePNG(t, qrImage(t, "hello", 0))
	tests := map[string]struct {
		body    []byte
		noCode  bool
		message string
	}{
		"an empty body":                      {nil, false, "empty"},
		"text, not an image":                 {[]byte(`{"code":"NIC1:x"}`), false, "not a PNG or JPEG"},
		"a GIF":                              {[]byte("GIF89a\x01\x00\x01\x00"), false, "not a PNG or JPEG"},
		"a truncated PNG":                    {full[:len(full)/2], false, "damaged"},
		"more than 4 MiB":                    {append(full, make([]byte, qr.MaxImageBytes)...), false, "larger than"},
		"a white picture with no code in it": {encodePNG(t, blank), true, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := qr.Decode(tc.body)
			var ie *qr.ImageError
			switch {
			case tc.noCode && !errors.Is(err, qr.ErrNoCode):
				t.Fatalf("want ErrNoCode, got %v", err)
			case !tc.noCode && (!errors.As(err, &ie) || !strings.Contains(ie.Msg, tc.message)):
				t.Fatalf("want an image error about %q, got %v", tc.message, err)
			}
		})
	}
	for name, tc := range map[string]struct {
		body    []byte
		message string
	}{
		"a PNG declaring 100000×100000 px": {bigCanvasPNG(100000, 100000), "100000×100000-pixel 8-bit grey PNG would need 47687.3 MiB"},
		"a PNG declaring 11000×11000 px":   {bigCanvasPNG(11000, 11000), "11000×11000-pixel 8-bit grey PNG would need 580.4 MiB; at most 160.0 MiB"},
		"a PNG declaring 2²¹×1 px":         {bigCanvasPNG(1<<21, 1), "2097152×1-pixel huge PNG would need more than an exabyte"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := qr.Decode(tc.body)
			var le *qr.LimitError
			if !errors.As(err, &le) || !strings.Contains(le.Error(), tc.message) {
				t.Fatalf("want a limit error saying %q, got %v", tc.message, err)
			}
		})
	}
}

func TestEncodeBounds(t *testing.T) {
	if _, err := qr.Encode(strings.Repeat("x", qr.MaxContent+1), 0); err == nil {
		t.Fatal("encoded more than a QR code holds")
	}
	if _, err := qr.Encode("", 0); err == nil {
		t.Fatal("encoded nothing")
	}
	for _, size := range []int{1, 300, 100000} {
		b, err := qr.Encode("NIC1:abc", size)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != cfg.Height || cfg.Width > qr.MaxSize || cfg.Width < 2*21 {
			t.Fatalf("size %d: %+v %v", size, cfg, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	b, _ := qr.Encode("NIC1:abc", 64)
	f.Add(b)
	f.Add(bigCanvasPNG(10, 10))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := qr.Decode(b)
		var (
			ie *qr.ImageError
			le *qr.LimitError
		)
		if err != nil && !errors.Is(err, qr.ErrNoCode) && !errors.As(err, &ie) && !errors.As(err, &le) {
			t.Fatalf("unexpected error kind %v", err)
		}
		if err == nil && s == "" {
			t.Fatal("empty text without an error")
		}
	})
}
