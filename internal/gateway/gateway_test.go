package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

const adminToken, verifierToken = "gw-admin", "gw-verifier"

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

type env struct {
	dir      string
	root     *testkit.Root
	own, zj  *testkit.TestKey
	cfg      *config.Config
	cfgBytes []byte
}

func newEnv(t testing.TB, driver, dsn string) *env {
	t.Helper()
	e := &env{dir: t.TempDir(), root: testkit.NewRoot(t), own: testkit.Key(t, jwa.EdDSA), zj: testkit.Key(t, jwa.ES256)}
	t.Cleanup(func() { scanDatabaseFiles(t, e.dir) })
	if driver == "sqlite" {
		dsn = "file:" + filepath.Join(e.dir, "gw.db")
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(e.dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	_ = os.MkdirAll(filepath.Join(e.dir, "e"), 0o755)
	spec := testkit.Spec{NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	write("e/own.jws", []byte(e.root.Endorse(e.own, "310000", spec)))
	e.cfgBytes = []byte(fmt.Sprintf(`listen: 127.0.0.1:0
region: "310000"
database: {driver: %s, dsn: %q}
trust:
  anchors: [%s]
  endorsements_dir: %s
keys: [%s]
clients:
  - {name: ops, role: admin, token_sha256: %q}
  - {name: gate, role: verifier, token_sha256: %q}
`, driver, dsn, write("root.jwk", e.root.PublicJWK()), filepath.Join(e.dir, "e"), write("own.jwk", e.own.JWK),
		sum(adminToken), sum(verifierToken)))
	cfg, err := config.Parse("gw.yaml", e.cfgBytes)
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = cfg
	return e
}

// nicNow is a national code of org with status st, issued a minute ago and
// valid for an hour, signed by key.
func nicNow(t testing.TB, key *testkit.TestKey, org string, st mapping.Status) string {
	t.Helper()
	code, err := nic.Encode(key, testkit.ClaimsAt(org, st, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

type running struct {
	g      *gateway.Gateway
	base   string
	cancel context.CancelFunc
	done   chan error
}

func start(t testing.TB, e *env) *running {
	t.Helper()
	return startWith(t, e.cfg, gateway.Options{Simulated: provsim.NewPlatform})
}

// startWith is start with a configuration and options of the caller's.
func startWith(t testing.TB, cfg *config.Config, opt gateway.Options) *running {
	t.Helper()
	opt.Logger = testLogger(t)
	g, err := gateway.New(context.Background(), cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := g.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{g: g, base: "http://" + addr.String(), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- g.Serve(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t testing.TB) {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

func (r *running) call(t testing.TB, method, path, token, body string) (int, []byte) {
	t.Helper()
	return do(t, method, r.base+path, token, body)
}

// do makes one request, with a bearer token unless token is "" and the
// header pairs of hdr, and returns the status and the body.
func do(t testing.TB, method, url, token, body string, hdr ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
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
	return resp.StatusCode, b
}

// TestTrustAndRecordsSurviveARestart: an endorsement and a revocation
// posted through the admin API, and a verification's record, are all there
// after the gateway restarts on the same database.
func TestTrustAndRecordsSurviveARestart(t *testing.T) {
	for _, driver := range []string{"sqlite", "mysql"} {
		t.Run(driver, func(t *testing.T) {
			dsn := ""
			if driver == "mysql" {
				dsn = testdb.FreshMySQL(t)
			}
			e := newEnv(t, driver, dsn)
			r := start(t, e)
			if st, b := r.call(t, "GET", "/readyz", "", ""); st != 200 {
				t.Fatalf("readyz %d %s", st, b)
			}
			if st, b := r.call(t, "POST", "/v1/trust/endorsements", adminToken, e.root.Endorse(e.zj, "330000", testkit.Spec{
				NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})); st != 201 {
				t.Fatalf("endorse %d %s", st, b)
			}
			code := nicNow(t, e.zj, "330000", mapping.Green)
			st, b := r.call(t, "POST", "/v1/verify", verifierToken, `{"code":"`+code+`"}`)
			var vd struct {
				Result   string `json:"result"`
				RecordID string `json:"record_id"`
			}
			if st != 200 || json.Unmarshal(b, &vd) != nil || vd.Result != "valid" || vd.RecordID == "" {
				t.Fatalf("verify %d %s", st, b)
			}
			r.stop(t)

			r2 := start(t, e)
			if st, b := r2.call(t, "GET", "/v1/records/"+vd.RecordID, adminToken, ""); st != 200 || !bytes.Contains(b, []byte(`"result":"valid"`)) {
				t.Fatalf("record after restart %d %s", st, b)
			}
			if st, b := r2.call(t, "POST", "/v1/verify", verifierToken, `{"code":"`+code+`"}`); st != 200 || !bytes.Contains(b, []byte(`"result":"valid"`)) {
				t.Fatalf("endorsement lost in restart: %d %s", st, b)
			}
			if st, b := r2.call(t, "POST", "/v1/trust/revocations", adminToken, e.root.Revoke(e.zj.Kid())); st != 201 {
				t.Fatalf("revoke %d %s", st, b)
			}
			r2.stop(t)

			r3 := start(t, e)
			if st, b := r3.call(t, "POST", "/v1/verify", verifierToken, `{"code":"`+code+`"}`); st != 200 || !bytes.Contains(b, []byte(`"reason":"revoked_key"`)) {
				t.Fatalf("revocation lost in restart: %d %s", st, b)
			}
			events, err := r3.g.DB.TrustEvents(context.Background(), 10)
			if err != nil || len(events) != 2 {
				t.Fatalf("trust events %v %v", events, err)
			}
		})
	}
}

func TestStartRefusesBadKeysAndAnchors(t *testing.T) {
	e := newEnv(t, "sqlite", "")
	tests := map[string]struct {
		mutate func(c *config.Config)
		want   string
	}{
		"a private key file that does not exist": {func(c *config.Config) { c.Keys = []string{filepath.Join(e.dir, "nope.jwk")} }, "keys[0]"},
		"an anchor that is a private key": {func(c *config.Config) {
			c.Trust.Anchors[0] = config.Anchor{Path: filepath.Join(e.dir, "own.jwk")}
		}, "trust.anchors"},
		"an endorsement folder holding a forged file": {func(c *config.Config) {
			_ = os.WriteFile(filepath.Join(e.dir, "e", "forged.jws"), []byte(testkit.NewRoot(t).Endorse(e.zj, "330000", testkit.Spec{})), 0o644)
		}, "forged.jws"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cfg, err := config.Parse("gw.yaml", e.cfgBytes)
			if err != nil {
				t.Fatal(err)
			}
			tc.mutate(cfg)
			defer os.Remove(filepath.Join(e.dir, "e", "forged.jws"))
			_, err = gateway.New(context.Background(), cfg, gateway.Options{Logger: testLogger(t)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

// A key whose endorsement ends within trust.expiry_warning (7 days by
// default) is named in /readyz, which stays ready.
func TestReadyzWarnsOfLapsingKeys(t *testing.T) {
	e := newEnv(t, "sqlite", "") // the gateway's own key is endorsed for one hour
	r := start(t, e)
	st, b := r.call(t, "GET", "/readyz", "", "")
	if st != 200 || !bytes.Contains(b, []byte(`"warnings":["the endorsement of key `+e.own.Kid()+` (region 310000) ends`)) {
		t.Fatalf("%d %s", st, b)
	}
}

// DESIGN §10: `hcgw serve` alone starts on the embedded database. With no
// anchor it trusts nothing, and /readyz says so.
func TestDefaultsStartTrustingNothing(t *testing.T) {
	cfg := config.Default()
	cfg.Database.DSN = "file:" + filepath.Join(t.TempDir(), "bare.db")
	g, err := gateway.New(context.Background(), &cfg, gateway.Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(context.Background())
	srv := httptest.NewServer(g.Handler)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !bytes.Contains(b, []byte("no anchor configured")) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

// TestFailedStartLeavesNoAuditWriter: a start that fails after the record
// writer began (here on a missing federation CA file) stops it again, and
// closes the database after it.
func TestFailedStartLeavesNoAuditWriter(t *testing.T) {
	writers := func() int {
		buf := make([]byte, 1<<20)
		return strings.Count(string(buf[:runtime.Stack(buf, true)]), "audit.(*Writer).run")
	}
	e := newEnv(t, "sqlite", "")
	e.cfg.Federation.TLSCAFile = filepath.Join(e.dir, "missing-ca.pem")
	before := writers()
	if g, err := gateway.New(context.Background(), e.cfg, gateway.Options{Logger: testLogger(t)}); err == nil {
		_ = g.Close(context.Background())
		t.Fatal("started with a missing CA file")
	}
	if after := writers(); after != before {
		t.Fatalf("%d record writers running after the failed start, %d before", after, before)
	}
}

// TestAGatewayWithoutKeysIssuesNothing: with no key of its own a gateway
// has no issuer, and POST /v1/issue answers 503, never a handler's panic
// (the API's Issuer is an interface: a nil *issuing.Issuer in it would not
// be nil).
func TestAGatewayWithoutKeysIssuesNothing(t *testing.T) {
	e := newEnv(t, "sqlite", "")
	e.cfg.Keys = nil
	r := start(t, e)
	st, b := r.call(t, "POST", "/v1/issue", adminToken, `{"status":"green","holder":{"name":"张三丰","id":"330102199001011234"}}`)
	if st != http.StatusServiceUnavailable || !bytes.Contains(b, []byte(`"code":"unavailable"`)) {
		t.Fatalf("%d %s", st, b)
	}
}
