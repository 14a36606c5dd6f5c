package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/mapping"
)

// What a hub answers for a region it cannot reach counts against that
// region's route at the asking gateway, not against the hub, when the hub
// says so (Hcgw-Upstream-Region, or a §7 hub's upstream_unavailable); a hub
// failing on its own account opens the hub's breaker.
func TestAHubsFailureForOneRegion(t *testing.T) {
	tests := map[string]struct {
		rewrite      func(w http.ResponseWriter, rec *httptest.ResponseRecorder) // nil: the hub's answer as it is
		wantHub      string
		wantGD, want string // Guangdong's route after the failures; what a Zhejiang code then gets
	}{
		"a hub's 502 naming the region": {wantHub: "closed", wantGD: "open"},
		"a DESIGN §7 hub's 502 upstream_unavailable, no header": {
			rewrite: func(w http.ResponseWriter, _ *httptest.ResponseRecorder) {
				w.Header().Del(federation.UpstreamRegionHeader)
			},
			wantHub: "closed", wantGD: "open"},
		"a 502 naming another region is the hub's own failure": {
			rewrite: func(w http.ResponseWriter, _ *httptest.ResponseRecorder) {
				w.Header().Set(federation.UpstreamRegionHeader, bjR)
			},
			wantHub: "open", wantGD: "closed"},
		"a hub answering 500 fails itself": {
			rewrite: func(_ http.ResponseWriter, rec *httptest.ResponseRecorder) { rec.Code = http.StatusInternalServerError },
			wantHub: "open", wantGD: "closed"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n := newNation(t, hubR, shR, zjR, gdR)
			zj := serve(t, serveResponder(n.responder(zjR, anyCode(time.Now, time.Minute, 0, nil), time.Now)))
			relay := n.client(hubR, map[string]string{zjR: zj.URL, gdR: deadURL(t)}, func(o *federation.Options) { o.Retries = 0 })
			h := n.responder(hubR, nil, time.Now)
			h.Relay = relay
			real := serveResponder(h)
			hubSrv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec := httptest.NewRecorder()
				real.ServeHTTP(rec, r)
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				if rec.Code == http.StatusBadGateway && tc.rewrite != nil {
					tc.rewrite(w, rec)
				}
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
			}))
			c := n.client(shR, map[string]string{hubR: hubSrv.URL}, func(o *federation.Options) {
				o.Retries, o.BreakerFailures, o.BreakerOpen = 0, 3, time.Minute
			})
			for i := range 6 {
				if _, _, err := c.Status(context.Background(), gdR, fmt.Sprint("gd-", i)); fault.ReasonOf(err) != fault.IssuerUnavailable {
					t.Fatalf("Guangdong code %d: %v", i, err)
				}
			}
			if got := c.BreakerState(hubR); got != tc.wantHub {
				t.Errorf("the hub's breaker %s, want %s", got, tc.wantHub)
			}
			if got := c.RouteBreakerState(gdR); got != tc.wantGD {
				t.Errorf("Guangdong's breaker %s, want %s", got, tc.wantGD)
			}
			_, _, err := c.Status(context.Background(), zjR, "zj-1")
			if zjOK := err == nil; zjOK != (tc.wantHub == "closed") {
				t.Errorf("a Zhejiang code with the hub's breaker %s: %v", tc.wantHub, err)
			}
		})
	}
}

// A gateway's platform source spends only what the request's retry budget
// allows, and says what it spent; a request without one (a peer built
// against DESIGN §7) gets the source's own two retries; a malformed one is
// refused.
func TestTheRetryBudgetAtTheResponder(t *testing.T) {
	var calls, told atomic.Int64
	sick := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get(federation.RetryBudgetHeader) != "" {
			told.Add(1) // the platform is no gateway
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	n := newNation(t, shR, zjR)
	tables, err := mapping.LoadTables(configs.Mappings())
	if err != nil {
		t.Fatal(err)
	}
	table, _ := tables.Get("zj-v1")
	src := &federation.HTTPSource{URL: sick.URL, Table: table}
	zj := serve(t, serveResponder(n.responder(zjR, src, time.Now)))
	tests := map[string]struct {
		budget     string // "": no header
		wantStatus int
		wantCalls  int64
		wantSpent  string
	}{
		"no budget: the source's own two retries": {"", 503, 3, "2"},
		"a budget of 0: one call":                 {"0", 503, 1, ""},
		"a budget of 1: two calls":                {"1", 503, 2, "1"},
		"a budget of 5: the source's own bound":   {"5", 503, 3, "2"},
		"a negative budget is refused":            {"-1", 400, 0, ""},
		"a budget of 11 is refused":               {"11", 400, 0, ""},
		"a budget of 01 is refused":               {"01", 400, 0, ""},
		"a budget that is not a number":           {"two", 400, 0, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			calls.Store(0)
			req, _ := http.NewRequest(http.MethodPost, zj.URL+statusPath,
				strings.NewReader(signRequest(t, n.keys[shR], request(shR, zjR, "code-1", time.Now()))))
			if tc.budget != "" {
				req.Header.Set(federation.RetryBudgetHeader, tc.budget)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus || calls.Load() != tc.wantCalls ||
				resp.Header.Get(federation.RetriesSpentHeader) != tc.wantSpent {
				t.Fatalf("%d, %d calls, spent %q; want %d, %d, %q", resp.StatusCode, calls.Load(),
					resp.Header.Get(federation.RetriesSpentHeader), tc.wantStatus, tc.wantCalls, tc.wantSpent)
			}
			if told.Load() != 0 {
				t.Fatalf("the platform was sent %s", federation.RetryBudgetHeader)
			}
		})
	}
}

// When every caller of a collapsed query has given up, the shared call is
// cancelled: it runs as long as the longest waiting caller allows, no more.
func TestACollapsedCallEndsWithItsLastCaller(t *testing.T) {
	n := newNation(t, shR, zjR)
	ended := make(chan error, 1)
	var started atomic.Int64
	running := make(chan struct{}, 3)
	src := sourceFunc(func(ctx context.Context, _ string) (mapping.LiveStatus, error) {
		started.Add(1)
		running <- struct{}{}
		<-ctx.Done()
		ended <- ctx.Err()
		return mapping.LiveStatus{}, ctx.Err()
	})
	zj := serve(t, serveResponder(n.responder(zjR, src, time.Now)))
	c := n.client(shR, map[string]string{zjR: zj.URL}, func(o *federation.Options) { o.Retries, o.Deadline = 0, 10*time.Second })
	done := make(chan error, 3)
	ctx, cancel := context.WithCancel(context.Background())
	for range 3 {
		go func() {
			_, _, err := c.Status(ctx, zjR, "code-1")
			done <- err
		}()
	}
	select {
	case <-running: // the shared call has reached the issuer
	case <-time.After(5 * time.Second):
		t.Fatal("the call did not reach the issuer in 5 s")
	}
	cancel()
	for range 3 {
		if err := <-done; fault.ReasonOf(err) != fault.IssuerUnavailable {
			t.Fatalf("a caller that gave up: %v", err)
		}
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the shared call still runs 5 s after every caller gave up (its deadline was 10 s)")
	}
	if started.Load() != 1 {
		t.Fatalf("%d calls for one collapsed query", started.Load())
	}
}

// FuzzRetryBudgetHeader: any header value is a budget from 0 to
// MaxRetryBudget written canonically, or an error; never a panic.
func FuzzRetryBudgetHeader(f *testing.F) {
	for _, s := range []string{"", "0", "2", "10", "11", "-1", "01", "+1", " 1", "1e1", "99999999999999999999", "２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set(federation.RetryBudgetHeader, v)
		ctx, err := federation.RetryBudgetFrom(context.Background(), h)
		if err != nil {
			return
		}
		if got := h.Get(federation.RetryBudgetHeader); got != "" {
			n, aerr := strconv.Atoi(got)
			if aerr != nil || n < 0 || n > federation.MaxRetryBudget || strconv.Itoa(n) != got {
				t.Fatalf("accepted %q", got)
			}
		}
		if ctx == nil {
			t.Fatal("nil context")
		}
	})
}
