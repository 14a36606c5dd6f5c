package gateway_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/bj"
	"github.com/hcgw/hcgw/adapters/gd"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

const (
	hub = "000000"
	shR = "310000"
	zjR = "330000"
	gdR = "440000"
)

// fed is a federation of real gateways on loopback, each with its own
// SQLite database, all anchored in one test root.
type fed struct {
	t     *testing.T
	root  *testkit.Root
	dir   string
	nodes map[string]*node
}

type node struct {
	region   string
	key      *testkit.TestKey
	url      string
	ln       net.Listener
	g        *gateway.Gateway
	platform *federation.MemorySource
	cancel   context.CancelFunc
	done     chan error
}

// newFed starts gateways for regions; peers[r] lists the regions r knows
// directly (by URL); extraYAML is appended to every configuration.
func newFed(t *testing.T, regions []string, peers map[string][]string, extraYAML string, extraPeers map[string]map[string]string) *fed {
	t.Helper()
	extra := map[string]string{}
	for _, r := range regions {
		extra[r] = extraYAML
	}
	return newFedOpts(t, regions, peers, extra, extraPeers, nil)
}

// newFedOpts is newFed with configuration per region, and regions whose
// listener is HTTPS (their URL is https://, their YAML sets the TLS keys).
func newFedOpts(t *testing.T, regions []string, peers map[string][]string, extra map[string]string,
	extraPeers map[string]map[string]string, https map[string]bool) *fed {
	t.Helper()
	f := &fed{t: t, root: testkit.NewRoot(t), dir: t.TempDir(), nodes: map[string]*node{}}
	t.Cleanup(func() { scanDatabaseFiles(t, f.dir) })
	trustDir := filepath.Join(f.dir, "trust")
	_ = os.MkdirAll(trustDir, 0o755)
	rootPath := filepath.Join(f.dir, "root.jwk")
	_ = os.WriteFile(rootPath, f.root.PublicJWK(), 0o644)
	spec := testkit.Spec{NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	for _, r := range regions {
		alg := jwa.EdDSA
		if r == gdR {
			alg = jwa.ES256 // gd-v1 is ES256 by format
		}
		n := &node{region: r, key: testkit.Key(t, alg)}
		sp := spec
		if r == hub {
			sp.Scope = []string{"*"}
		} else {
			n.platform = federation.NewMemorySource()
		}
		_ = os.WriteFile(filepath.Join(trustDir, r+".jws"), []byte(f.root.Endorse(n.key, r, sp)), 0o644)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		n.ln, n.url = ln, "http://"+ln.Addr().String()
		if https[r] {
			n.url = "https://" + ln.Addr().String()
		}
		f.nodes[r] = n
	}
	for _, r := range regions {
		n := f.nodes[r]
		keyPath := filepath.Join(f.dir, r+".jwk")
		_ = os.WriteFile(keyPath, n.key.JWK, 0o600)
		var ps strings.Builder
		for _, p := range peers[r] {
			fmt.Fprintf(&ps, "  - {region: %q, url: %q}\n", p, f.nodes[p].url)
		}
		for p, u := range extraPeers[r] {
			fmt.Fprintf(&ps, "  - {region: %q, url: %q}\n", p, u)
		}
		peerYAML := "peers: []\n"
		if ps.Len() > 0 {
			peerYAML = "peers:\n" + ps.String()
		}
		yaml := fmt.Sprintf(`listen: %s
region: %q
database: {driver: sqlite, dsn: "file:%s"}
trust: {anchors: [%s], endorsements_dir: %s}
keys: [%s]
clients: [{name: gate, role: verifier, token_sha256: %q}, {name: ops, role: admin, token_sha256: %q}]
%s%s`, n.ln.Addr(), r, filepath.Join(f.dir, r+".db"), rootPath, trustDir, keyPath, sum(verifierToken), sum(adminToken), peerYAML, extra[r])
		cfg, err := config.Parse(r+".yaml", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		opt := gateway.Options{Logger: testLogger(t)}
		if n.platform != nil {
			opt.Platform = n.platform
		}
		g, err := gateway.New(context.Background(), cfg, opt)
		if err != nil {
			t.Fatal(err)
		}
		g.UseListener(n.ln)
		ctx, cancel := context.WithCancel(context.Background())
		n.g, n.cancel, n.done = g, cancel, make(chan error, 1)
		go func() { n.done <- g.Serve(ctx) }()
		t.Cleanup(func() { n.stop() })
	}
	return f
}

func (n *node) stop() {
	if n.cancel != nil {
		n.cancel()
		<-n.done
		n.cancel = nil
	}
}

// code issues a signed national code of region r and registers its live
// status on r's platform.
func (f *fed) code(r string, signed, live mapping.Status) string {
	f.t.Helper()
	n := f.nodes[r]
	now := time.Now()
	jti := fmt.Sprintf("c%x", now.UnixNano())
	c := testkit.ClaimsAt(r, signed, now)
	c.JTI = jti
	code, err := nic.Encode(n.key, c)
	if err != nil {
		f.t.Fatal(err)
	}
	if live != "" {
		n.platform.Set(jti, mapping.LiveStatus{Status: live, At: now, Expires: now.Add(time.Minute),
			Holder: mapping.Holder{Name: "张*三", ID: "3301**********1234"}})
	}
	return code
}

func (f *fed) verify(at, code string) verify.Verdict {
	f.t.Helper()
	vd, err := f.tryVerify(at, code)
	if err != nil {
		f.t.Fatal(err)
	}
	return vd
}

// tryVerify is verify for goroutines other than the test's: it returns the
// failure instead of stopping the test.
func (f *fed) tryVerify(at, code string) (verify.Verdict, error) {
	req, _ := http.NewRequest("POST", f.nodes[at].url+"/v1/verify", strings.NewReader(`{"code":"`+code+`"}`))
	req.Header.Set("Authorization", "Bearer "+verifierToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return verify.Verdict{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var vd verify.Verdict
	if resp.StatusCode != 200 || json.Unmarshal(b, &vd) != nil {
		return vd, fmt.Errorf("verify at %s: %d %s", at, resp.StatusCode, b)
	}
	// The issuer's share of the answer, when it was asked: Server-Timing
	// "issuer;dur=<ms>".
	if st := resp.Header.Get("Server-Timing"); st != "" {
		if vd.IssuerTime, err = httpapi.ParseServerTiming(st); err != nil {
			return vd, fmt.Errorf("verify at %s: %w", at, err)
		}
	}
	return vd, nil
}

func TestCrossProvinceThroughTheHub(t *testing.T) {
	f := newFed(t, []string{hub, shR, zjR}, map[string][]string{hub: {shR, zjR}, shR: {hub}, zjR: {hub}}, "", nil)

	t.Run("the issuer's live status is asked through the hub; disagreeing sources give the most severe", func(t *testing.T) {
		code := f.code(zjR, mapping.Green, mapping.Red)
		vd := f.verify(shR, code)
		if vd.Result != fault.Valid || vd.Status != mapping.Red || !vd.Conflict || vd.Source != verify.SourceOnline || vd.Degraded {
			t.Fatalf("%+v", vd)
		}
		if vd.IssuerTime <= 0 {
			t.Errorf("an answer that asked the issuer says nothing of its time (Server-Timing)")
		}
		again := f.verify(shR, code)
		if again.Source != verify.SourceCache || again.Status != mapping.Red {
			t.Fatalf("second verification not from cache: %+v", again)
		}
		if again.IssuerTime != 0 {
			t.Errorf("an answer from the cache tells an issuer's time %v", again.IssuerTime)
		}
	})
	t.Run("agreeing sources are online and not in conflict", func(t *testing.T) {
		vd := f.verify(shR, f.code(zjR, mapping.Yellow, mapping.Yellow))
		if vd.Status != mapping.Yellow || vd.Conflict || vd.Source != verify.SourceOnline {
			t.Fatalf("%+v", vd)
		}
	})
	t.Run("an issuer that does not know its own signed code leaves the signed status, degraded", func(t *testing.T) {
		vd := f.verify(shR, f.code(zjR, mapping.Green, ""))
		if vd.Result != fault.Valid || vd.Status != mapping.Green || !vd.Degraded || vd.Source != verify.SourceOffline {
			t.Fatalf("%+v", vd)
		}
	})
	t.Run("the issuer's platform down: the signed status stands, degraded", func(t *testing.T) {
		f.nodes[zjR].platform.Err = fmt.Errorf("platform down")
		defer func() { f.nodes[zjR].platform.Err = nil }()
		vd := f.verify(shR, f.code(zjR, mapping.Green, mapping.Red))
		if vd.Result != fault.Valid || vd.Status != mapping.Green || !vd.Degraded {
			t.Fatalf("%+v", vd)
		}
		if vd.IssuerTime != 0 {
			t.Errorf("an issuer that did not answer is said to have taken %v", vd.IssuerTime)
		}
	})
	t.Run("a code of the gateway's own region asks its own platform directly", func(t *testing.T) {
		vd := f.verify(zjR, f.code(zjR, mapping.Green, mapping.Yellow))
		if vd.Status != mapping.Yellow || !vd.Conflict || vd.Source != verify.SourceOnline {
			t.Fatalf("%+v", vd)
		}
	})
	t.Run("Shanghai's /metrics shows its calls to the hub, the breaker and the cache", func(t *testing.T) {
		resp, err := http.Get(f.nodes[shR].url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// Four codes were asked: red and yellow answered, one unknown to its
		// issuer, one while the issuer's platform was down (the hub sound,
		// Zhejiang behind it not: an upstream error for the hub, an error
		// of the route to Zhejiang); one came again from the cache.
		for _, want := range []string{`hcgw_peer_call_duration_seconds_count{outcome="ok",peer="000000"} 2`,
			`hcgw_peer_call_duration_seconds_count{outcome="unknown_code",peer="000000"} 1`,
			`hcgw_peer_call_duration_seconds_count{outcome="upstream_error",peer="000000"} 1`,
			`hcgw_route_call_duration_seconds_count{outcome="ok",peer="000000",region="330000"} 2`,
			`hcgw_route_call_duration_seconds_count{outcome="error",peer="000000",region="330000"} 1`,
			`hcgw_route_breaker_state{region="330000"} 0`,
			`hcgw_peer_breaker_state{peer="000000"} 0`, `hcgw_status_cache_hits_total 1`, `hcgw_status_cache_misses_total 4`,
			`hcgw_verifications_total{issuer="330000",reason="",result="valid",source="cache"} 1`} {
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		// The hub counts what it relays to Zhejiang as calls to that peer.
		resp, err = http.Get(f.nodes[hub].url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Contains(b, []byte(`hcgw_peer_call_duration_seconds_count{outcome="ok",peer="330000"}`)) {
			t.Errorf("the hub's /metrics shows no relayed call to Zhejiang")
		}
	})
}

// signedRequest makes a status request from region r as the requester.
func (f *fed) signedRequest(from, aud, cid string) string {
	n := f.nodes[from]
	now := time.Now()
	b, _ := json.Marshal(federation.Request{Iss: from, Aud: aud, IAT: now.Unix(), EXP: now.Add(30 * time.Second).Unix(),
		JTI: fmt.Sprintf("j%x", now.UnixNano()), Org: aud, CID: cid})
	tok, err := n.key.SignCompact(b, federation.TypRequest)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// post sends a status request to the gateway at url.
func post(t *testing.T, url, body string, hdr ...string) (int, []byte) {
	t.Helper()
	return do(t, "POST", url+"/v1/federation/status", "", body, hdr...)
}

func TestStatusEndpoint(t *testing.T) {
	f := newFed(t, []string{hub, shR, zjR}, map[string][]string{hub: {shR, zjR}, shR: {hub}, zjR: {hub}}, "", nil)
	const cid = "known"
	f.nodes[zjR].platform.Set(cid, mapping.LiveStatus{Status: mapping.Green, At: time.Now(), Expires: time.Now().Add(time.Minute)})

	t.Run("a signed request is answered with a JWS the requester can check", func(t *testing.T) {
		st, b := post(t, f.nodes[zjR].url, f.signedRequest(shR, zjR, cid))
		if st != 200 || !bytes.HasPrefix(b, []byte("ey")) {
			t.Fatalf("%d %s", st, b)
		}
	})
	t.Run("a replayed request is refused", func(t *testing.T) {
		req := f.signedRequest(shR, zjR, cid)
		if st, b := post(t, f.nodes[zjR].url, req); st != 200 {
			t.Fatalf("first: %d %s", st, b)
		}
		if st, b := post(t, f.nodes[zjR].url, req); st != 409 || !bytes.Contains(b, []byte(fault.Replayed.Code())) {
			t.Fatalf("replay: %d %s", st, b)
		}
	})
	t.Run("the hub relays a request addressed to another region, unchanged", func(t *testing.T) {
		if st, b := post(t, f.nodes[hub].url, f.signedRequest(shR, zjR, cid)); st != 200 || !bytes.HasPrefix(b, []byte("ey")) {
			t.Fatalf("%d %s", st, b)
		}
	})
	t.Run("more than three hops are refused", func(t *testing.T) {
		if st, b := post(t, f.nodes[hub].url, f.signedRequest(shR, zjR, cid), federation.HopsHeader, "3"); st != 508 {
			t.Fatalf("%d %s", st, b)
		}
	})
	t.Run("an unknown code is 404 unknown_code", func(t *testing.T) {
		if st, b := post(t, f.nodes[zjR].url, f.signedRequest(shR, zjR, "nope")); st != 404 || !bytes.Contains(b, []byte("unknown_code")) {
			t.Fatalf("%d %s", st, b)
		}
	})
	t.Run("a request not signed by an endorsed key is 401", func(t *testing.T) {
		stranger := testkit.Key(t, jwa.EdDSA)
		now := time.Now()
		b, _ := json.Marshal(federation.Request{Iss: shR, Aud: zjR, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(), JTI: "x1", Org: zjR, CID: cid})
		tok, _ := stranger.SignCompact(b, federation.TypRequest)
		if st, body := post(t, f.nodes[zjR].url, tok); st != 401 {
			t.Fatalf("%d %s", st, body)
		}
	})
	t.Run("a provincial gateway does not relay", func(t *testing.T) {
		if st, b := post(t, f.nodes[shR].url, f.signedRequest(zjR, hub, cid)); st != 421 {
			t.Fatalf("%d %s", st, b)
		}
	})
}

// A hostile or broken issuer never makes a code greener than its signature
// says, and a dead one opens its breaker.
func TestHostilePeers(t *testing.T) {
	var hits atomic.Int64
	mode := atomic.Value{}
	mode.Store("503")
	stranger := testkit.Key(t, jwa.EdDSA)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch mode.Load().(string) {
		case "503":
			w.WriteHeader(503)
		case "unsigned":
			w.Header().Set("Content-Type", federation.ContentTypeJOSE)
			_, _ = w.Write([]byte("eyJhbGciOiJub25lIn0.eyJzdCI6ImdyZWVuIn0."))
		case "stranger":
			now := time.Now()
			b, _ := json.Marshal(federation.Answer{Iss: gdR, Aud: shR, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(), RJTI: "x", CID: "x", St: mapping.Green, SA: now.Unix()})
			tok, _ := stranger.SignCompact(b, federation.TypAnswer)
			_, _ = w.Write([]byte(tok))
		case "slow":
			time.Sleep(3 * time.Second)
		case "huge":
			w.Header().Set("Content-Type", federation.ContentTypeJOSE)
			_, _ = w.Write(bytes.Repeat([]byte("A"), 1<<20))
		case "malformed":
			_, _ = w.Write([]byte("{not a jws"))
		}
	}))
	defer fake.Close()
	f := newFed(t, []string{shR, gdR}, nil, "federation: {breaker_failures: 7, breaker_open: 1h}\n",
		map[string]map[string]string{shR: {gdR: fake.URL}})
	for _, m := range []string{"unsigned", "stranger", "huge", "malformed"} {
		t.Run("an answer "+m+" leaves the signed red code red and degraded", func(t *testing.T) {
			mode.Store(m)
			vd := f.verify(shR, f.code(gdR, mapping.Red, ""))
			if vd.Result != fault.Valid || vd.Status != mapping.Red || !vd.Degraded {
				t.Fatalf("%+v", vd)
			}
		})
	}
	t.Run("a slow peer is cut at the deadline", func(t *testing.T) {
		mode.Store("slow")
		start := time.Now()
		vd := f.verify(shR, f.code(gdR, mapping.Green, ""))
		// The peer was really waited for (its breaker is still closed), and
		// only until the deadline.
		if !vd.Degraded || time.Since(start) < time.Second || time.Since(start) > 5*time.Second {
			t.Fatalf("%+v after %s", vd, time.Since(start))
		}
	})
	t.Run("the breaker opens after consecutive failures and then answers without calling", func(t *testing.T) {
		mode.Store("503")
		for i := 0; i < 2; i++ {
			f.verify(shR, f.code(gdR, mapping.Green, ""))
		}
		if st := f.nodes[shR].g.Peers.BreakerState(gdR); st != "open" {
			t.Fatalf("breaker %s after 7 consecutive failed calls (4 bad answers, 1 slow, 2 × 503)", st)
		}
		before := hits.Load()
		vd := f.verify(shR, f.code(gdR, mapping.Green, ""))
		if !vd.Degraded || hits.Load() != before {
			t.Fatalf("%+v, peer called %d times while open", vd, hits.Load()-before)
		}
	})
	testkit.Report(t, "hostile peers", "answers unsigned, signed by an unendorsed key, 1 MB, malformed; a peer slower than the deadline; 503 until the breaker opens",
		7, "signed codes keep their signed status marked degraded, never greener; the slow peer is cut at 1.5 s; the open breaker answers without calling")
}

// Concurrent identical queries collapse into one call to the issuer.
func TestConcurrentQueriesCollapse(t *testing.T) {
	var hits atomic.Int64
	var target atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		time.Sleep(150 * time.Millisecond) // a slow issuer: every caller arrives while the first call is out
		u, _ := url.Parse(target.Load().(string))
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	f := newFed(t, []string{shR, zjR}, nil, "", map[string]map[string]string{shR: {zjR: proxy.URL}})
	target.Store(f.nodes[zjR].url)
	code := f.code(zjR, mapping.Green, mapping.Yellow)
	const clients = 40
	var wg sync.WaitGroup
	results := make([]verify.Verdict, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); results[i] = f.verify(shR, code) }(i)
	}
	wg.Wait()
	for _, vd := range results {
		if vd.Result != fault.Valid || vd.Status != mapping.Yellow || vd.Degraded {
			t.Fatalf("%+v", vd)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("%d concurrent verifications of one code made %d calls to the issuer, want 1", clients, n)
	}
}

// A revocation posted at the hub reaches a provincial gateway that pulls
// the hub's trust list at its next pull: not before, within one interval
// (ten minutes here, stepped on the puller's fake clock).
func TestRevocationPropagatesWithinOnePullInterval(t *testing.T) {
	f := newFed(t, []string{hub, zjR}, map[string][]string{zjR: {hub}}, "", nil)
	// A Shanghai gateway that knows nothing but the root and pulls from the hub.
	dir := t.TempDir()
	rootPath := filepath.Join(dir, "root.jwk")
	_ = os.WriteFile(rootPath, f.root.PublicJWK(), 0o644)
	yaml := fmt.Sprintf(`listen: 127.0.0.1:0
region: %q
database: {driver: sqlite, dsn: "file:%s"}
trust: {anchors: [%s], pull_from: %q, pull_interval: 10m}
clients: [{name: gate, role: verifier, token_sha256: %q}]
`, shR, filepath.Join(dir, "sh.db"), rootPath, f.nodes[hub].url, sum(verifierToken))
	cfg, err := config.Parse("sh.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	clock := clockwork.NewFakeClockAt(time.Now())
	g, err := gateway.New(context.Background(), cfg, gateway.Options{Logger: testLogger(t), Timers: clock})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := g.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	shNode := &node{url: "http://" + addr.String()}
	f.nodes["sh-puller"] = shNode

	code := f.code(zjR, mapping.Green, "")
	waitFor := func(what string, ok func(verify.Verdict) bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			vd := f.verify("sh-puller", code)
			if ok(vd) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still %+v after 5 s", what, vd)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor("the pulled endorsement", func(vd verify.Verdict) bool { return vd.Result == fault.Valid })
	if st, b := do(t, "POST", f.nodes[hub].url+"/v1/trust/revocations", adminToken, f.root.Revoke(f.nodes[zjR].key.Kid())); st != 201 {
		t.Fatalf("revoke at the hub: %d %s", st, b)
	}
	if vd := f.verify("sh-puller", code); vd.Result != fault.Valid {
		t.Fatalf("the revocation reached the pulling gateway before its next pull: %+v", vd)
	}
	clock.Advance(10 * time.Minute)
	// The pull itself crosses a real network: waitFor polls for its end.
	waitFor("the pulled revocation", func(vd verify.Verdict) bool { return vd.Reason == fault.RevokedKey })
}

// Every format, verified at Shanghai's gateway for a code of another
// province, through the hub, with the issuer's live status.
func TestEveryFormatAcrossProvinces(t *testing.T) {
	const bjR = "110000"
	f := newFed(t, []string{hub, shR, zjR, gdR, bjR},
		map[string][]string{hub: {shR, zjR, gdR, bjR}, shR: {hub}, zjR: {hub}, gdR: {hub}, bjR: {hub}}, "", nil)
	now := time.Now()
	live := func(r, cid string, st mapping.Status) {
		f.nodes[r].platform.Set(cid, mapping.LiveStatus{Status: st, At: now, Expires: now.Add(time.Minute),
			Holder: mapping.Holder{Name: "王*明", ID: "4401**********5678"}})
	}
	must := func(code string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	token := provsim.NewZJToken()
	live(zjR, token, mapping.Yellow)
	live(gdR, "gd-1", mapping.Green)
	live(bjR, "bj-1", mapping.Red)
	codes := map[string]struct {
		code   string
		status mapping.Status
		source verify.Source
	}{
		"zj-v1: an online-only token takes the issuer's status": {must(provsim.EncodeZJ(token)), mapping.Yellow, verify.SourceOnline},
		"gd-v1: signed green, live green": {must(provsim.EncodeGD(f.nodes[gdR].key, gd.Claims{Name: "王小明", ID: "440102199001015678", Status: "10",
			StatusTime: now.Add(-time.Minute).Unix(), Expires: now.Add(time.Hour).Unix(), CodeID: "gd-1"})), mapping.Green, verify.SourceOnline},
		"bj-v1: signed green, live red → red": {must(provsim.EncodeBJ(f.nodes[bjR].key, bj.Claims{Name: "王小明", ID: "110102199001015678", Status: "未见异常",
			StatusTime: now.Add(-time.Minute).Unix(), Expires: now.Add(time.Hour).Unix(), CodeID: "bj-1"})), mapping.Red, verify.SourceOnline},
		"nic-v1: signed yellow, issuer unknown to the platform → degraded": {f.code(zjR, mapping.Yellow, ""), mapping.Yellow, verify.SourceOffline},
	}
	for name, tc := range codes {
		t.Run(name, func(t *testing.T) {
			vd := f.verify(shR, tc.code)
			if vd.Result != fault.Valid || vd.Status != tc.status || vd.Source != tc.source {
				t.Fatalf("%+v", vd)
			}
			if vd.Holder == nil || !mapping.IsMaskedName(vd.Holder.Name) || !mapping.IsMaskedID(vd.Holder.ID) {
				t.Fatalf("holder %+v", vd.Holder)
			}
		})
	}
	t.Run("sh-v1 at Zhejiang's gateway", func(t *testing.T) {
		live(shR, "sh-1", mapping.Green)
		code := must(provsim.EncodeSH(f.nodes[shR].key, sh.Claims{CodeID: "sh-1", State: "0", Issued: now.Add(-time.Minute).Unix(), TTL: 3600, Name: "李四", ID: "310101198001010011"}))
		if vd := f.verify(zjR, code); vd.Result != fault.Valid || vd.Status != mapping.Green || vd.Source != verify.SourceOnline {
			t.Fatalf("%+v", vd)
		}
	})
	t.Run("an online-only token the issuer does not know is unverified / status_unknown", func(t *testing.T) {
		vd := f.verify(shR, must(provsim.EncodeZJ(provsim.NewZJToken())))
		if vd.Result != fault.Unverified || vd.Reason != fault.StatusUnknown || vd.Status != mapping.Grey {
			t.Fatalf("%+v", vd)
		}
	})
	t.Run("an online-only token whose issuer is down is unverified / issuer_unavailable, never green", func(t *testing.T) {
		tok := provsim.NewZJToken()
		live(zjR, tok, mapping.Green)
		f.nodes[zjR].platform.Err = fmt.Errorf("down")
		defer func() { f.nodes[zjR].platform.Err = nil }()
		vd := f.verify(shR, must(provsim.EncodeZJ(tok)))
		if vd.Result != fault.Unverified || vd.Reason != fault.IssuerUnavailable || vd.Status != mapping.Grey {
			t.Fatalf("%+v", vd)
		}
	})
}

// Data sharing: Shanghai's platform asks for a holder's status across
// regions; one region is down, one does not know the holder. The identity
// number never leaves Shanghai's gateway in clear.
func TestDataSharingFanOut(t *testing.T) {
	const bjR = "110000"
	secretFile := filepath.Join(t.TempDir(), "holder.key")
	secret := []byte("federation-wide holder key secret, 32+ bytes, test only")
	_ = os.WriteFile(secretFile, secret, 0o600)
	var seen bytes.Buffer
	var mu sync.Mutex
	spy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen.Write(b)
		mu.Unlock()
		w.WriteHeader(503) // Beijing is down
	}))
	defer spy.Close()
	f := newFed(t, []string{hub, shR, zjR, gdR}, map[string][]string{hub: {shR, zjR, gdR}, shR: {hub}, zjR: {hub}, gdR: {hub}},
		"federation: {holder_key_file: "+secretFile+", retries: 1}\n", map[string]map[string]string{shR: {bjR: spy.URL}})
	const id = "11010519491231002X"
	hk, err := federation.HolderKey(secret, id)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	f.nodes[zjR].platform.Set(hk, mapping.LiveStatus{Status: mapping.Red, At: now, Expires: now.Add(time.Minute)})
	f.nodes[gdR].platform.Set(hk, mapping.LiveStatus{Status: mapping.Green, At: now, Expires: now.Add(time.Minute)})

	st, body := do(t, "POST", f.nodes[shR].url+"/v1/share/status", adminToken,
		`{"id":"`+id+`","regions":["330000","440000","310000","110000"]}`)
	var out struct {
		Holder      struct{ ID string }
		Status      mapping.Status
		Answered    []federation.RegionAnswer
		Unknown     []string
		Unavailable []string
	}
	if st != 200 || json.Unmarshal(body, &out) != nil {
		t.Fatalf("%d %s", st, body)
	}
	if out.Status != mapping.Red || len(out.Answered) != 2 || out.Answered[0].Region != zjR || out.Answered[1].Region != gdR {
		t.Fatalf("combined answer %s", body)
	}
	if len(out.Unknown) != 1 || out.Unknown[0] != shR || len(out.Unavailable) != 1 || out.Unavailable[0] != bjR {
		t.Fatalf("unknown/unavailable %s", body)
	}
	if out.Holder.ID != "1101**********002X" || bytes.Contains(body, []byte(id)) {
		t.Fatalf("holder %s", body)
	}
	mu.Lock()
	defer mu.Unlock()
	parts := strings.Split(seen.String(), ".")
	if len(parts) < 3 {
		t.Fatalf("Beijing saw no signed request: %q", seen.String())
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || !bytes.Contains(payload, []byte(`"cid":"hk:`)) || bytes.Contains(payload, []byte(id)) || bytes.Contains(payload, []byte(id[:17])) {
		t.Fatalf("the request that crossed the boundary must carry the holder key, never the identity number: %s", payload)
	}
}
