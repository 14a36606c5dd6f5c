package federation_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

const (
	hubR = mapping.NationalRegion
	bjR  = "110000"
	shR  = "310000"
	zjR  = "330000"
	gdR  = "440000"

	statusPath = "/v1/federation/status"
	maskedName = "张*三"
	maskedID   = "3301**********1234"
)

// fakeClock is a settable clock shared by requesters and responders.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(at time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(at.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// window is an endorsement window covering both testkit.Now and the real
// clock by a wide margin, so that tests on either clock keep working.
func window() testkit.Spec {
	now := time.Now()
	lo, hi := testkit.Now, now
	if now.Before(lo) {
		lo, hi = now, testkit.Now
	}
	return testkit.Spec{NotBefore: lo.Add(-48 * time.Hour), NotAfter: hi.Add(365 * 24 * time.Hour)}
}

// nation is a root, one endorsed key per region (the hub's with scope
// "*"), and a registry holding them: the trust every gateway of a test
// shares.
type nation struct {
	t    testing.TB
	root *testkit.Root
	reg  *trust.Registry
	keys map[string]*testkit.TestKey
}

func newNation(t testing.TB, regions ...string) *nation {
	t.Helper()
	n := &nation{t: t, root: testkit.NewRoot(t), keys: map[string]*testkit.TestKey{}}
	var toks []string
	for _, r := range regions {
		k := testkit.Key(t, jwa.EdDSA)
		sp := window()
		if r == hubR {
			sp.Scope = []string{trust.Wildcard}
		}
		toks = append(toks, n.root.Endorse(k, r, sp))
		n.keys[r] = k
	}
	n.reg = testkit.Registry(t, n.root, toks...)
	return n
}

// endorse adds one more key of region, endorsed with sp's uses and scope
// (the window is always window()).
func (n *nation) endorse(region string, alg jwa.SignatureAlgorithm, sp testkit.Spec) *testkit.TestKey {
	n.t.Helper()
	k := testkit.Key(n.t, alg)
	w := window()
	sp.NotBefore, sp.NotAfter = w.NotBefore, w.NotAfter
	if _, _, err := n.reg.AddEndorsement(context.Background(), n.root.Endorse(k, region, sp)); err != nil {
		n.t.Fatal(err)
	}
	return k
}

func (n *nation) revoke(kid string) {
	n.t.Helper()
	if _, _, err := n.reg.AddRevocation(context.Background(), n.root.Revoke(kid)); err != nil {
		n.t.Fatal(err)
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// responder is region's gateway answering from src (nil on the hub).
func (n *nation) responder(region string, src federation.Source, clock func() time.Time) *federation.Responder {
	r := &federation.Responder{Region: region, Trust: n.reg, Signers: []trust.Signer{n.keys[region]},
		Source: src, Clock: clock, MaxHops: config.Default().Federation.MaxHops, Logger: quiet()}
	if err := r.Init(); err != nil {
		n.t.Fatal(err)
	}
	return r
}

// client is region's outbound client; mod adjusts the options.
func (n *nation) client(region string, peers map[string]string, mod func(*federation.Options)) *federation.Client {
	d := config.Default() // the bounds a gateway gets when it configures none
	o := federation.Options{Region: region, Peers: peers, Trust: n.reg, Signers: []trust.Signer{n.keys[region]},
		Deadline: d.Verify.Deadline, Retries: d.Federation.Retries, BreakerFailures: uint32(d.Federation.BreakerFailures),
		BreakerOpen: d.Federation.BreakerOpen, Logger: quiet()}
	if mod != nil {
		mod(&o)
	}
	c, err := federation.NewClient(o)
	if err != nil {
		n.t.Fatal(err)
	}
	return c
}

// serveResponder does what httpapi does for POST /v1/federation/status:
// read the hop count and a bounded body, hand both to the responder, write
// its reply as is.
func serveResponder(r *federation.Responder) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.URL.Path != statusPath {
			http.NotFound(w, req)
			return
		}
		hops := 0
		if h := req.Header.Get(federation.HopsHeader); h != "" {
			n, err := strconv.Atoi(h)
			if err != nil || n < 0 {
				http.Error(w, "bad hops", http.StatusBadRequest)
				return
			}
			hops = n
		}
		body, err := io.ReadAll(io.LimitReader(req.Body, federation.MaxBody+1))
		if err != nil || len(body) > federation.MaxBody {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		ctx, err := federation.RetryBudgetFrom(req.Context(), req.Header)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rep := r.Handle(ctx, body, hops)
		rep.SetHeaders(w.Header())
		w.Header().Set("Content-Type", rep.ContentType)
		w.WriteHeader(rep.Status)
		_, _ = w.Write(rep.Body)
	}
}

// serve starts h on loopback for the test's lifetime.
func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// seen is what a recording peer saw of one request.
type seen struct {
	body []byte
	hops string
	req  federation.Request
}

// recorder wraps a peer: it records every request and, in the order they
// arrive, answers the first len(script) of them with the scripted status
// (0: pass to next), the rest with next. It also keeps what it wrote.
type recorder struct {
	mu      sync.Mutex
	next    http.Handler
	script  []int
	seen    []seen
	written [][]byte
	hits    atomic.Int64
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	n := rc.hits.Add(1)
	body, _ := io.ReadAll(io.LimitReader(req.Body, federation.MaxBody+1))
	s := seen{body: body, hops: req.Header.Get(federation.HopsHeader)}
	if _, payload, err := trust.SplitCompact(strings.TrimSpace(string(body))); err == nil {
		_ = json.Unmarshal(payload, &s.req)
	}
	rc.mu.Lock()
	rc.seen = append(rc.seen, s)
	var scripted int
	if int(n) <= len(rc.script) {
		scripted = rc.script[n-1]
	}
	rc.mu.Unlock()
	if scripted != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(scripted)
		_, _ = w.Write([]byte(`{"error":{"code":"scripted","message":"scripted failure"}}`))
		return
	}
	if rc.next == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	rec := httptest.NewRecorder()
	rc.next.ServeHTTP(rec, req)
	rc.mu.Lock()
	rc.written = append(rc.written, rec.Body.Bytes())
	rc.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (rc *recorder) snapshot() ([]seen, [][]byte) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]seen(nil), rc.seen...), append([][]byte(nil), rc.written...)
}

// sourceFunc is a Source made of a function.
type sourceFunc func(ctx context.Context, cid string) (mapping.LiveStatus, error)

func (f sourceFunc) Lookup(ctx context.Context, cid string) (mapping.LiveStatus, error) {
	return f(ctx, cid)
}

// anyCode is a platform that knows every code: green as of now, valid for
// ttl after now (no expiry when ttl is 0), after an optional delay.
func anyCode(clock func() time.Time, ttl, delay time.Duration, calls *atomic.Int64) federation.Source {
	return sourceFunc(func(ctx context.Context, cid string) (mapping.LiveStatus, error) {
		if calls != nil {
			calls.Add(1)
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return mapping.LiveStatus{}, ctx.Err()
			}
		}
		now := clock()
		st := mapping.LiveStatus{Status: mapping.Green, At: now, Holder: mapping.Holder{Name: maskedName, ID: maskedID}}
		if ttl > 0 {
			st.Expires = now.Add(ttl)
		}
		return st, nil
	})
}

// signRequest signs req as a status request with key.
func signRequest(t testing.TB, key trust.Signer, req federation.Request) string {
	t.Helper()
	tok, err := key.SignCompact(testkit.JSON(t, req), federation.TypRequest)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// request is a good status request from iss to aud about aud's code cid,
// issued at now.
func request(iss, aud, cid string, now time.Time) federation.Request {
	return federation.Request{Iss: iss, Aud: aud, IAT: now.Unix(), EXP: now.Add(30 * time.Second).Unix(),
		JTI: "j" + strconv.FormatInt(now.UnixNano(), 36) + strconv.FormatInt(jtiSeq.Add(1), 36), Org: aud, CID: cid}
}

var jtiSeq atomic.Int64

// payloadOf decodes a compact JWS's payload into v without verifying it.
func payloadOf(t testing.TB, token string, v any) {
	t.Helper()
	_, payload, err := trust.SplitCompact(strings.TrimSpace(token))
	if err != nil {
		t.Fatalf("not a compact JWS: %v (%q)", err, token)
	}
	if err := json.Unmarshal(payload, v); err != nil {
		t.Fatal(err)
	}
}

// errorCode extracts the stable code of an error envelope.
func errorCode(body []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error.Code
}
