package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

type rulesFixture struct {
	*fixture
	shRules *testkit.TestKey // use rules, scope 310000
	codes   *testkit.TestKey // use codes only
}

func newRulesFixture(t *testing.T) *rulesFixture {
	t.Helper()
	root := testkit.NewRoot(t)
	f := &rulesFixture{fixture: &fixture{root: root, recs: &memRecords{}, events: &memEvents{}},
		shRules: testkit.Key(t, jwa.ES256), codes: testkit.Key(t, jwa.EdDSA)}
	f.reg = trust.NewRegistry(root.Anchors(), nil)
	if n, bad, err := f.reg.AddAny(t.Context(), []string{
		root.Endorse(f.shRules, sh, testkit.Spec{Use: []trust.Use{trust.UseRules}}),
		root.Endorse(f.codes, sh, testkit.Spec{Use: []trust.Use{trust.UseCodes}})}); n != 2 || len(bad) > 0 || err != nil {
		t.Fatalf("registry: %d %v %v", n, bad, err)
	}
	ads, _ := adapters.NewRegistry(nic.New())
	v := &verify.Verifier{Adapters: ads, Trust: f.reg, Clock: testkit.Clock, Skew: trust.DefaultSkew, Region: sh, Recorder: f.recs}
	vc, _ := httpapi.NewClient("gate-1", httpapi.RoleVerifier, hash(verifierToken))
	ac, _ := httpapi.NewClient("ops", httpapi.RoleAdmin, hash(adminToken))
	f.srv = httptest.NewServer(httpapi.New(httpapi.Deps{Verifier: v, Trust: f.reg, Records: f.recs, Events: f.events,
		Clients: []httpapi.Client{vc, ac}}))
	t.Cleanup(f.srv.Close)
	return f
}

func ruleJWS(t *testing.T, k *testkit.TestKey, iss, version string, change func(map[string]any)) string {
	t.Helper()
	rule := map[string]any{
		"Identifier": "SH-HOSPITAL", "Type": "Acceptance", "Country": sh, "Version": version,
		"SchemaVersion": "1.0.0", "Engine": "CERTLOGIC", "EngineVersion": "1.3.0", "CertificateType": "National",
		"Description": []map[string]string{{"lang": "en", "desc": "green"}, {"lang": "zh", "desc": "绿码"}},
		"ValidFrom":   testkit.Now.Add(-time.Hour).Format(time.RFC3339), "ValidTo": testkit.Now.Add(time.Hour).Format(time.RFC3339),
		"AffectedFields": []string{"st"}, "Logic": map[string]any{"===": []any{map[string]any{"var": "payload.st"}, "green"}},
		"Scenes": []string{"hospital"},
	}
	if change != nil {
		change(rule)
	}
	claims := map[string]any{"iss": iss, "iat": testkit.Now.Unix(), "jti": "r-" + version, "rule": rule}
	return testkit.SignRaw(t, k, map[string]any{"alg": string(k.Alg()), "kid": k.Kid(), "typ": trust.TypRule}, testkit.JSON(t, claims))
}

func TestRulesEndpoints(t *testing.T) {
	f := newRulesFixture(t)
	resp, b := f.do(t, "GET", "/v1/rules", "", "")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || string(b) != `{"version":0,"rules":[]}` {
		t.Fatalf("empty: %d %s", resp.StatusCode, b)
	}
	v1 := ruleJWS(t, f.shRules, sh, "1.0.0", nil)
	if resp, b := f.do(t, "POST", "/v1/rules", verifierToken, v1); resp.StatusCode != 403 {
		t.Fatalf("a verifier posting a rule: %d %s", resp.StatusCode, b)
	}
	resp, b = f.do(t, "POST", "/v1/rules", adminToken, v1)
	if resp.StatusCode != 201 || string(b) != `{"added":true,"id":"SH-HOSPITAL","region":"310000","version":"1.0.0"}` {
		t.Fatalf("add: %d %s", resp.StatusCode, b)
	}
	if resp, b := f.do(t, "POST", "/v1/rules", adminToken, `{"jws":"`+v1+`"}`); resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"added":false`)) {
		t.Fatalf("again: %d %s", resp.StatusCode, b)
	}
	resp, b = f.do(t, "GET", "/v1/rules", "", "", "If-None-Match", etag)
	newTag := resp.Header.Get("ETag")
	var list struct {
		Version int
		Rules   []map[string]any
	}
	if err := json.Unmarshal(b, &list); err != nil || resp.StatusCode != 200 || newTag == etag || list.Version != 1 || len(list.Rules) != 1 ||
		list.Rules[0]["id"] != "SH-HOSPITAL" || list.Rules[0]["jws"] != v1 || list.Rules[0]["type"] != "Acceptance" || list.Rules[0]["region"] != sh {
		t.Fatalf("list: %d %s", resp.StatusCode, b)
	}
	if resp, _ := f.do(t, "GET", "/v1/rules", "", "", "If-None-Match", newTag); resp.StatusCode != 304 {
		t.Fatalf("If-None-Match: %d", resp.StatusCode)
	}
	if _, tl := f.do(t, "GET", "/v1/trust/list", "", ""); !bytes.Contains(tl, []byte(`"rules":[{"id":"SH-HOSPITAL"`)) {
		t.Fatalf("the trust list does not carry the rule: %s", tl)
	}
	if len(f.events.evs) != 1 || f.events.evs[0].Action != "rule" {
		t.Fatalf("events %+v", f.events.evs)
	}
}

func TestRulesRefusals(t *testing.T) {
	f := newRulesFixture(t)
	tests := map[string]struct {
		body   string
		status int
		code   string
		msg    string
	}{
		"an unknown member": {ruleJWS(t, f.shRules, sh, "1.0.0", func(r map[string]any) { r["Priority"] = 1 }), 400, "bad_rule", "Priority"},
		"a wrong shape":     {ruleJWS(t, f.shRules, sh, "1.0.0", func(r map[string]any) { r["Type"] = "Maybe" }), 400, "bad_rule", "Type"},
		"invalid CertLogic": {ruleJWS(t, f.shRules, sh, "1.0.0", func(r map[string]any) { r["Logic"] = map[string]any{"frobnicate": 1} }), 400, "bad_rule", "CertLogic"},
		"a rule over 64 KiB": {ruleJWS(t, f.shRules, sh, "1.0.0", func(r map[string]any) {
			r["AffectedFields"] = []string{strings.Repeat("f", 200)}
			d := []map[string]string{{"lang": "en", "desc": "green"}, {"lang": "zh", "desc": "绿码"}}
			for range 33 {
				d = append(d, map[string]string{"lang": "fr", "desc": strings.Repeat("x", 2000)})
			}
			r["Description"] = d
		}), 400, "bad_rule", "more than 65536"},
		"too deep": {ruleJWS(t, f.shRules, sh, "1.0.0", func(r map[string]any) {
			r["Logic"] = json.RawMessage(strings.Repeat(`{"!":[`, 80) + "true" + strings.Repeat("]}", 80))
		}), 400, "bad_rule", "nested"},
		"a signer without use rules":  {ruleJWS(t, f.codes, sh, "1.0.0", nil), 403, "forbidden", "not endorsed for rules"},
		"a signer outside its scope":  {ruleJWS(t, f.shRules, sh, "1.0.0", func(r map[string]any) { r["Country"] = zj }), 403, "forbidden", "may not sign for region 330000"},
		"a key nobody endorsed":       {ruleJWS(t, testkit.Key(t, jwa.ES256), sh, "1.0.0", nil), 403, "forbidden", "neither a trust anchor"},
		"not a JWS":                   {"hello", 400, "bad_rule", "compact JWS"},
		"a body beyond every bound":   {strings.Repeat("A", 200<<10), 413, "too_large", ""},
		"JSON with an unknown member": {`{"jws":"a.b.c","x":1}`, 400, "bad_request", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, b := f.do(t, "POST", "/v1/rules", adminToken, tc.body)
			if resp.StatusCode != tc.status || errCode(t, b) != tc.code || !strings.Contains(string(b), tc.msg) {
				t.Fatalf("%d %s, want %d %s naming %q", resp.StatusCode, b, tc.status, tc.code, tc.msg)
			}
		})
	}
	if n := len(f.reg.Snapshot().Rules()); n != 0 {
		t.Fatalf("%d rules kept", n)
	}
}
