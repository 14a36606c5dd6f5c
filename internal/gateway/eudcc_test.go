package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// dgcCase reads one file of the member states' test data.
func dgcCase(t *testing.T, rel string) (prefix, cert string, clock time.Time) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "dgc-testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		PREFIX  string
		TESTCTX struct{ CERTIFICATE, VALIDATIONCLOCK string }
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	clock, err = time.Parse(time.RFC3339, f.TESTCTX.VALIDATIONCLOCK)
	if err != nil {
		t.Fatal(err)
	}
	return f.PREFIX, f.TESTCTX.CERTIFICATE, clock
}

// An EU Digital COVID Certificate verified through POST /v1/verify, its
// document signer loaded from trust.dsc_file, answers a verdict of the
// same shape as a provincial code's, plus its certificate facts; the
// foreign issuer is never asked online, recorded as it is, and never
// converted into a national code.
func TestEUCertificateThroughTheAPI(t *testing.T) {
	e := newEnv(t, "sqlite", "")
	euCode, cert, euClock := dgcCase(t, "DE/2DCode/raw/1.json")
	list := filepath.Join(e.dir, "dsc.json")
	if err := os.WriteFile(list, []byte(`[{"certificate":"`+cert+`","country":"DE"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cfg.Trust.DSCFile = list
	var asked atomic.Int32
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer hub.Close()
	e.cfg.Peers = []config.Peer{{Region: mapping.NationalRegion, URL: hub.URL}}

	var now atomic.Pointer[time.Time]
	setClock := func(t time.Time) { now.Store(&t) }
	setClock(time.Now())
	g, err := gateway.New(context.Background(), e.cfg, gateway.Options{Logger: testLogger(t), Clock: func() time.Time { return *now.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler)
	t.Cleanup(func() {
		srv.Close()
		_ = g.Close(context.Background())
	})
	r := &running{g: g, base: srv.URL}

	// A provincial code first: Zhejiang's key endorsed, a national code of
	// Zhejiang's signed with it.
	if st, b := r.call(t, "POST", "/v1/trust/endorsements", adminToken, e.root.Endorse(e.zj, "330000", testkit.Spec{
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})); st != 201 {
		t.Fatalf("endorse %d %s", st, b)
	}
	provincial := nicNow(t, e.zj, "330000", mapping.Green)
	verify := func(code string) map[string]any {
		t.Helper()
		st, b := r.call(t, "POST", "/v1/verify", verifierToken, `{"code":"`+code+`","checkpoint":"pvg-t2"}`)
		var vd map[string]any
		if st != 200 || json.Unmarshal(b, &vd) != nil {
			t.Fatalf("verify %d %s", st, b)
		}
		return vd
	}
	prov := verify(provincial)
	if prov["result"] != "valid" {
		t.Fatalf("provincial code: %v", prov)
	}
	asked.Store(0)

	setClock(euClock)
	eu := verify(euCode)
	for k, want := range map[string]any{"result": "valid", "reason": "", "status": "green", "issuer": "eu:DE", "format": "eu-dcc",
		"source": "offline", "degraded": false, "conflict": false} {
		if eu[k] != want {
			t.Errorf("%s = %v, want %v (%v)", k, eu[k], want, eu)
		}
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the hub was asked %d times about a foreign issuer", n)
	}
	// The same shape: every member of the provincial verdict, the same
	// holder members, and only the certificate's facts beside them.
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	wantKeys := append(keys(prov), "cert")
	slices.Sort(wantKeys)
	if got := keys(eu); !slices.Equal(got, wantKeys) {
		t.Errorf("members %v, want %v", got, wantKeys)
	}
	holder, _ := eu["holder"].(map[string]any)
	if got, want := keys(holder), keys(prov["holder"].(map[string]any)); !slices.Equal(got, want) {
		t.Errorf("holder members %v, want %v", got, want)
	}
	if name, _ := holder["name"].(string); !mapping.IsMaskedName(name) || !strings.Contains(name, "*") {
		t.Errorf("holder name %q is not masked", name)
	}
	certFacts, _ := eu["cert"].(map[string]any)
	if certFacts["type"] != "vaccination" || certFacts["state"] != "vaccination-complete" || certFacts["country"] != "DE" ||
		certFacts["dose"] != 2.0 || certFacts["doses"] != 2.0 {
		t.Errorf("cert %v", certFacts)
	}
	if _, ok := prov["cert"]; ok {
		t.Errorf("a provincial verdict carries cert: %v", prov)
	}

	// The record keeps the foreign issuer as it is.
	id, _ := eu["record_id"].(string)
	st, b := r.call(t, "GET", "/v1/records/"+id, adminToken, "")
	if st != 200 || !strings.Contains(string(b), `"issuer":"eu:DE"`) || !strings.Contains(string(b), `"format":"eu-dcc"`) {
		t.Fatalf("record %d %s", st, b)
	}

	// A foreign certificate is recognised, never re-signed as national.
	st, b = r.call(t, "POST", "/v1/convert", verifierToken, `{"code":"`+euCode+`"}`)
	if st != 422 || !strings.Contains(string(b), `"code":"scope_violation"`) {
		t.Fatalf("convert %d %s", st, b)
	}

	// Hostile "HC1:" input is invalid, and answered like any code.
	for _, code := range []string{"HC1:", "HC1:%%%", "HC1:" + strings.Repeat("0", 3000), euCode[:len(euCode)-5]} {
		vd := verify(code)
		if vd["result"] != "invalid" || vd["status"] != "grey" || vd["format"] != "eu-dcc" {
			t.Errorf("%.20s…: %v", code, vd)
		}
	}

	// After the certificate's exp it is expired, like any signed code.
	setClock(euClock.AddDate(2, 0, 0))
	if vd := verify(euCode); vd["result"] != "invalid" || vd["reason"] != "expired" {
		t.Errorf("after exp: %v", vd)
	}
}

// A trust list that does not parse stops the gateway at start.
func TestStartRefusesABadTrustList(t *testing.T) {
	e := newEnv(t, "sqlite", "")
	list := filepath.Join(e.dir, "dsc.json")
	if err := os.WriteFile(list, []byte(`[{"certificate":"AAAA"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cfg.Trust.DSCFile = list
	if _, err := gateway.New(context.Background(), e.cfg, gateway.Options{Logger: testLogger(t)}); err == nil || !strings.Contains(err.Error(), "trust.dsc_file") {
		t.Fatalf("got %v, want an error naming trust.dsc_file", err)
	}
}
