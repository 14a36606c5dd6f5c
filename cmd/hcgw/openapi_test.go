package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/qr"
)

func init() {
	// Content types the API speaks besides JSON: kin-openapi decodes a body
	// only through a registered decoder.
	openapi3filter.RegisterBodyDecoder("application/jose", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/javascript", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/css", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("image/jpeg", openapi3filter.FileBodyDecoder)
}

// pendingInSpec are operations the description documents ahead of the code
// that serves them (issue #8's metrics part). While the gateway does not
// serve one, the test says so and skips it; once it is served, it is
// checked like every other.
var pendingInSpec = map[string]bool{"GET /metrics": true}

// apiCheck sends real requests to a running demo federation and checks
// every exchange against /openapi.yaml: the request matches an operation
// (and, unless it is deliberately bad, its parameters and body schema), the
// answer's status is one the operation lists, and its body validates
// against that status's schema for the content type the server sent.
type apiCheck struct {
	t       *testing.T
	doc     *openapi3.T
	router  routers.Router
	covered map[string]bool // "METHOD /path/{param}"
}

type exchange struct {
	name        string
	base        string // gateway URL
	method      string
	path        string // with query
	token       string
	contentType string
	body        []byte
	header      map[string]string
	want        int
	badRequest  bool // deliberately not what the description allows: skip the request check
}

func newAPICheck(t *testing.T, spec []byte) *apiCheck {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI 3 description: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiCheck{t: t, doc: doc, router: router, covered: map[string]bool{}}
}

// bearerOnly is the description's one security scheme: the test checks
// that a request it sends as valid carries a bearer token.
func bearerOnly(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "bearer" {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
		return fmt.Errorf("no bearer token")
	}
	return nil
}

func (a *apiCheck) do(ex exchange) []byte {
	t := a.t
	t.Helper()
	newReq := func() *http.Request {
		req, err := http.NewRequest(ex.method, ex.base+ex.path, bytes.NewReader(ex.body))
		if err != nil {
			t.Fatal(err)
		}
		if ex.token != "" {
			req.Header.Set("Authorization", "Bearer "+ex.token)
		}
		if ex.contentType != "" {
			req.Header.Set("Content-Type", ex.contentType)
		}
		for k, v := range ex.header {
			req.Header.Set(k, v)
		}
		return req
	}
	route, params, err := a.router.FindRoute(newReq())
	if err != nil {
		t.Errorf("%s: %s %s is not in openapi.yaml: %v", ex.name, ex.method, ex.path, err)
		return nil
	}
	op := route.Method + " " + route.Path
	a.covered[op] = true
	opts := &openapi3filter.Options{AuthenticationFunc: bearerOnly, IncludeResponseStatus: true, MultiError: true}
	opts.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return "at /" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason // without the schema dump
	})
	in := &openapi3filter.RequestValidationInput{Request: newReq(), PathParams: params, Route: route, Options: opts}
	if !ex.badRequest {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s: the request does not match %s in openapi.yaml: %v", ex.name, op, err)
		}
	}
	resp, err := http.DefaultClient.Do(newReq())
	if err != nil {
		t.Fatalf("%s: %v", ex.name, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != ex.want {
		t.Errorf("%s: %s %s answered %d, want %d: %.300s", ex.name, ex.method, ex.path, resp.StatusCode, ex.want, body)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id", ex.name)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Options: in.Options}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s: the %d answer of %s does not match openapi.yaml: %v\nbody: %.500s", ex.name, resp.StatusCode, op, err, body)
	}
	return body
}

// specOperations lists "METHOD /path" of every operation the description has.
func (a *apiCheck) specOperations() []string {
	var ops []string
	for path, item := range a.doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	sort.Strings(ops)
	return ops
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// registeredRoutes lists "METHOD /path" of every route httpapi registers,
// in the description's {param} notation.
func registeredRoutes(t *testing.T) []string {
	eng, ok := httpapi.New(httpapi.Deps{}).(*gin.Engine)
	if !ok {
		t.Fatal("httpapi.New no longer returns a *gin.Engine: list its routes another way")
	}
	var out []string
	for _, r := range eng.Routes() {
		out = append(out, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
	}
	sort.Strings(out)
	return out
}

func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func multipartImage(t *testing.T, field string, img []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile(field, "code.png")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(img)
	_ = w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// TestOpenAPIDescribesEveryEndpoint: /openapi.yaml is a valid OpenAPI 3
// description; it lists exactly the routes httpapi registers; and every
// operation in it is called on a running demo federation, its real answers
// (successes and refusals) checked against it.
func TestOpenAPIDescribesEveryEndpoint(t *testing.T) {
	d := testDemo(t)
	sh, zj, hub := d.node("310000"), d.node("330000"), d.node("000000")

	// The served description is the embedded one.
	resp, err := http.Get(sh.url + "/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(served, httpapi.OpenAPI()) {
		t.Fatal("GET /openapi.yaml does not serve the embedded description")
	}
	a := newAPICheck(t, served)

	t.Run("the description lists exactly the routes httpapi registers", func(t *testing.T) {
		spec := map[string]bool{}
		for _, op := range a.specOperations() {
			spec[op] = true
		}
		for _, r := range registeredRoutes(t) {
			if !spec[r] {
				t.Errorf("route %s is served but not in openapi.yaml", r)
			}
			delete(spec, r)
		}
		for op := range spec {
			if pendingInSpec[op] {
				t.Logf("%s is in openapi.yaml ahead of its route (issue #8 metrics)", op)
				continue
			}
			t.Errorf("openapi.yaml lists %s, which httpapi does not serve", op)
		}
	})

	codes := map[string]string{}
	for _, c := range d.codes {
		codes[c.format] = c.code
	}
	js := func(v any) []byte {
		b, _ := json.Marshal(v)
		return b
	}
	const (
		ver    = demoVerifierToken
		adm    = demoAdminToken
		ctJSON = "application/json"
	)
	shURL, zjURL, hubURL := sh.url, zj.url, hub.url

	// verification
	vd := a.do(exchange{name: "a valid code", base: shURL, method: "POST", path: "/v1/verify", token: ver, contentType: ctJSON,
		body: js(map[string]string{"code": codes["sh-v1"], "checkpoint": "SH-GATE-1"}), want: 200})
	var verdict struct {
		RecordID string `json:"record_id"`
	}
	if err := json.Unmarshal(vd, &verdict); err != nil || verdict.RecordID == "" {
		t.Fatalf("verdict %s", vd)
	}
	a.do(exchange{name: "an invalid code", base: shURL, method: "POST", path: "/v1/verify", token: ver, contentType: ctJSON,
		body: js(map[string]string{"code": "NIC1:e30.e30.c2ln"}), want: 200})
	a.do(exchange{name: "an online-only code through the hub", base: shURL, method: "POST", path: "/v1/verify", token: ver, contentType: ctJSON,
		body: js(map[string]string{"code": codes["zj-v1"]}), want: 200})
	a.do(exchange{name: "verify without a code", base: shURL, method: "POST", path: "/v1/verify", token: ver, contentType: ctJSON,
		body: []byte(`{}`), want: 400, badRequest: true})
	a.do(exchange{name: "verify without a token", base: shURL, method: "POST", path: "/v1/verify", contentType: ctJSON,
		body: js(map[string]string{"code": codes["sh-v1"]}), want: 401, badRequest: true})
	a.do(exchange{name: "verify with a body over 64 KiB", base: shURL, method: "POST", path: "/v1/verify", token: ver, contentType: ctJSON,
		body: js(map[string]string{"code": strings.Repeat("x", 70<<10)}), want: 413, badRequest: true})
	a.do(exchange{name: "a batch", base: shURL, method: "POST", path: "/v1/verify/batch", token: ver, contentType: ctJSON,
		body: js(map[string][]string{"codes": {codes["sh-v1"], codes["nic-v1"], "garbage"}}), want: 200})
	a.do(exchange{name: "an empty batch", base: shURL, method: "POST", path: "/v1/verify/batch", token: ver, contentType: ctJSON,
		body: []byte(`{"codes":[]}`), want: 400, badRequest: true})
	a.do(exchange{name: "convert a Shanghai code at Shanghai", base: shURL, method: "POST", path: "/v1/convert", token: ver, contentType: ctJSON,
		body: js(map[string]string{"code": codes["sh-v1"]}), want: 200})
	a.do(exchange{name: "convert a Zhejiang code at Shanghai", base: shURL, method: "POST", path: "/v1/convert", token: ver, contentType: ctJSON,
		body: js(map[string]string{"code": codes["zj-v1"]}), want: 422})
	a.do(exchange{name: "convert an invalid code", base: shURL, method: "POST", path: "/v1/convert", token: ver, contentType: ctJSON,
		body: js(map[string]string{"code": "NIC1:e30.e30.c2ln"}), want: 422})

	// issuance and the simulated platform
	holder := map[string]string{"name": "张三", "id": "310101199001011234"}
	a.do(exchange{name: "issue", base: shURL, method: "POST", path: "/v1/issue", token: adm, contentType: ctJSON,
		body: js(map[string]any{"status": "green", "holder": holder, "vac": 3, "ttl_seconds": 3600}), want: 200})
	a.do(exchange{name: "issue as a verifier", base: shURL, method: "POST", path: "/v1/issue", token: ver, contentType: ctJSON,
		body: js(map[string]any{"status": "green", "holder": holder}), want: 403})
	a.do(exchange{name: "issue a blue code", base: shURL, method: "POST", path: "/v1/issue", token: adm, contentType: ctJSON,
		body: js(map[string]any{"status": "blue", "holder": holder}), want: 400, badRequest: true})
	a.do(exchange{name: "set a platform code", base: zjURL, method: "POST", path: "/v1/platform/codes", token: adm, contentType: ctJSON,
		body: js(map[string]any{"cid": "zj-openapi-1", "status": "yellow", "holder": holder, "ttl_seconds": 600}), want: 200})
	a.do(exchange{name: "the hub runs no platform", base: hubURL, method: "POST", path: "/v1/platform/codes", token: adm, contentType: ctJSON,
		body: js(map[string]any{"cid": "x", "status": "yellow", "holder": holder}), want: 404})
	a.do(exchange{name: "a platform code with an unknown field", base: zjURL, method: "POST", path: "/v1/platform/codes", token: adm, contentType: ctJSON,
		body: js(map[string]any{"cid": "x", "status": "yellow", "holder": holder, "colour": "blue"}), want: 400, badRequest: true})

	// data sharing
	a.do(exchange{name: "share", base: shURL, method: "POST", path: "/v1/share/status", token: adm, contentType: ctJSON,
		body: js(map[string]any{"id": "11010519491231002X"}), want: 200})
	a.do(exchange{name: "share with named regions", base: shURL, method: "POST", path: "/v1/share/status", token: adm, contentType: ctJSON,
		body: js(map[string]any{"id": "11010519491231002X", "regions": []string{"110000", "330000"}}), want: 200})
	a.do(exchange{name: "the hub does not share", base: hubURL, method: "POST", path: "/v1/share/status", token: adm, contentType: ctJSON,
		body: js(map[string]any{"id": "11010519491231002X"}), want: 503})
	a.do(exchange{name: "share with a bad region", base: shURL, method: "POST", path: "/v1/share/status", token: adm, contentType: ctJSON,
		body: js(map[string]any{"id": "11010519491231002X", "regions": []string{"Beijing"}}), want: 400, badRequest: true})

	// federation, signed by the demo's provincial keys
	signed := func(from *demoNode, aud, cid string) []byte {
		now := time.Now()
		b, _ := json.Marshal(federation.Request{Iss: from.region, Aud: aud, IAT: now.Unix(), EXP: now.Add(30 * time.Second).Unix(),
			JTI: fmt.Sprintf("openapi%x", now.UnixNano()), Org: aud, CID: cid})
		tok, err := from.key.SignCompact(b, federation.TypRequest)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(tok)
	}
	const jose = "application/jose"
	a.do(exchange{name: "a status request", base: shURL, method: "POST", path: "/v1/federation/status", contentType: jose,
		body: signed(zj, "310000", "sh-demo-1"), want: 200})
	a.do(exchange{name: "a status request relayed by the hub", base: hubURL, method: "POST", path: "/v1/federation/status", contentType: jose,
		body: signed(sh, "330000", "zj-openapi-1"), header: map[string]string{federation.HopsHeader: "0"}, want: 200})
	a.do(exchange{name: "a status request for an unknown code", base: shURL, method: "POST", path: "/v1/federation/status", contentType: jose,
		body: signed(zj, "310000", "nope"), want: 404})
	a.do(exchange{name: "a status request to the wrong gateway", base: shURL, method: "POST", path: "/v1/federation/status", contentType: jose,
		body: signed(zj, "440000", "x"), want: 421})
	replay := signed(zj, "310000", "sh-demo-1")
	a.do(exchange{name: "a status request", base: shURL, method: "POST", path: "/v1/federation/status", contentType: jose, body: replay, want: 200})
	a.do(exchange{name: "a replayed status request", base: shURL, method: "POST", path: "/v1/federation/status", contentType: jose, body: replay, want: 409})
	a.do(exchange{name: "a status request that is no JWS", base: shURL, method: "POST", path: "/v1/federation/status", contentType: jose,
		body: []byte("hello"), want: 400, badRequest: true})
	a.do(exchange{name: "a status request after too many hops", base: hubURL, method: "POST", path: "/v1/federation/status", contentType: jose,
		body: signed(sh, "330000", "zj-openapi-1"), header: map[string]string{federation.HopsHeader: "3"}, want: 508})

	// corrections: filed at Shanghai for a Zhejiang code, relayed by the hub, resolved at Zhejiang
	filed := a.do(exchange{name: "file a correction", base: shURL, method: "POST", path: "/v1/corrections", token: ver, contentType: ctJSON,
		body: js(map[string]string{"code": codes["zj-v1"], "claim": "status_wrong", "detail": "核酸阴性，平台显示黄码", "checkpoint": "SH-GATE-1"}), want: 201})
	var ticket struct {
		Ticket string `json:"ticket"`
	}
	if err := json.Unmarshal(filed, &ticket); err != nil || ticket.Ticket == "" {
		t.Fatalf("filed %s", filed)
	}
	a.do(exchange{name: "a correction with a name in its detail", base: shURL, method: "POST", path: "/v1/corrections", token: ver, contentType: ctJSON,
		body: js(map[string]string{"code": codes["zj-v1"], "claim": "other", "detail": "王小明"}), want: 400, badRequest: true})
	a.do(exchange{name: "a correction for a code no adapter reads", base: shURL, method: "POST", path: "/v1/corrections", token: ver, contentType: ctJSON,
		body: js(map[string]string{"code": "garbage", "claim": "other"}), want: 400, badRequest: true})
	a.do(exchange{name: "the open corrections at Zhejiang", base: zjURL, method: "GET", path: "/v1/corrections?state=open", token: adm, want: 200})
	a.do(exchange{name: "the pending corrections at Shanghai", base: shURL, method: "GET", path: "/v1/corrections?state=pending", token: adm, want: 200})
	a.do(exchange{name: "corrections in an unknown state", base: shURL, method: "GET", path: "/v1/corrections?state=closed", token: adm, want: 400, badRequest: true})
	a.do(exchange{name: "resolve a correction", base: zjURL, method: "POST", path: "/v1/corrections/" + ticket.Ticket + "/resolve", token: adm, contentType: ctJSON,
		body: js(map[string]string{"outcome": "corrected", "status": "green", "note": "已更正"}), want: 200})
	a.do(exchange{name: "resolve it again", base: zjURL, method: "POST", path: "/v1/corrections/" + ticket.Ticket + "/resolve", token: adm, contentType: ctJSON,
		body: js(map[string]string{"outcome": "rejected"}), want: 409})
	a.do(exchange{name: "resolve as a verifier", base: zjURL, method: "POST", path: "/v1/corrections/" + ticket.Ticket + "/resolve", token: ver, contentType: ctJSON,
		body: js(map[string]string{"outcome": "rejected"}), want: 403})
	a.do(exchange{name: "the ticket where it was filed", base: shURL, method: "GET", path: "/v1/corrections/" + ticket.Ticket, token: ver, want: 200})
	a.do(exchange{name: "a ticket that does not exist", base: shURL, method: "GET", path: "/v1/corrections/0000nope", token: ver, want: 404})
	signedCorrection := func(from *demoNode, aud, typ string, claims any) []byte {
		b, _ := json.Marshal(claims)
		tok, err := from.key.SignCompact(b, typ)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(tok)
	}
	now := time.Now()
	corr := signedCorrection(zj, "310000", federation.TypCorrection, federation.CorrectionMsg{Iss: "330000", Aud: "310000", IAT: now.Unix(),
		EXP: now.Add(30 * time.Second).Unix(), JTI: fmt.Sprintf("openapi%x", now.UnixNano()), Ticket: "openapi-ticket-1", CID: "sh-demo-1", Claim: "other"})
	a.do(exchange{name: "a signed correction", base: shURL, method: "POST", path: "/v1/federation/corrections", contentType: jose, body: corr, want: 200})
	a.do(exchange{name: "a replayed correction", base: shURL, method: "POST", path: "/v1/federation/corrections", contentType: jose, body: corr, want: 409})
	a.do(exchange{name: "a correction that is no JWS", base: shURL, method: "POST", path: "/v1/federation/corrections", contentType: jose,
		body: []byte("hello"), want: 400, badRequest: true})
	q := func(tk string) []byte {
		now := time.Now()
		return signedCorrection(zj, "310000", federation.TypCorrectionQuery, federation.CorrectionQuery{Iss: "330000", Aud: "310000", IAT: now.Unix(),
			EXP: now.Add(30 * time.Second).Unix(), JTI: fmt.Sprintf("openapiq%x", now.UnixNano()), Ticket: tk})
	}
	a.do(exchange{name: "a question about a ticket", base: shURL, method: "POST", path: "/v1/federation/corrections/query", contentType: jose,
		body: q("openapi-ticket-1"), want: 200})
	a.do(exchange{name: "a question about a ticket never filed", base: shURL, method: "POST", path: "/v1/federation/corrections/query", contentType: jose,
		body: q("openapi-ticket-2"), want: 404})

	// trust
	list := a.do(exchange{name: "the trust list", base: shURL, method: "GET", path: "/v1/trust/list", want: 200})
	_ = list
	resp, err = http.Get(shURL + "/v1/trust/list")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	a.do(exchange{name: "the trust list, unchanged", base: shURL, method: "GET", path: "/v1/trust/list",
		header: map[string]string{"If-None-Match": resp.Header.Get("ETag")}, want: 304})
	known, err := os.ReadFile(filepath.Join(d.dir, "trust", "330000.jws"))
	if err != nil {
		t.Fatal(err)
	}
	a.do(exchange{name: "a known endorsement", base: shURL, method: "POST", path: "/v1/trust/endorsements", token: adm, contentType: jose,
		body: known, want: 200})
	a.do(exchange{name: "a known endorsement as JSON", base: shURL, method: "POST", path: "/v1/trust/endorsements", token: adm, contentType: ctJSON,
		body: js(map[string]string{"jws": string(known)}), want: 200})
	a.do(exchange{name: "an endorsement that is no JWS", base: shURL, method: "POST", path: "/v1/trust/endorsements", token: adm, contentType: jose,
		body: []byte("aGVsbG8.d29ybGQ.c2ln"), want: 400})
	a.do(exchange{name: "an endorsement from a verifier", base: shURL, method: "POST", path: "/v1/trust/endorsements", token: ver, contentType: jose,
		body: known, want: 403})
	a.do(exchange{name: "a revocation that is no JWS", base: shURL, method: "POST", path: "/v1/trust/revocations", token: adm, contentType: jose,
		body: []byte("aGVsbG8.d29ybGQ.c2ln"), want: 400})
	a.do(exchange{name: "an endorsement used as a revocation", base: shURL, method: "POST", path: "/v1/trust/revocations", token: adm, contentType: jose,
		body: known, want: 400})
	a.do(exchange{name: "the rules", base: shURL, method: "GET", path: "/v1/rules", want: 200})
	a.do(exchange{name: "a rule that is no JWS", base: shURL, method: "POST", path: "/v1/rules", token: adm, contentType: jose,
		body: []byte("aGVsbG8.d29ybGQ.c2ln"), want: 400})
	a.do(exchange{name: "an endorsement used as a rule", base: shURL, method: "POST", path: "/v1/rules", token: adm, contentType: jose,
		body: known, want: 400})
	a.do(exchange{name: "a rule from a verifier", base: shURL, method: "POST", path: "/v1/rules", token: ver, contentType: jose,
		body: known, want: 403})

	// records
	a.do(exchange{name: "a record", base: shURL, method: "GET", path: "/v1/records/" + verdict.RecordID, token: adm, want: 200})
	a.do(exchange{name: "an unknown record", base: shURL, method: "GET", path: "/v1/records/0000nope", token: adm, want: 404})
	a.do(exchange{name: "a record for a verifier", base: shURL, method: "GET", path: "/v1/records/" + verdict.RecordID, token: ver, want: 403})

	// the operator overview and page
	a.do(exchange{name: "the operator overview of the hub", base: hubURL, method: "GET", path: "/v1/ops/overview", token: adm, want: 200})
	a.do(exchange{name: "the operator overview of a province", base: shURL, method: "GET", path: "/v1/ops/overview", token: adm, want: 200})
	a.do(exchange{name: "the operator overview for a verifier", base: shURL, method: "GET", path: "/v1/ops/overview", token: ver, want: 403})
	a.do(exchange{name: "the operator overview without a token", base: shURL, method: "GET", path: "/v1/ops/overview", want: 401, badRequest: true})
	a.do(exchange{name: "the operator page", base: hubURL, method: "GET", path: "/operator", want: 200})
	for _, f := range []string{"app.js", "style.css", "labels.json", "index.html"} {
		a.do(exchange{name: "the operator page's " + f, base: hubURL, method: "GET", path: "/operator/" + f, want: 200})
	}
	a.do(exchange{name: "a file the operator page does not have", base: hubURL, method: "GET", path: "/operator/secret.txt", want: 404})

	// QR images
	img := a.do(exchange{name: "a code as a QR image (POST)", base: shURL, method: "POST", path: "/v1/qr/encode", token: ver, contentType: ctJSON,
		body: js(map[string]any{"code": codes["sh-v1"], "size": 400}), want: 200})
	a.do(exchange{name: "a code as a QR image (GET)", base: shURL, method: "GET",
		path: "/v1/qr/encode?size=300&code=" + url.QueryEscape(codes["nic-v1"]), token: ver, want: 200})
	a.do(exchange{name: "a code too long for a QR code", base: shURL, method: "POST", path: "/v1/qr/encode", token: ver, contentType: ctJSON,
		body: js(map[string]string{"code": strings.Repeat("x", qr.MaxContent+1)}), want: 400, badRequest: true})
	a.do(exchange{name: "a QR image without a code", base: shURL, method: "GET", path: "/v1/qr/encode", token: ver, want: 400, badRequest: true})
	a.do(exchange{name: "a QR image without a token", base: shURL, method: "GET", path: "/v1/qr/encode?code=x", want: 401, badRequest: true})
	ct, mp := multipartImage(t, "image", img)
	dec := a.do(exchange{name: "read an uploaded QR image", base: shURL, method: "POST", path: "/v1/qr/decode", token: ver, contentType: ct, body: mp, want: 200})
	if !bytes.Contains(dec, []byte("sh-demo-1")) {
		t.Errorf("decoded %s", dec)
	}
	a.do(exchange{name: "read a raw QR image", base: shURL, method: "POST", path: "/v1/qr/decode", token: ver, contentType: "image/png", body: img, want: 200})
	white := image.NewGray(image.Rect(0, 0, 120, 120))
	draw.Draw(white, white.Bounds(), image.White, image.Point{}, draw.Src)
	a.do(exchange{name: "an image with no QR code", base: shURL, method: "POST", path: "/v1/qr/decode", token: ver, contentType: "image/png",
		body: pngOf(t, white), want: 422})
	a.do(exchange{name: "text sent as an image", base: shURL, method: "POST", path: "/v1/qr/decode", token: ver, contentType: "image/png",
		body: []byte("this is not a picture"), want: 400})
	a.do(exchange{name: "an image over 4 MiB", base: shURL, method: "POST", path: "/v1/qr/decode", token: ver, contentType: "image/png",
		body: append(append([]byte{}, img...), make([]byte, qr.MaxImageBytes)...), want: 413})

	// public endpoints and the page
	a.do(exchange{name: "jwks", base: shURL, method: "GET", path: "/.well-known/jwks.json", want: 200})
	a.do(exchange{name: "healthz", base: shURL, method: "GET", path: "/healthz", want: 200})
	a.do(exchange{name: "readyz", base: shURL, method: "GET", path: "/readyz", want: 200})
	a.do(exchange{name: "the description", base: shURL, method: "GET", path: "/openapi.yaml", want: 200})
	a.do(exchange{name: "the home page", base: shURL, method: "GET", path: "/", want: 200})
	a.do(exchange{name: "the home page's headers", base: shURL, method: "HEAD", path: "/", want: 200})
	a.do(exchange{name: "the checkpoint page", base: shURL, method: "GET", path: "/checkpoint", want: 200})
	for _, f := range []string{"app.js", "style.css", "labels.json", "index.html"} {
		a.do(exchange{name: "the page's " + f, base: shURL, method: "GET", path: "/checkpoint/" + f, want: 200})
	}
	a.do(exchange{name: "a file the page does not have", base: shURL, method: "GET", path: "/checkpoint/secret.txt", want: 404})

	if resp, err := http.Get(shURL + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			t.Log("GET /metrics is not served yet (issue #8 metrics): documented, not checked")
		} else {
			a.do(exchange{name: "metrics", base: shURL, method: "GET", path: "/metrics", want: 200})
		}
	}

	for _, op := range a.specOperations() {
		if !a.covered[op] && !pendingInSpec[op] {
			t.Errorf("no exchange of the test calls %s: add one", op)
		}
	}
	t.Logf("%d operations in openapi.yaml, %d called", len(a.specOperations()), len(a.covered))
}
