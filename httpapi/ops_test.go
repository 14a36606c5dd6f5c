package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/trust"
)

type fakeOps struct {
	mu    sync.Mutex
	peers []httpapi.OpsPeer
	since time.Time
	err   error
}

func (f *fakeOps) Region() string           { return sh }
func (f *fakeOps) Now() time.Time           { return testkit.Now }
func (f *fakeOps) Peers() []httpapi.OpsPeer { return f.peers }

func (f *fakeOps) VerdictCounts(_ context.Context, since time.Time) ([]httpapi.OpsVerdictCount, error) {
	f.mu.Lock()
	f.since = since
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	return []httpapi.OpsVerdictCount{{Result: "valid", Count: 41}, {Result: "invalid", Reason: "bad_signature", Count: 2}}, nil
}

// overview is GET /v1/ops/overview as a client reads it.
type overview struct {
	Region string    `json:"region"`
	Time   time.Time `json:"time"`
	Peers  []struct {
		Region   string   `json:"region"`
		URL      *string  `json:"url"`
		Breaker  string   `json:"breaker"`
		P50      *float64 `json:"p50_ms"`
		P95      *float64 `json:"p95_ms"`
		Calls5m  int      `json:"calls_5m"`
		Errors5m int      `json:"errors_5m"`
	} `json:"peers"`
	Rules []struct {
		ID        string    `json:"id"`
		Version   string    `json:"version"`
		Region    string    `json:"region"`
		Type      string    `json:"type"`
		Scenes    []string  `json:"scenes"`
		ValidFrom time.Time `json:"valid_from"`
		ValidTo   time.Time `json:"valid_to"`
		State     string    `json:"state"`
	} `json:"rules"`
	Keys []struct {
		Kid       string    `json:"kid"`
		Region    string    `json:"region"`
		Uses      []string  `json:"uses"`
		Scope     []string  `json:"scope"`
		NotBefore time.Time `json:"not_before"`
		NotAfter  time.Time `json:"not_after"`
		DaysLeft  float64   `json:"days_left"`
		Revoked   bool      `json:"revoked"`
	} `json:"keys"`
	Revocations []struct {
		Kid       string    `json:"kid"`
		RevokedAt time.Time `json:"revoked_at"`
		Reason    string    `json:"reason"`
	} `json:"revocations"`
	Verdicts []struct {
		Result string `json:"result"`
		Reason string `json:"reason"`
		Count  int64  `json:"count"`
	} `json:"verdicts_last_hour"`
	Warnings []string `json:"warnings"`
}

type opsFixture struct {
	fixture
	ops                  *fakeOps
	shKey, zjK, gdK, bjK *testkit.TestKey
	tjK, hubK            *testkit.TestKey
}

// opsRule is a Shanghai acceptance rule signed by root.
func opsRule(t *testing.T, root *testkit.Root, id, version string, from, to time.Time, scenes string) string {
	return root.Rule(fmt.Sprintf(`{"Identifier":%q,"Type":"Acceptance","Country":"310000","Version":%q,"SchemaVersion":"1.0.0",
"Engine":"CERTLOGIC","EngineVersion":"1.3.0","CertificateType":"National","Description":[{"lang":"en","desc":"green passes"},{"lang":"zh","desc":"绿码通行"}],
"ValidFrom":%q,"ValidTo":%q,"AffectedFields":["st"],"Logic":{"===":[{"var":"payload.st"},"green"]},"Scenes":%s}`,
		id, version, from.Format(time.RFC3339), to.Format(time.RFC3339), scenes))
}

func newOpsFixture(t *testing.T, withOps bool) *opsFixture {
	t.Helper()
	now := testkit.Now
	day := 24 * time.Hour
	f := &opsFixture{ops: &fakeOps{peers: []httpapi.OpsPeer{
		{Region: "000000", URL: "https://ops:secret@hub.example:8443/gw?token=x#frag", Breaker: "closed",
			Calls: 3, Errors: 1, Timed: 2, P50: 1500 * time.Microsecond, P95: 12345678 * time.Nanosecond},
		{Region: zj, Breaker: "open", Calls: 5, Errors: 5},
	}}}
	f.root = testkit.NewRoot(t)
	f.shKey, f.zjK, f.gdK = testkit.Key(t, jwa.EdDSA), testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.ES256)
	f.bjK, f.tjK, f.hubK = testkit.Key(t, jwa.EdDSA), testkit.Key(t, jwa.EdDSA), testkit.Key(t, jwa.EdDSA)
	f.reg = testkit.Registry(t, f.root,
		// Shanghai's key, endorsed twice: the window shown is the one in
		// force that ends last.
		f.root.Endorse(f.shKey, sh, testkit.Spec{NotBefore: now.Add(-day), NotAfter: now.Add(3 * day), JTI: "sh-1"}),
		f.root.Endorse(f.shKey, sh, testkit.Spec{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(90 * day), JTI: "sh-2",
			Use: []trust.Use{trust.UseCodes}}),
		f.root.Endorse(f.zjK, zj, testkit.Spec{NotBefore: now.Add(-day), NotAfter: now.Add(3*day + 12*time.Hour)}),
		f.root.Endorse(f.gdK, "440000", testkit.Spec{NotBefore: now.Add(-10 * day), NotAfter: now.Add(-day - time.Minute)}),
		f.root.Endorse(f.bjK, "110000", testkit.Spec{}),
		f.root.Revoke(f.bjK.Kid()),
		f.root.Endorse(f.tjK, "120000", testkit.Spec{NotBefore: now.Add(day), NotAfter: now.Add(10 * day)}),
		f.root.Endorse(f.hubK, "000000", testkit.Spec{Scope: []string{"*"}}),
		opsRule(t, f.root, "SH-RAIL", "1.0.0", now.Add(-day), now.Add(30*day), `["rail"]`),
		opsRule(t, f.root, "SH-RAIL", "1.1.0", now.Add(-time.Hour), now.Add(30*day), `["rail"]`),
		opsRule(t, f.root, "SH-RAIL", "2.0.0", now.Add(day), now.Add(30*day), `["rail"]`),
		opsRule(t, f.root, "SH-OLD", "1.0.0", now.Add(-3*day), now.Add(-day), `[]`),
	)
	vc, _ := httpapi.NewClient("gate-1", httpapi.RoleVerifier, hash(verifierToken))
	ac, _ := httpapi.NewClient("ops", httpapi.RoleAdmin, hash(adminToken))
	d := httpapi.Deps{Trust: f.reg, Clients: []httpapi.Client{vc, ac},
		Warnings: func() []string { return []string{"the endorsement of key x ends soon"} }}
	if withOps {
		d.Ops = f.ops
	}
	f.srv = httptest.NewServer(httpapi.New(d))
	t.Cleanup(f.srv.Close)
	return f
}

func TestOpsOverviewRoles(t *testing.T) {
	f := newOpsFixture(t, true)
	for name, tc := range map[string]struct {
		token  string
		status int
		code   string
	}{
		"no token is 401":        {"", 401, "unauthenticated"},
		"a wrong token is 401":   {"nope", 401, "unauthenticated"},
		"a verifier gets 403":    {verifierToken, 403, "forbidden"},
		"an admin gets the view": {adminToken, 200, ""},
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := f.do(t, "GET", "/v1/ops/overview", tc.token, "")
			if resp.StatusCode != tc.status {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			if tc.code != "" {
				if got := errCode(t, b); got != tc.code {
					t.Fatalf("code %q", got)
				}
				if strings.Contains(string(b), "peers") {
					t.Fatalf("a refusal shows the overview: %s", b)
				}
				return
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
	if resp, b := f.do(t, "POST", "/v1/ops/overview", adminToken, ""); resp.StatusCode != 405 {
		t.Errorf("POST: %d %s", resp.StatusCode, b)
	}
}

func TestOpsOverviewShape(t *testing.T) {
	f := newOpsFixture(t, true)
	resp, b := f.do(t, "GET", "/v1/ops/overview", adminToken, "")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var ov overview
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ov); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if ov.Region != sh || !ov.Time.Equal(testkit.Now) || ov.Time.Location() != time.UTC {
		t.Errorf("region %q time %v", ov.Region, ov.Time)
	}
	if !f.ops.since.Equal(testkit.Now.Add(-time.Hour)) {
		t.Errorf("counted since %v, want an hour before the gateway's now", f.ops.since)
	}

	// peers: no credentials, query or fragment in the URL; no percentile
	// without a timed call.
	if len(ov.Peers) != 2 {
		t.Fatalf("peers %s", b)
	}
	hub, zjPeer := ov.Peers[0], ov.Peers[1]
	if hub.Region != "000000" || hub.URL == nil || *hub.URL != "https://hub.example:8443/gw" || hub.Breaker != "closed" ||
		hub.P50 == nil || *hub.P50 != 1.5 || hub.P95 == nil || *hub.P95 != 12.346 || hub.Calls5m != 3 || hub.Errors5m != 1 {
		t.Errorf("hub peer %+v", hub)
	}
	if strings.Contains(string(b), "secret") || strings.Contains(string(b), "token=") {
		t.Errorf("the overview shows a peer's credentials: %s", b)
	}
	if zjPeer.Region != zj || zjPeer.URL != nil || zjPeer.Breaker != "open" || zjPeer.P50 != nil || zjPeer.P95 != nil || zjPeer.Errors5m != 5 {
		t.Errorf("zj peer %+v", zjPeer)
	}
	if !strings.Contains(string(b), `"p50_ms":null`) {
		t.Errorf("a peer without timed calls has no null p50_ms: %s", b)
	}

	// rules: the highest version in force is in force, a lower one
	// superseded, a later one starts later, an ended one lapsed.
	var states []string
	for _, r := range ov.Rules {
		states = append(states, r.ID+" "+r.Version+" "+r.State)
	}
	if got := strings.Join(states, ", "); got != "SH-OLD 1.0.0 lapsed, SH-RAIL 1.0.0 superseded, SH-RAIL 1.1.0 in_force, SH-RAIL 2.0.0 starts_later" {
		t.Errorf("rules %s", got)
	}
	if len(ov.Rules) > 0 && (ov.Rules[0].Scenes == nil || ov.Rules[1].Scenes[0] != "rail" || ov.Rules[1].Region != sh) {
		t.Errorf("rules %+v", ov.Rules)
	}

	// keys: by region, the window in force that ends last, days floored.
	type key struct {
		region  string
		days    float64
		revoked bool
		uses    string
		scope   string
	}
	want := map[string]key{
		f.hubK.Kid():  {"000000", 30, false, "codes,status,federation", "*"},
		f.bjK.Kid():   {"110000", 30, true, "codes,status,federation", "110000"},
		f.tjK.Kid():   {"120000", 10, false, "codes,status,federation", "120000"}, // not yet in force
		f.shKey.Kid(): {sh, 90, false, "codes", sh},                               // renewed: the later window
		f.zjK.Kid():   {zj, 3.5, false, "codes,status,federation", zj},            // within 7 days
		f.gdK.Kid():   {"440000", -1.1, false, "codes,status,federation", "440000"},
	}
	if len(ov.Keys) != len(want) {
		t.Fatalf("%d keys: %s", len(ov.Keys), b)
	}
	for i, k := range ov.Keys {
		w, ok := want[k.Kid]
		got := key{k.Region, k.DaysLeft, k.Revoked, strings.Join(k.Uses, ","), strings.Join(k.Scope, ",")}
		if !ok || got != w {
			t.Errorf("key %s: %+v, want %+v", k.Kid, got, w)
		}
		if i > 0 && ov.Keys[i-1].Region > k.Region {
			t.Errorf("keys not by region: %s after %s", k.Region, ov.Keys[i-1].Region)
		}
		if !k.NotAfter.Equal(testkit.Now.Add(time.Duration(k.DaysLeft*24)*time.Hour)) && k.Kid != f.gdK.Kid() {
			t.Errorf("key %s: not_after %v, days_left %v", k.Kid, k.NotAfter, k.DaysLeft)
		}
	}

	if len(ov.Revocations) != 1 || ov.Revocations[0].Kid != f.bjK.Kid() || ov.Revocations[0].Reason != "test" ||
		!ov.Revocations[0].RevokedAt.Equal(testkit.Now) {
		t.Errorf("revocations %+v", ov.Revocations)
	}
	if len(ov.Verdicts) != 2 || ov.Verdicts[0].Result != "valid" || ov.Verdicts[0].Reason != "" || ov.Verdicts[0].Count != 41 ||
		ov.Verdicts[1].Reason != "bad_signature" || ov.Verdicts[1].Count != 2 {
		t.Errorf("verdicts %+v", ov.Verdicts)
	}
	if len(ov.Warnings) != 1 || !strings.Contains(ov.Warnings[0], "ends soon") {
		t.Errorf("warnings %v", ov.Warnings)
	}
}

// A database that does not answer leaves the rest of the overview: the
// counts are null and a warning says why.
func TestOpsOverviewWithoutTheDatabase(t *testing.T) {
	f := newOpsFixture(t, true)
	f.ops.err = errors.New("dial tcp 10.0.0.9:3306: connect: connection refused")
	resp, b := f.do(t, "GET", "/v1/ops/overview", adminToken, "")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var ov overview
	if err := json.Unmarshal(b, &ov); err != nil {
		t.Fatal(err)
	}
	if ov.Verdicts != nil || !strings.Contains(string(b), `"verdicts_last_hour":null`) || len(ov.Peers) != 2 || len(ov.Keys) != 6 {
		t.Errorf("%s", b)
	}
	if len(ov.Warnings) != 2 || ov.Warnings[1] != "verdict counts: the database did not answer" {
		t.Errorf("warnings %v", ov.Warnings)
	}
	if strings.Contains(string(b), "10.0.0.9") {
		t.Errorf("the overview leaks the database error: %s", b)
	}
}

func TestOpsOverviewWithoutASource(t *testing.T) {
	f := newOpsFixture(t, false)
	resp, b := f.do(t, "GET", "/v1/ops/overview", adminToken, "")
	if resp.StatusCode != 503 || errCode(t, b) != "unavailable" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

func TestOperatorPageIsServed(t *testing.T) {
	f := newOpsFixture(t, true)
	for path, ct := range map[string]string{"/operator": "text/html", "/operator/app.js": "text/javascript",
		"/operator/style.css": "text/css", "/operator/labels.json": "application/json", "/operator/index.html": "text/html"} {
		resp, b := f.do(t, "GET", path, "", "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ct) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
			continue
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if strings.Contains(string(b), adminToken) {
			t.Errorf("%s holds a token", path)
		}
	}
	for _, path := range []string{"/operator/nope.js", "/operator/..%2fweb.go", "/operator/.hidden.js"} {
		if resp, b := f.do(t, "GET", path, "", ""); resp.StatusCode != 404 {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
}
