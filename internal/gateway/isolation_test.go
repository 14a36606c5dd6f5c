package gateway_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// hubOfThree is Shanghai asking Zhejiang and Guangdong through the hub.
func hubOfThree(t *testing.T, extra map[string]string) *fed {
	regions := []string{hub, shR, zjR, gdR}
	if extra == nil {
		extra = map[string]string{}
	}
	return newFedOpts(t, regions, map[string][]string{hub: {shR, zjR, gdR}, shR: {hub}, zjR: {hub}, gdR: {hub}},
		extra, nil, nil)
}

// healthyRuns verifies n Zhejiang codes at Shanghai, one after another:
// each must be answered online by Zhejiang (not degraded). It returns the
// latencies seen at the checkpoint.
func healthyRuns(t *testing.T, f *fed, n int) []time.Duration {
	t.Helper()
	var took []time.Duration
	for i := range n {
		code := f.code(zjR, mapping.Green, mapping.Yellow)
		start := time.Now()
		vd, err := f.tryVerify(shR, code)
		took = append(took, time.Since(start))
		if err != nil {
			t.Fatal(err)
		}
		if vd.Status != mapping.Yellow || vd.Source != verify.SourceOnline || vd.Degraded {
			t.Fatalf("Zhejiang code %d at Shanghai: %+v", i, vd)
		}
	}
	return took
}

func p50max(took []time.Duration) (time.Duration, time.Duration) {
	s := slices.Clone(took)
	slices.Sort(s)
	return s[(len(s)-1)/2], s[len(s)-1]
}

// One dead or slow province never takes the others down through the hub:
// the hub's 502 for Guangdong counts against Guangdong's route at Shanghai,
// not against the hub, and Guangdong's slow calls hold Guangdong's slots,
// not the hub's.
func TestOneProvinceNeverTakesTheOthersDown(t *testing.T) {
	const healthy = 20
	t.Run("Guangdong dead", func(t *testing.T) {
		f := hubOfThree(t, nil)
		f.nodes[gdR].stop()
		for i := range 10 {
			vd := f.verify(shR, f.code(gdR, mapping.Green, mapping.Green))
			if vd.Source != verify.SourceOffline || !vd.Degraded {
				t.Fatalf("Guangdong code %d with Guangdong dead: %+v", i, vd)
			}
		}
		sh := f.nodes[shR].g.Peers
		if st := sh.BreakerState(hub); st != "closed" {
			t.Fatalf("the hub's breaker at Shanghai is %s after Guangdong's failures", st)
		}
		if st := sh.RouteBreakerState(gdR); st != "open" {
			t.Fatalf("Guangdong's breaker at Shanghai is %q after 10 failures", st)
		}
		p50, mx := p50max(healthyRuns(t, f, healthy))
		if st := sh.RouteBreakerState(zjR); st != "closed" {
			t.Fatalf("Zhejiang's breaker at Shanghai is %s", st)
		}
		t.Logf("Guangdong dead: %d Zhejiang verifications at Shanghai, all online: p50 %v, max %v", healthy, p50, mx)
		// The operator overview shows the hub and each region behind it:
		// Guangdong's failures are Guangdong's, not the hub's.
		st, b := do(t, "GET", f.nodes[shR].url+"/v1/ops/overview", adminToken, "")
		if st != 200 {
			t.Fatalf("%d %s", st, b)
		}
		var ov struct {
			Peers []struct {
				Region, Via, Breaker string
				Calls                int `json:"calls_5m"`
				Errors               int `json:"errors_5m"`
			}
		}
		if err := json.Unmarshal(b, &ov); err != nil {
			t.Fatal(err)
		}
		rows := map[string]string{}
		for _, p := range ov.Peers {
			rows[p.Via+">"+p.Region] = fmt.Sprintf("%s calls %d errors %d", p.Breaker, p.Calls, p.Errors)
		}
		for row, want := range map[string]string{
			// Five Guangdong codes reached the hub; its open breaker refused
			// the other five at Shanghai.
			">000000":       fmt.Sprintf("closed calls %d errors 0", 5+healthy),
			"000000>440000": "open calls 10 errors 10",
			"000000>330000": fmt.Sprintf("closed calls %d errors 0", healthy),
		} {
			if rows[row] != want {
				t.Errorf("overview row %s: %q, want %q (%s)", row, rows[row], want, b)
			}
		}
		_, m := do(t, "GET", f.nodes[shR].url+"/metrics", "", "")
		for _, want := range []string{`hcgw_route_breaker_state{region="440000"} 2`, `hcgw_route_breaker_state{region="330000"} 0`,
			`hcgw_peer_breaker_state{peer="000000"} 0`} {
			if !bytesContains(m, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
	t.Run("Guangdong's platform failing (its gateway answers 503)", func(t *testing.T) {
		f := hubOfThree(t, nil)
		f.nodes[gdR].platform.Err = errors.New("platform down")
		for i := range 10 {
			if vd := f.verify(shR, f.code(gdR, mapping.Green, mapping.Green)); !vd.Degraded {
				t.Fatalf("Guangdong code %d with its platform down: %+v", i, vd)
			}
		}
		sh := f.nodes[shR].g.Peers
		if sh.BreakerState(hub) != "closed" || sh.RouteBreakerState(gdR) != "open" {
			t.Fatalf("the hub's breaker %s, Guangdong's %s", sh.BreakerState(hub), sh.RouteBreakerState(gdR))
		}
		p50, mx := p50max(healthyRuns(t, f, healthy))
		t.Logf("Guangdong's platform answering 503: %d Zhejiang verifications at Shanghai, all online: p50 %v, max %v", healthy, p50, mx)
	})
	t.Run("Guangdong answering in 1.2 s", func(t *testing.T) {
		f := hubOfThree(t, nil)
		f.nodes[gdR].platform.SetDelay(1200 * time.Millisecond)
		const slow = 80 // more than the 64 slots a peer had
		codes := make([]string, slow)
		for i := range codes {
			codes[i] = f.code(gdR, mapping.Green, mapping.Red)
		}
		var wg sync.WaitGroup
		var online atomic.Int64
		for _, code := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if vd, err := f.tryVerify(shR, code); err == nil && vd.Source == verify.SourceOnline {
					online.Add(1)
				}
			}()
		}
		time.Sleep(300 * time.Millisecond) // every slow call is out
		took := healthyRuns(t, f, healthy)
		wg.Wait()
		p50, mx := p50max(took)
		t.Logf("Guangdong at 1.2 s, %d of its verifications in flight (%d answered online): %d Zhejiang verifications at Shanghai, all online: p50 %v, max %v",
			slow, online.Load(), healthy, p50, mx)
		if online.Load() == 0 {
			t.Fatal("no slow Guangdong verification was answered online")
		}
	})
}

func bytesContains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// A platform answering 503 gets at most 3 calls for one verification
// (one call and the two retries of DESIGN §7), however many gateways stand
// between: directly, or through the hub.
func TestRetriesDoNotMultiply(t *testing.T) {
	var calls atomic.Int64
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer sick.Close()
	gdYAML := fmt.Sprintf("platform: {kind: http, url: %q, format: gd-v1}\n", sick.URL)
	for name, f := range map[string]func() *fed{
		"through the hub": func() *fed { return hubOfThree(t, map[string]string{gdR: gdYAML}) },
		"directly": func() *fed {
			return newFedOpts(t, []string{shR, gdR}, map[string][]string{shR: {gdR}}, map[string]string{gdR: gdYAML}, nil, nil)
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := f()
			const verifications = 4 // fewer than the breaker's 5
			for i := range verifications {
				calls.Store(0)
				vd := f.verify(shR, f.code(gdR, mapping.Green, ""))
				if vd.Source != verify.SourceOffline || !vd.Degraded {
					t.Fatalf("%+v", vd)
				}
				if n := calls.Load(); n > 3 || n == 0 {
					t.Fatalf("verification %d: the sick platform got %d calls, want 1 to 3", i, n)
				}
				t.Logf("verification %d: %d calls to the sick platform", i, calls.Load())
			}
		})
	}
}

// A verification that joins an identical query already out keeps its own
// deadline: the shared call runs as long as the latest caller allows.
func TestACollapsedCallerKeepsItsOwnDeadline(t *testing.T) {
	f := newFed(t, []string{shR, zjR}, map[string][]string{shR: {zjR}}, "", nil)
	code := f.code(zjR, mapping.Green, mapping.Red)
	f.nodes[zjR].platform.SetDelay(1800 * time.Millisecond)
	first := make(chan verify.Verdict, 1)
	go func() {
		vd, _ := f.tryVerify(shR, code)
		first <- vd
	}()
	time.Sleep(time.Second) // the first caller has 0.5 s of its 1.5 s left
	start := time.Now()
	late := f.verify(shR, code)
	took := time.Since(start)
	if vd := <-first; vd.Source != verify.SourceOffline || !vd.Degraded {
		t.Fatalf("the first caller, out of time at 1.5 s, got %+v", vd)
	}
	if late.Status != mapping.Red || late.Source != verify.SourceOnline {
		t.Fatalf("the caller that joined 1 s later got %+v after %v; its own 1.5 s allowed the answer at 1.8 s", late, took)
	}
	t.Logf("the late caller got the issuer's answer %v after it asked", took)
}
