package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/issuing"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

const (
	verifierToken = "verifier-token-for-tests"
	adminToken    = "admin-token-for-tests"
	sh            = "310000"
	zj            = "330000"
)

type memRecords struct {
	recs map[string]audit.Record
	err  error
}

func (m *memRecords) Write(_ context.Context, recs ...audit.Record) error {
	if m.err != nil {
		return m.err
	}
	for _, r := range recs {
		m.recs[r.ID] = r
	}
	return nil
}

func (m *memRecords) Record(_ context.Context, id string) (*audit.Record, error) {
	if m.err != nil {
		return nil, m.err
	}
	r, ok := m.recs[id]
	if !ok {
		return nil, httpapi.ErrNotFound
	}
	return &r, nil
}

type memEvents struct{ evs []httpapi.TrustEvent }

func (m *memEvents) TrustEvent(_ context.Context, ev httpapi.TrustEvent) error {
	m.evs = append(m.evs, ev)
	return nil
}

type fixture struct {
	srv    *httptest.Server
	root   *testkit.Root
	zjKey  *testkit.TestKey
	own    *testkit.TestKey
	reg    *trust.Registry
	recs   *memRecords
	events *memEvents
}

func hash(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

func newFixture(t testing.TB) *fixture { return newFixtureScoped(t, nil) }

// newFixtureScoped endorses the gateway's own key (Shanghai) with scope
// ownScope (nil: [310000]).
func newFixtureScoped(t testing.TB, ownScope []string) *fixture {
	t.Helper()
	f := &fixture{root: testkit.NewRoot(t), zjKey: testkit.Key(t, jwa.ES256), own: testkit.Key(t, jwa.EdDSA),
		recs: &memRecords{recs: map[string]audit.Record{}}, events: &memEvents{}}
	f.reg = testkit.Registry(t, f.root, f.root.Endorse(f.zjKey, zj, testkit.Spec{}), f.root.Endorse(f.own, sh, testkit.Spec{Scope: ownScope}))
	ads, _ := adapters.NewRegistry(nic.New())
	v := &verify.Verifier{Adapters: ads, Trust: f.reg, Clock: testkit.Clock, Skew: trust.DefaultSkew, Region: sh, Recorder: f.recs}
	vc, _ := httpapi.NewClient("gate-1", httpapi.RoleVerifier, hash(verifierToken))
	ac, _ := httpapi.NewClient("ops", httpapi.RoleAdmin, hash(adminToken))
	h := httpapi.New(httpapi.Deps{Verifier: v, Trust: f.reg, Signers: []trust.Signer{f.own},
		Issuer:  &issuing.Issuer{Region: sh, Signers: []trust.Signer{f.own}, Trust: f.reg, Clock: testkit.Clock},
		Records: f.recs, Events: f.events, Clients: []httpapi.Client{vc, ac},
		Ready: func(context.Context) []string { return nil }})
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) do(t *testing.T, method, path, token, body string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func errCode(t *testing.T, b []byte) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not an error envelope: %s", b)
	}
	return e.Error.Code
}

func TestRequestErrors(t *testing.T) {
	f := newFixture(t)
	big := `{"code":"` + strings.Repeat("A", 70<<10) + `"}`
	tests := map[string]struct {
		method, path, token, body string
		status                    int
		code                      string
	}{
		"no token is 401":                             {"POST", "/v1/verify", "", `{"code":"x"}`, 401, "unauthenticated"},
		"a wrong token is 401":                        {"POST", "/v1/verify", "nope", `{"code":"x"}`, 401, "unauthenticated"},
		"a verifier may not issue":                    {"POST", "/v1/issue", verifierToken, `{}`, 403, "forbidden"},
		"a verifier may not read records":             {"GET", "/v1/records/x", verifierToken, ``, 403, "forbidden"},
		"a verifier may not endorse":                  {"POST", "/v1/trust/endorsements", verifierToken, `x`, 403, "forbidden"},
		"not JSON is 400":                             {"POST", "/v1/verify", verifierToken, `code=x`, 400, "bad_request"},
		"an empty body is 400":                        {"POST", "/v1/verify", verifierToken, ``, 400, "bad_request"},
		"a missing code is 400":                       {"POST", "/v1/verify", verifierToken, `{"scene":"rail"}`, 400, "bad_request"},
		"a code that is not a string is 400":          {"POST", "/v1/verify", verifierToken, `{"code":42}`, 400, "bad_request"},
		"trailing data is 400":                        {"POST", "/v1/verify", verifierToken, `{"code":"x"} {}`, 400, "bad_request"},
		"a body over 64 KiB is 413":                   {"POST", "/v1/verify", verifierToken, big, 413, "too_large"},
		"an empty batch is 400":                       {"POST", "/v1/verify/batch", verifierToken, `{"codes":[]}`, 400, "bad_request"},
		"a batch over 1000 codes is 413":              {"POST", "/v1/verify/batch", verifierToken, `{"codes":[` + strings.Repeat(`"x",`, 1000) + `"x"]}`, 413, "too_large"},
		"an unknown field on an admin call is 400":    {"POST", "/v1/issue", adminToken, `{"status":"green","holder":{"name":"张三","id":"330102199001011234"},"colour":"red"}`, 400, "bad_request"},
		"an issue with a bad status is 400":           {"POST", "/v1/issue", adminToken, `{"status":"blue","holder":{"name":"张三","id":"330102199001011234"}}`, 400, "bad_request"},
		"an issue with no holder is 400":              {"POST", "/v1/issue", adminToken, `{"status":"green"}`, 400, "bad_request"},
		"a garbage endorsement is 400":                {"POST", "/v1/trust/endorsements", adminToken, `not-a-jws`, 400, "bad_request"},
		"an unknown record is 404":                    {"GET", "/v1/records/0193abcd", adminToken, ``, 404, "not_found"},
		"a checkpoint in free text is 400":            {"POST", "/v1/verify", verifierToken, `{"code":"x","checkpoint":"张三 at gate"}`, 400, "bad_request"},
		"a scene over 64 characters is 400":           {"POST", "/v1/verify/batch", verifierToken, `{"codes":["x"],"scene":"` + strings.Repeat("a", 65) + `"}`, 400, "bad_request"},
		"an unknown path is 404":                      {"GET", "/v2/verify", "", ``, 404, "not_found"},
		"trailing data on an admin call is 400":       {"POST", "/v1/issue", adminToken, `{"status":"green","holder":{"name":"张三","id":"330102199001011234"}} {}`, 400, "bad_request"},
		"a ttl beyond seven days is 400":              {"POST", "/v1/issue", adminToken, `{"status":"green","holder":{"name":"张三","id":"330102199001011234"},"ttl_seconds":604801}`, 400, "bad_request"},
		"a negative ttl is 400":                       {"POST", "/v1/issue", adminToken, `{"status":"green","holder":{"name":"张三","id":"330102199001011234"},"ttl_seconds":-1}`, 400, "bad_request"},
		"an endorsement with an unknown field is 400": {"POST", "/v1/trust/endorsements", adminToken, `{"jws":"a.b.c","by":"me"}`, 400, "bad_request"},
		"an empty endorsement is 400":                 {"POST", "/v1/trust/endorsements", adminToken, `{"jws":""}`, 400, "bad_request"},
		"an endorsement over 64 KiB is 413":           {"POST", "/v1/trust/revocations", adminToken, strings.Repeat("A", 70<<10), 413, "too_large"},
		"a record id over 64 characters is 404":       {"GET", "/v1/records/" + strings.Repeat("a", 65), adminToken, ``, 404, "not_found"},
		"a second region for a known key is 409":      {"POST", "/v1/trust/endorsements", adminToken, f.root.Endorse(f.zjKey, "440000", testkit.Spec{JTI: "zj-as-gd"}), 409, "conflict"},
		"a wrong method is 405":                       {"GET", "/v1/verify", verifierToken, ``, 405, "method_not_allowed"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, b := f.do(t, tc.method, tc.path, tc.token, tc.body)
			if resp.StatusCode != tc.status || errCode(t, b) != tc.code {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, b, tc.status, tc.code)
			}
		})
	}
}

func TestVerifyAndFetchRecord(t *testing.T) {
	f := newFixture(t)
	code, err := nic.Encode(f.zjKey, testkit.Claims(zj, mapping.Green))
	if err != nil {
		t.Fatal(err)
	}
	resp, b := f.do(t, "POST", "/v1/verify", verifierToken, string(testkit.JSON(t, map[string]string{"code": code, "checkpoint": "SH-HQ-01", "scene": "rail"})))
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var vd map[string]any
	_ = json.Unmarshal(b, &vd)
	if vd["result"] != "valid" || vd["status"] != "green" || vd["issuer"] != zj || vd["format"] != "nic-v1" || vd["source"] != "offline" {
		t.Fatalf("verdict %s", b)
	}
	if st := resp.Header.Get("Server-Timing"); st != "" {
		t.Errorf("an answer that asked no issuer has Server-Timing %q", st)
	}
	for _, k := range []string{"holder", "status_as_of", "valid_until", "degraded", "conflict", "record_id"} {
		if _, ok := vd[k]; !ok {
			t.Errorf("verdict lacks %q: %s", k, b)
		}
	}
	resp, b = f.do(t, "GET", "/v1/records/"+vd["record_id"].(string), adminToken, "")
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"checkpoint":"SH-HQ-01"`)) || !bytes.Contains(b, []byte(`"result":"valid"`)) {
		t.Fatalf("record: %d %s", resp.StatusCode, b)
	}
}

func TestVerifyAnswers503WhenTheRecordCannotBeWritten(t *testing.T) {
	for name, tc := range map[string]struct {
		err                error
		method, path, body string
		token, message     string
	}{
		"verify, database down":   {errors.New("database down"), "POST", "/v1/verify", `{"code":"x"}`, verifierToken, "records cannot be written now"},
		"verify, queue full":      {audit.ErrOverloaded, "POST", "/v1/verify", `{"code":"x"}`, verifierToken, "the gateway is overloaded"},
		"convert, database down":  {errors.New("database down"), "POST", "/v1/convert", `{"code":"x"}`, verifierToken, "records cannot be written now"},
		"a record, database down": {errors.New("database down"), "GET", "/v1/records/0193abcd", ``, adminToken, "records cannot be read now"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.recs.err = tc.err
			resp, b := f.do(t, tc.method, tc.path, tc.token, tc.body)
			if resp.StatusCode != 503 || errCode(t, b) != "unavailable" || resp.Header.Get("Retry-After") == "" || !bytes.Contains(b, []byte(tc.message)) {
				t.Fatalf("got %d %s, want 503 unavailable saying %q", resp.StatusCode, b, tc.message)
			}
		})
	}
}

func TestBatchKeepsOrder(t *testing.T) {
	f := newFixture(t)
	red, _ := nic.Encode(f.zjKey, testkit.Claims(zj, mapping.Red))
	resp, b := f.do(t, "POST", "/v1/verify/batch", verifierToken, string(testkit.JSON(t, map[string]any{"codes": []string{"junk", red}})))
	var out struct{ Results []verify.Verdict }
	if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil || len(out.Results) != 2 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if out.Results[0].Reason != fault.UnrecognizedFormat || out.Results[1].Status != mapping.Red {
		t.Fatalf("%s", b)
	}
}

func TestIssueThenVerify(t *testing.T) {
	f := newFixture(t)
	resp, b := f.do(t, "POST", "/v1/issue", adminToken, `{"status":"yellow","holder":{"name":"欧阳娜娜","id":"11010519491231002x"},"vac":3,"ttl_seconds":3600}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if bytes.Contains(b, []byte("欧阳娜娜")) || bytes.Contains(b, []byte("11010519491231002")) {
		t.Fatalf("issue answer leaks the holder: %s", b)
	}
	var out struct{ Code string }
	_ = json.Unmarshal(b, &out)
	resp, b = f.do(t, "POST", "/v1/verify", verifierToken, string(testkit.JSON(t, map[string]string{"code": out.Code})))
	var vd verify.Verdict
	if resp.StatusCode != 200 || json.Unmarshal(b, &vd) != nil {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if vd.Result != fault.Valid || vd.Status != mapping.Yellow || vd.Issuer != sh || vd.Holder.Name != "欧**娜" || vd.Holder.ID != "1101**********002X" {
		t.Fatalf("verdict %+v holder %+v", vd, vd.Holder)
	}
	if len(f.events.evs) != 1 || f.events.evs[0].Action != "issue" || f.events.evs[0].Actor != "ops" {
		t.Fatalf("events %+v", f.events.evs)
	}
}

func TestTrustEndpoints(t *testing.T) {
	f := newFixture(t)
	resp, list := f.do(t, "GET", "/v1/trust/list", "", "")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" {
		t.Fatalf("%d %s", resp.StatusCode, list)
	}
	if resp, _ := f.do(t, "GET", "/v1/trust/list", "", "", "If-None-Match", etag); resp.StatusCode != 304 {
		t.Fatalf("If-None-Match: %d", resp.StatusCode)
	}
	gd := testkit.Key(t, jwa.ES256)
	endorsement := f.root.Endorse(gd, "440000", testkit.Spec{})
	if resp, b := f.do(t, "POST", "/v1/trust/endorsements", adminToken, endorsement); resp.StatusCode != 201 {
		t.Fatalf("endorse: %d %s", resp.StatusCode, b)
	}
	if resp, b := f.do(t, "POST", "/v1/trust/endorsements", adminToken, `{"jws":"`+endorsement+`"}`); resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"added":false`)) {
		t.Fatalf("endorse again: %d %s", resp.StatusCode, b)
	}
	resp, b := f.do(t, "GET", "/v1/trust/list", "", "", "If-None-Match", etag)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag || !bytes.Contains(b, []byte(gd.Kid())) {
		t.Fatalf("after endorse: %d", resp.StatusCode)
	}
	other := testkit.NewRoot(t)
	if resp, b := f.do(t, "POST", "/v1/trust/endorsements", adminToken, other.Endorse(gd, "440000", testkit.Spec{JTI: "x"})); resp.StatusCode != 400 {
		t.Fatalf("foreign root: %d %s", resp.StatusCode, b)
	}
	if resp, b := f.do(t, "POST", "/v1/trust/revocations", adminToken, f.root.Revoke(gd.Kid())); resp.StatusCode != 201 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}
	if f.reg.Snapshot().Key(gd.Kid()).Revoked == nil {
		t.Fatal("revocation not in the registry")
	}
	if len(f.events.evs) != 2 || f.events.evs[0].Action != "endorse" || f.events.evs[1].Action != "revoke" {
		t.Fatalf("events %+v", f.events.evs)
	}
	resp, b = f.do(t, "GET", "/.well-known/jwks.json", "", "")
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(f.own.Kid())) || bytes.Contains(b, []byte(`"d"`)) {
		t.Fatalf("jwks: %s", b)
	}
}

func TestHealth(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, b := f.do(t, "GET", p, "", ""); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", p, resp.StatusCode, b)
		}
	}
}

func TestConvert(t *testing.T) {
	zjGreen := func(f *fixture) string {
		c, err := nic.Encode(f.zjKey, testkit.Claims(zj, mapping.Yellow))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Run("a code of a region outside this gateway's scope is refused", func(t *testing.T) {
		f := newFixture(t)
		resp, b := f.do(t, "POST", "/v1/convert", verifierToken, `{"code":"`+zjGreen(f)+`"}`)
		if resp.StatusCode != 422 || errCode(t, b) != "scope_violation" || !bytes.Contains(b, []byte(`"verdict"`)) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("a code that is not valid is refused with its verdict", func(t *testing.T) {
		f := newFixtureScoped(t, []string{sh, zj})
		bad := zjGreen(f)
		bad = bad[:len(bad)-5] + "AAAAA"
		resp, b := f.do(t, "POST", "/v1/convert", verifierToken, `{"code":"`+bad+`"}`)
		if resp.StatusCode != 422 || errCode(t, b) != "code_not_valid" || !bytes.Contains(b, []byte(`"reason":"bad_signature"`)) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("a valid code becomes a national code signed by this gateway on behalf of its issuer", func(t *testing.T) {
		f := newFixtureScoped(t, []string{sh, zj})
		resp, b := f.do(t, "POST", "/v1/convert", verifierToken, `{"code":"`+zjGreen(f)+`","checkpoint":"conv-1"}`)
		var out struct {
			NationalCode string `json:"national_code"`
			Kid          string
		}
		if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil || out.Kid != f.own.Kid() {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		resp, b = f.do(t, "POST", "/v1/verify", verifierToken, `{"code":"`+out.NationalCode+`"}`)
		var vd verify.Verdict
		if resp.StatusCode != 200 || json.Unmarshal(b, &vd) != nil {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		if vd.Result != fault.Valid || vd.Status != mapping.Yellow || vd.Issuer != zj || vd.Holder.Name != "张*三" {
			t.Fatalf("converted code verdict: %s", b)
		}
		_, payload, err := trust.SplitCompact(strings.TrimPrefix(out.NationalCode, nic.Prefix))
		if err != nil {
			t.Fatal(err)
		}
		claims, err := mapping.ParseClaims(payload)
		if err != nil || claims.Iss != sh || claims.Org != zj || claims.JTI != "code-1" || claims.EXP > testkit.Now.Add(time.Hour).Unix() {
			t.Fatalf("claims %+v %v", claims, err)
		}
	})
}

// TestVerifyBodyErrorsSayWhy: the verify body is read by a path of its own
// (pooled buffer, one json.Unmarshal); each way it can be wrong is named in
// the message, and never echoes the body.
func TestVerifyBodyErrorsSayWhy(t *testing.T) {
	f := newFixture(t)
	tests := map[string]struct{ body, want string }{
		"empty":             {``, "empty body"},
		"white space only":  {" \n\t ", "empty body"},
		"trailing data":     {`{"code":"secret-1"} {}`, "trailing data after the JSON value"},
		"trailing garbage":  {`{"code":"secret-1"}x`, "trailing data after the JSON value"},
		"truncated":         {`{"code":"secret-1"`, "syntax error at offset"},
		"not JSON":          {`code=secret-1`, "syntax error at offset"},
		"a number for code": {`{"code":1}`, `field "code" must be string`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, b := f.do(t, "POST", "/v1/verify", verifierToken, tc.body)
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(b, &e); err != nil || resp.StatusCode != 400 || e.Error.Code != "bad_request" {
				t.Fatalf("got %d %s, want 400 bad_request", resp.StatusCode, b)
			}
			if !strings.Contains(e.Error.Message, tc.want) || strings.Contains(e.Error.Message, "secret-1") {
				t.Fatalf("message %q, want it to contain %q and not the body", e.Error.Message, tc.want)
			}
		})
	}
}

// TestVerifyBodyShapes: a body the fast decoder takes and bodies it leaves
// to json.Unmarshal (an escape, another order, white space) are one
// request: the same verdict, and a record with the same checkpoint.
func TestVerifyBodyShapes(t *testing.T) {
	f := newFixture(t)
	code, err := nic.Encode(f.zjKey, testkit.Claims(zj, mapping.Green))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"the common shape": `{"code":"` + code + `","checkpoint":"SH-HQ-01","scene":"rail"}`,
		"an escape":        `{"code":"` + code + `","checkpoint":"SH\u002dHQ-01","scene":"rail"}`,
		"another order":    "{ \"scene\" : \"rail\",\n \"checkpoint\":\"SH-HQ-01\", \"code\":\"" + code + "\" }\n",
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := f.do(t, "POST", "/v1/verify", verifierToken, body)
			var vd map[string]any
			if err := json.Unmarshal(b, &vd); err != nil || resp.StatusCode != 200 || vd["status"] != "green" || vd["result"] != "valid" {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			resp, b = f.do(t, "GET", "/v1/records/"+vd["record_id"].(string), adminToken, "")
			if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"checkpoint":"SH-HQ-01"`)) || !bytes.Contains(b, []byte(`"scene":"rail"`)) {
				t.Fatalf("record: %d %s", resp.StatusCode, b)
			}
		})
	}
}
