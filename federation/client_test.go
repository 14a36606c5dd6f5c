package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// countingTransport counts round trips, including those that never reach a
// server (connection refused).
type countingTransport struct {
	n    atomic.Int64
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func newCountingClient() (*http.Client, *countingTransport) {
	ct := &countingTransport{base: &http.Transport{MaxIdleConnsPerHost: 64, ResponseHeaderTimeout: 5 * time.Second}}
	return &http.Client{Transport: ct}, ct
}

// deadURL is a loopback address nothing listens on any more.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	_ = ln.Close()
	return url
}

// answering is a peer that answers every request itself, signing with key
// an answer shaped by mutate (nil: a correct one).
func answering(t *testing.T, key trust.Signer, mutate func(*federation.Answer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req federation.Request
		payloadOf(t, string(body), &req)
		now := time.Now()
		a := federation.Answer{Iss: req.Aud, Aud: req.Iss, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(), RJTI: req.JTI,
			CID: req.CID, St: mapping.Green, SA: now.Unix(), HN: maskedName, HID: maskedID}
		if mutate != nil {
			mutate(&a)
		}
		tok, err := key.SignCompact(testkit.JSON(t, a), federation.TypAnswer)
		if err != nil {
			t.Error(err)
			return
		}
		w.Header().Set("Content-Type", federation.ContentTypeJOSE)
		_, _ = w.Write([]byte(tok))
	}
}

func TestClientRetriesOnlyTransientFailures(t *testing.T) {
	n := newNation(t, shR, zjR)
	tests := map[string]struct {
		script       []int // what the peer answers before the responder gets a turn
		retries      int
		wantAttempts int64
		want         fault.Kind
	}{
		"a peer answering 503 twice, then well, is retried and its answer taken": {
			script: []int{503, 503}, retries: 2, wantAttempts: 3},
		"a peer answering 502 then 504, then well, is retried and its answer taken": {
			script: []int{502, 504}, retries: 2, wantAttempts: 3},
		"a peer answering 503 three times is given up after two retries": {
			script: []int{503, 503, 503, 503}, retries: 2, wantAttempts: 3, want: fault.IssuerUnavailable},
		"a peer answering 500 is not retried": {
			script: []int{500, 500, 500}, retries: 2, wantAttempts: 1, want: fault.IssuerUnavailable},
		"a peer answering 400 is not retried": {
			script: []int{400, 400, 400}, retries: 2, wantAttempts: 1, want: fault.IssuerUnavailable},
		"a peer answering 429 is not retried": {
			script: []int{429, 429, 429}, retries: 2, wantAttempts: 1, want: fault.IssuerUnavailable},
		"with four retries a peer answering 503 four times is asked five times": {
			script: []int{503, 503, 503, 503}, retries: 4, wantAttempts: 5},
		"with retries off a 503 is not retried": {
			script: []int{503}, retries: 0, wantAttempts: 1, want: fault.IssuerUnavailable},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			peer := &recorder{next: serveResponder(n.responder(zjR, anyCode(time.Now, time.Minute, 0, nil), nil)), script: tc.script}
			srv := serve(t, peer)
			var signed atomic.Int64
			c := n.client(shR, map[string]string{zjR: srv.URL}, func(o *federation.Options) {
				o.Retries, o.BreakerFailures = tc.retries, 100
				o.Signers = []trust.Signer{countingSigner{o.Signers[0], &signed}}
			})
			st, routed, err := c.Status(context.Background(), zjR, "code-1")
			if !routed {
				t.Fatal("not routed")
			}
			if r := fault.ReasonOf(err); r != tc.want {
				t.Fatalf("reason %q, want %q (err %v)", r, tc.want, err)
			}
			if got := peer.hits.Load(); got != tc.wantAttempts {
				t.Fatalf("%d attempts reached the peer, want %d", got, tc.wantAttempts)
			}
			// One signature an attempt: none made for nothing.
			if got := signed.Load(); got != tc.wantAttempts {
				t.Errorf("%d requests signed for %d attempts", got, tc.wantAttempts)
			}
			seen, written := peer.snapshot()
			jtis := map[string]bool{}
			for i, s := range seen {
				if s.req.JTI == "" || s.req.Iss != shR || s.req.Aud != zjR || s.req.CID != "code-1" {
					t.Fatalf("attempt %d carried %+v", i, s.req)
				}
				if jtis[s.req.JTI] {
					t.Fatalf("attempt %d reused jti %q", i, s.req.JTI)
				}
				jtis[s.req.JTI] = true
			}
			if tc.want != fault.None {
				return
			}
			if st.Status != mapping.Green || st.Cached || st.Asked <= 0 {
				t.Fatalf("status %+v", st)
			}
			var a federation.Answer
			payloadOf(t, string(written[len(written)-1]), &a)
			if last := seen[len(seen)-1].req.JTI; a.RJTI != last {
				t.Fatalf("accepted answer's rjti %q, last attempt's jti %q", a.RJTI, last)
			}
		})
	}
}

// countingSigner counts the compact JWSs it signs.
type countingSigner struct {
	trust.Signer
	n *atomic.Int64
}

func (c countingSigner) SignCompact(payload []byte, typ string) (string, error) {
	c.n.Add(1)
	return c.Signer.SignCompact(payload, typ)
}

func TestClientRetriesARefusedConnection(t *testing.T) {
	n := newNation(t, shR, zjR)
	tests := map[string]struct {
		retries      int
		wantAttempts int64
	}{
		"with the configured two retries a refused connection is tried three times": {2, 3},
		"with four retries it is tried five times":                                  {4, 5},
		"with retries off it is tried once":                                         {0, 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			hc, ct := newCountingClient()
			c := n.client(shR, map[string]string{zjR: deadURL(t)}, func(o *federation.Options) {
				o.Retries, o.HTTPClient, o.Deadline = tc.retries, hc, 5*time.Second
			})
			_, routed, err := c.Status(context.Background(), zjR, "code-1")
			if !routed || fault.ReasonOf(err) != fault.IssuerUnavailable {
				t.Fatalf("routed %v, err %v; want issuer_unavailable", routed, err)
			}
			if got := ct.n.Load(); got != tc.wantAttempts {
				t.Fatalf("%d attempts, want %d", got, tc.wantAttempts)
			}
		})
	}
}

func TestClientStaysInsideItsDeadline(t *testing.T) {
	n := newNation(t, shR, zjR)
	sleeper := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice the client hanging up.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(2 * time.Second):
			w.WriteHeader(http.StatusServiceUnavailable)
		case <-r.Context().Done():
		}
	}))
	tests := map[string]struct {
		deadline time.Duration
		ctx      time.Duration // the caller's own deadline; 0: none
	}{
		"a peer sleeping 2 s is cut at the client's 200 ms deadline": {deadline: 200 * time.Millisecond},
		"a peer sleeping 2 s is cut at the caller's 150 ms context":  {deadline: 5 * time.Second, ctx: 150 * time.Millisecond},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := n.client(shR, map[string]string{zjR: sleeper.URL}, func(o *federation.Options) { o.Deadline = tc.deadline })
			ctx := context.Background()
			if tc.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctx)
				defer cancel()
			}
			start := time.Now()
			_, routed, err := c.Status(ctx, zjR, "code-1")
			took := time.Since(start)
			t.Logf("returned after %s", took)
			if !routed || fault.ReasonOf(err) != fault.IssuerUnavailable {
				t.Fatalf("routed %v, err %v; want issuer_unavailable", routed, err)
			}
			if took > 1500*time.Millisecond {
				t.Fatalf("took %s, the peer's sleep was not cut", took)
			}
		})
	}
}

// The call's deadline is wall-clock time: a clock injected for validity
// (here 1 h ahead) must not stretch how long a call may take.
func TestClientDeadlineDoesNotDependOnTheInjectedClock(t *testing.T) {
	n := newNation(t, shR, zjR)
	sleeper := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(2 * time.Second):
			w.WriteHeader(http.StatusServiceUnavailable)
		case <-r.Context().Done():
		}
	}))
	c := n.client(shR, map[string]string{zjR: sleeper.URL}, func(o *federation.Options) {
		o.Deadline, o.HTTPClient = 200*time.Millisecond, &http.Client{}
		o.Clock = func() time.Time { return time.Now().Add(time.Hour) }
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	_, _, err := c.Status(ctx, zjR, "code-1")
	took := time.Since(start)
	if fault.ReasonOf(err) != fault.IssuerUnavailable || took > 1500*time.Millisecond {
		t.Fatalf("err %v after %s; want issuer_unavailable well inside 1.5 s", err, took)
	}
}

func TestClientBreaker(t *testing.T) {
	n := newNation(t, shR, zjR)
	stranger := testkit.Key(t, jwa.EdDSA)
	tests := map[string]struct {
		peer     http.Handler // nil: a dead address
		wantOpen bool
		want     fault.Kind
	}{
		"consecutive 500s open it": {
			peer: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }), wantOpen: true,
			want: fault.IssuerUnavailable},
		"a dead peer opens it": {wantOpen: true, want: fault.IssuerUnavailable},
		"answers signed by a key no anchor endorsed open it": {
			peer: answering(t, stranger, nil), wantOpen: true, want: fault.IssuerUnavailable},
		"answers to another request (rjti) open it": {
			peer: answering(t, n.keys[zjR], func(a *federation.Answer) { a.RJTI = "not-yours" }), wantOpen: true,
			want: fault.IssuerUnavailable},
		"lapsed answers open it": {
			peer: answering(t, n.keys[zjR], func(a *federation.Answer) { a.IAT, a.EXP = a.IAT-120, a.IAT-60 }), wantOpen: true,
			want: fault.IssuerUnavailable},
		"a plain 404 (no status endpoint there) opens it": {
			peer: http.NotFoundHandler(), wantOpen: true, want: fault.IssuerUnavailable},
		"404 unknown_code answers leave it closed": {
			peer: serveResponder(n.responder(zjR, federation.NewMemorySource(), nil)), want: fault.StatusUnknown},
	}
	const failures = 3
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			url := deadURL(t)
			if tc.peer != nil {
				url = serve(t, tc.peer).URL
			}
			hc, ct := newCountingClient()
			c := n.client(shR, map[string]string{zjR: url}, func(o *federation.Options) {
				o.Retries, o.HTTPClient, o.BreakerFailures, o.BreakerOpen = 0, hc, failures, time.Minute
			})
			calls := failures
			if !tc.wantOpen {
				calls = 10 * failures
			}
			for i := 0; i < calls; i++ {
				if _, _, err := c.Status(context.Background(), zjR, fmt.Sprintf("code-%d", i)); fault.ReasonOf(err) != tc.want {
					t.Fatalf("call %d: %v, want %s", i, err, tc.want)
				}
			}
			if got := ct.n.Load(); got != int64(calls) {
				t.Fatalf("%d calls reached the peer, want %d", got, calls)
			}
			want := "closed"
			if tc.wantOpen {
				want = "open"
			}
			if got := c.BreakerState(zjR); got != want {
				t.Fatalf("breaker %q after %d calls, want %q", got, calls, want)
			}
			if !tc.wantOpen {
				return
			}
			start := time.Now()
			_, routed, err := c.Status(context.Background(), zjR, "code-x")
			if !routed || fault.ReasonOf(err) != fault.IssuerUnavailable {
				t.Fatalf("open breaker: routed %v, err %v", routed, err)
			}
			if got := ct.n.Load(); got != int64(calls) {
				t.Fatalf("an open breaker let a call through (%d round trips)", got)
			}
			t.Logf("open breaker answered in %s", time.Since(start))
		})
	}
	t.Run("an unknown peer has no breaker state", func(t *testing.T) {
		c := n.client(shR, map[string]string{zjR: deadURL(t)}, nil)
		if got := c.BreakerState(gdR); got != "" {
			t.Fatalf("state %q", got)
		}
	})
}

// TestClientBreakerHalfOpens: once its open time is over, a breaker lets one
// trial call through, whose result closes or opens it again. gobreaker reads
// the real clock and takes no other, so rather than wait the open time out
// the test gives the breaker none (1 ns) and follows its state changes in
// the log; that an open breaker stops calls while its time lasts is
// TestClientBreaker's.
func TestClientBreakerHalfOpens(t *testing.T) {
	n := newNation(t, shR, zjR)
	tests := map[string]struct {
		healthy bool
		want    []string
	}{
		"one successful call closes it again": {healthy: true,
			want: []string{"closed>open", "open>half-open", "half-open>closed"}},
		"one failed call opens it again": {healthy: false,
			want: []string{"closed>open", "open>half-open", "half-open>open"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var healthy atomic.Bool
			var hits atomic.Int64
			good := serveResponder(n.responder(zjR, anyCode(time.Now, time.Minute, 0, nil), nil))
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if !healthy.Load() {
					w.WriteHeader(http.StatusInternalServerError)
					return
				}
				good(w, r)
			}))
			var log lockedBuffer
			c := n.client(shR, map[string]string{zjR: srv.URL}, func(o *federation.Options) {
				o.Retries, o.BreakerFailures, o.BreakerOpen = 0, 2, time.Nanosecond
				o.Logger = slog.New(slog.NewJSONHandler(&log, nil))
			})
			for i := 0; i < 2; i++ {
				_, _, _ = c.Status(context.Background(), zjR, "code-1")
			}
			if got := log.transitions(t); !slices.Equal(got, tc.want[:1]) {
				t.Fatalf("state changes after 2 failures %v, want %v", got, tc.want[:1])
			}
			before := hits.Load()
			healthy.Store(tc.healthy)
			st, _, err := c.Status(context.Background(), zjR, "code-1")
			if tc.healthy && (err != nil || st.Status != mapping.Green) {
				t.Fatalf("half-open trial call: %+v, %v", st, err)
			}
			if hits.Load() != before+1 {
				t.Fatalf("%d trial calls reached the peer, want 1", hits.Load()-before)
			}
			if got := log.transitions(t); !slices.Equal(got, tc.want) {
				t.Fatalf("state changes %v, want %v", got, tc.want)
			}
		})
	}
}

// lockedBuffer is a log sink the client may write from its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// transitions lists the breaker state changes logged, as "from>to".
func (b *lockedBuffer) transitions(t *testing.T) []string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, line := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		var e struct{ Msg, From, To string }
		if len(line) == 0 {
			continue
		}
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if strings.HasSuffix(e.Msg, "breaker") {
			out = append(out, e.From+">"+e.To)
		}
	}
	return out
}

func TestClientRouting(t *testing.T) {
	n := newNation(t, hubR, shR, zjR, gdR)
	tests := map[string]struct {
		region     string
		peers      []string // regions the client has a URL for
		local      bool     // the client has its own platform
		org        string
		wantRouted bool
		wantHits   map[string]int64 // requests each peer saw
		wantLocal  int64
	}{
		"an org with its own peer is asked there": {
			region: shR, peers: []string{zjR, hubR}, org: zjR, wantRouted: true, wantHits: map[string]int64{zjR: 1}},
		"an org without a peer is asked through the hub, which relays": {
			region: shR, peers: []string{zjR, hubR}, org: gdR, wantRouted: true, wantHits: map[string]int64{hubR: 1, gdR: 1}},
		"an org without a peer and no hub is not routed, and that is no error": {
			region: shR, peers: []string{zjR}, org: gdR},
		"the hub with no peer for an org does not route it to itself": {
			region: hubR, peers: []string{hubR, zjR}, org: gdR},
		"the gateway's own region is asked of its own platform, without HTTP": {
			region: shR, peers: []string{zjR, hubR, shR}, local: true, org: shR, wantRouted: true, wantLocal: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			recs, urls := map[string]*recorder{}, map[string]string{}
			gd := &recorder{next: serveResponder(n.responder(gdR, anyCode(time.Now, time.Minute, 0, nil), nil))}
			recs[gdR] = gd
			gdURL := serve(t, gd).URL
			for _, r := range []string{hubR, shR, zjR} {
				resp := n.responder(r, anyCode(time.Now, time.Minute, 0, nil), nil)
				if r == hubR {
					resp.Source = nil
					resp.Relay = n.client(hubR, map[string]string{gdR: gdURL}, nil)
				}
				recs[r] = &recorder{next: serveResponder(resp)}
				urls[r] = serve(t, recs[r]).URL
			}
			peers := map[string]string{}
			for _, p := range tc.peers {
				peers[p] = urls[p]
			}
			var localCalls atomic.Int64
			c := n.client(tc.region, peers, func(o *federation.Options) {
				if tc.local {
					o.Local = anyCode(time.Now, time.Minute, 2*time.Millisecond, &localCalls)
				}
			})
			st, routed, err := c.Status(context.Background(), tc.org, "code-1")
			if err != nil || routed != tc.wantRouted {
				t.Fatalf("routed %v, err %v; want routed %v, no error", routed, err, tc.wantRouted)
			}
			if routed && st.Status != mapping.Green {
				t.Fatalf("status %+v", st)
			}
			// How long the issuer took: the round trip to its peer, or the
			// own platform's 2 ms lookup.
			if routed && st.Asked <= 0 || tc.local && st.Asked < 2*time.Millisecond {
				t.Errorf("the issuer took %v", st.Asked)
			}
			for r, rec := range recs {
				if got := rec.hits.Load(); got != tc.wantHits[r] {
					t.Errorf("peer %s saw %d requests, want %d", r, got, tc.wantHits[r])
				}
			}
			if got := localCalls.Load(); got != tc.wantLocal {
				t.Errorf("own platform asked %d times, want %d", got, tc.wantLocal)
			}
		})
	}
}

func TestClientCache(t *testing.T) {
	n := newNation(t, shR, zjR)
	tests := map[string]struct {
		answerTTL time.Duration // the platform's validity, shorter than the responder's 60 s
		maxTTL    time.Duration
		until     time.Duration // after the first call; 0: nothing is cached
	}{
		"an answer is cached until its exp when that comes first":           {answerTTL: 20 * time.Second, maxTTL: time.Hour, until: 20 * time.Second},
		"an answer is cached until now + CacheMaxTTL when that comes first": {answerTTL: 50 * time.Second, maxTTL: 10 * time.Second, until: 10 * time.Second},
		"CacheMaxTTL 0 caches nothing":                                      {answerTTL: 50 * time.Second},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			clock := newFakeClock(testkit.Now)
			peer := &recorder{next: serveResponder(n.responder(zjR, anyCode(clock.Now, tc.answerTTL, 0, nil), clock.Now))}
			srv := serve(t, peer)
			c := n.client(shR, map[string]string{zjR: srv.URL}, func(o *federation.Options) {
				o.Clock, o.CacheMaxTTL = clock.Now, tc.maxTTL
			})
			ask := func(wantHits int64, wantCached bool) mapping.LiveStatus {
				t.Helper()
				st, _, err := c.Status(context.Background(), zjR, "code-1")
				if err != nil {
					t.Fatal(err)
				}
				if got := peer.hits.Load(); got != wantHits || st.Cached != wantCached {
					t.Fatalf("at +%s: peer asked %d times, cached %v; want %d, %v",
						clock.Now().Sub(testkit.Now), got, st.Cached, wantHits, wantCached)
				}
				return st
			}
			first := ask(1, false)
			if !first.Expires.Equal(testkit.Now.Add(tc.answerTTL)) {
				t.Fatalf("answer expires %s, want +%s", first.Expires, tc.answerTTL)
			}
			if tc.until == 0 {
				ask(2, false)
				return
			}
			again := ask(1, true)
			// How long the issuer took is told when it was asked, not when
			// the cache answered.
			if first.Asked <= 0 || again.Asked != 0 {
				t.Fatalf("asked took %v, cached %v; want > 0, 0", first.Asked, again.Asked)
			}
			again.Cached, again.Asked = false, first.Asked
			if again != first {
				t.Fatalf("cached %+v, asked %+v", again, first)
			}
			clock.Advance(tc.until - time.Second)
			ask(1, true)
			clock.Advance(time.Second)
			ask(2, false)
			ask(2, true)
		})
	}
	t.Run("another code of the same org is not served from the cache", func(t *testing.T) {
		peer := &recorder{next: serveResponder(n.responder(zjR, anyCode(time.Now, time.Minute, 0, nil), nil))}
		c := n.client(shR, map[string]string{zjR: serve(t, peer).URL}, func(o *federation.Options) { o.CacheMaxTTL = time.Hour })
		for i, cid := range []string{"code-1", "code-2", "code-1"} {
			if _, _, err := c.Status(context.Background(), zjR, cid); err != nil {
				t.Fatal(i, err)
			}
		}
		if got := peer.hits.Load(); got != 2 {
			t.Fatalf("peer asked %d times, want 2", got)
		}
	})
	t.Run("an unknown code is not cached: it is asked again", func(t *testing.T) {
		peer := &recorder{next: serveResponder(n.responder(zjR, federation.NewMemorySource(), nil))}
		c := n.client(shR, map[string]string{zjR: serve(t, peer).URL}, func(o *federation.Options) { o.CacheMaxTTL = time.Hour })
		for i := 0; i < 2; i++ {
			if _, _, err := c.Status(context.Background(), zjR, "code-1"); fault.ReasonOf(err) != fault.StatusUnknown {
				t.Fatal(i, err)
			}
		}
		if got := peer.hits.Load(); got != 2 {
			t.Fatalf("peer asked %d times, want 2", got)
		}
	})
}

func TestClientCollapsesConcurrentIdenticalQueries(t *testing.T) {
	n := newNation(t, shR, zjR)
	tests := map[string]struct {
		maxTTL time.Duration
	}{
		"with the cache on":  {maxTTL: time.Minute},
		"with the cache off": {},
	}
	const callers = 1000
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var lookups atomic.Int64
			// The issuer takes 500 ms: time enough for all 1,000 callers to
			// arrive while the first call is out, even under -race on 2 cores.
			peer := &recorder{next: serveResponder(n.responder(zjR, anyCode(time.Now, time.Minute, 500*time.Millisecond, &lookups), nil))}
			c := n.client(shR, map[string]string{zjR: serve(t, peer).URL}, func(o *federation.Options) {
				o.CacheMaxTTL, o.Deadline = tc.maxTTL, 5*time.Second
			})
			base := runtime.NumGoroutine()
			var ready, done sync.WaitGroup
			start := make(chan struct{})
			errs := make(chan error, callers)
			ready.Add(callers)
			done.Add(callers)
			for i := 0; i < callers; i++ {
				go func() {
					defer done.Done()
					ready.Done()
					<-start
					st, _, err := c.Status(context.Background(), zjR, "code-1")
					if err == nil && st.Status != mapping.Green {
						err = fmt.Errorf("status %q", st.Status)
					}
					if err != nil {
						errs <- err
					}
				}()
			}
			ready.Wait()
			began := time.Now()
			close(start)
			finished := make(chan struct{})
			go func() { done.Wait(); close(finished) }()
			select {
			case <-finished:
			case <-time.After(10 * time.Second):
				t.Fatal("1,000 callers not done after 10 s")
			}
			t.Logf("%d callers answered in %s", callers, time.Since(began))
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if got := peer.hits.Load(); got != 1 {
				t.Fatalf("%d requests reached the peer, want 1", got)
			}
			if got := lookups.Load(); got != 1 {
				t.Fatalf("the platform was asked %d times, want 1", got)
			}
			// Nothing is left running: the goroutines wind down to what
			// there was before (plus idle keep-alive connections).
			for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > base+10; {
				if time.Now().After(deadline) {
					t.Fatalf("%d goroutines, %d before", runtime.NumGoroutine(), base)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

func TestClientWithoutAFederationKeyFailsClosed(t *testing.T) {
	n := newNation(t, shR, zjR)
	noFed := n.endorse(shR, jwa.EdDSA, testkit.Spec{Use: []trust.Use{trust.UseCodes, trust.UseStatus}, JTI: "no-fed"})
	peer := &recorder{next: serveResponder(n.responder(zjR, anyCode(time.Now, time.Minute, 0, nil), nil))}
	c := n.client(shR, map[string]string{zjR: serve(t, peer).URL}, func(o *federation.Options) {
		o.Signers = []trust.Signer{noFed}
	})
	_, routed, err := c.Status(context.Background(), zjR, "code-1")
	var p *fault.Error
	if !routed || !errors.As(err, &p) || p.Kind != fault.IssuerUnavailable {
		t.Fatalf("routed %v, err %v; want issuer_unavailable", routed, err)
	}
	if peer.hits.Load() != 0 {
		t.Fatal("an unsigned request was sent")
	}
}

// TestRoutesAgreesWithStatus: Routes must say exactly what Status's routed
// would (verify skips Status when it says no).
func TestRoutesAgreesWithStatus(t *testing.T) {
	n := newNation(t, shR, zjR, mapping.NationalRegion)
	closed := "http://127.0.0.1:1" // nothing listens: only routing matters here
	clients := map[string]*federation.Client{
		"a peer for zj": n.client(shR, map[string]string{zjR: closed}, nil),
		"only the hub":  n.client(shR, map[string]string{mapping.NationalRegion: closed}, nil),
		"no peers":      n.client(shR, nil, nil),
		"own platform": n.client(shR, nil, func(o *federation.Options) {
			o.Local = federation.NewMemorySource()
		}),
		"the hub itself": n.client(mapping.NationalRegion, map[string]string{zjR: closed}, nil),
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // routed is known before anything is waited for
	for name, c := range clients {
		for _, org := range []string{shR, zjR, "440000", mapping.NationalRegion} {
			_, routed, _ := c.Status(ctx, org, "code-1")
			if got := c.Routes(org); got != routed {
				t.Errorf("%s: Routes(%s) = %v, Status routed %v", name, org, got, routed)
			}
		}
	}
}

// TestAskedIsTheAnsweringAttempt: how long the issuer took is the attempt
// that answered, not a slow failed attempt before it nor the backoff.
func TestAskedIsTheAnsweringAttempt(t *testing.T) {
	n := newNation(t, shR, zjR)
	const slow = 80 * time.Millisecond
	var calls atomic.Int64
	good := serveResponder(n.responder(zjR, anyCode(time.Now, time.Minute, 0, nil), nil))
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			time.Sleep(slow)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		good.ServeHTTP(w, r)
	}))
	c := n.client(shR, map[string]string{zjR: srv.URL}, func(o *federation.Options) { o.BreakerFailures = 100 })
	start := time.Now()
	st, _, err := c.Status(context.Background(), zjR, "code-1")
	took := time.Since(start)
	if err != nil || calls.Load() != 2 {
		t.Fatalf("err %v after %d attempts; want an answer at the second", err, calls.Load())
	}
	if took < slow || st.Asked <= 0 || st.Asked >= slow {
		t.Fatalf("the call took %v, the issuer %v; want the answering attempt alone, under %v", took, st.Asked, slow)
	}
}
