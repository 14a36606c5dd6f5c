package gateway_test

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// TestSoak runs a steady load with a tenth of hostile traffic against a real
// gateway on loopback, bounded in time (HCGW_SOAK_DURATION, default 3 s;
// .ci/run uses 60 s) and in count, and checks that goroutines and memory
// stay flat and that no answer is an error other than the expected ones.
func TestSoak(t *testing.T) {
	dur := 3 * time.Second
	if s := os.Getenv("HCGW_SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 || d > 30*time.Minute {
			t.Fatalf("HCGW_SOAK_DURATION=%q", s)
		}
		dur = d
	}
	const rate, workers, maxRequests = 400, 8, 2_000_000 // per second; bounded anyway
	e := newEnv(t, "sqlite", "")
	r := start(t, e)
	zjKey := testkit.Key(t, jwa.ES256)
	if st, b := r.call(t, "POST", "/v1/trust/endorsements", adminToken, e.root.Endorse(zjKey, "330000", testkit.Spec{
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)})); st != 201 {
		t.Fatalf("endorse %d %s", st, b)
	}
	c := testkit.ClaimsAt("330000", mapping.Green, time.Now())
	c.EXP = time.Now().Add(24 * time.Hour).Unix() // outlives the soak
	good, err := nic.Encode(zjKey, c)
	if err != nil {
		t.Fatal(err)
	}
	hostile := []string{good[:len(good)/2], strings.Replace(good, "ey", "eX", 1), "NIC1:" + strings.Repeat("A", 5000), "x\x00y", good + "."}

	sample := func() (int, uint64) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return runtime.NumGoroutine(), m.HeapAlloc
	}
	// Warm up, then take the baseline.
	for i := 0; i < 200; i++ {
		r.call(t, "POST", "/v1/verify", verifierToken, `{"code":"`+good+`"}`)
	}
	g0, h0 := sample()

	var sent, ok, invalid, other atomic.Int64
	ticks := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ticks {
				code, wantValid := good, true
				if i%10 == 0 {
					code, wantValid = hostile[(i/10)%len(hostile)], false
				}
				body, _ := json.Marshal(map[string]string{"code": code})
				st, b := r.call(t, "POST", "/v1/verify", verifierToken, string(body))
				var vd struct{ Result fault.Result }
				switch {
				case st == 200 && json.Unmarshal(b, &vd) == nil && vd.Result == fault.Valid && wantValid:
					ok.Add(1)
				case st == 200 && vd.Result == fault.Invalid && !wantValid:
					invalid.Add(1)
				default:
					other.Add(1)
					t.Errorf("unexpected answer %d %s", st, b)
				}
			}
		}()
	}
	tk := time.NewTicker(time.Second / rate)
	deadline := time.Now().Add(dur)
	for i := 0; time.Now().Before(deadline) && i < maxRequests; i++ {
		<-tk.C
		ticks <- i
		sent.Add(1)
	}
	tk.Stop()
	close(ticks)
	wg.Wait()
	g1, h1 := sample()
	t.Logf("soak %s at %d/s: %d sent, %d valid, %d invalid (hostile), %d other; goroutines %d → %d; heap %.1f → %.1f MiB",
		dur, rate, sent.Load(), ok.Load(), invalid.Load(), other.Load(), g0, g1, float64(h0)/(1<<20), float64(h1)/(1<<20))
	if other.Load() != 0 {
		t.Fatalf("%d unexpected answers", other.Load())
	}
	defer testkit.Report(t, "soak", fmt.Sprintf("%s at %d verifications/s, a tenth hostile, records on SQLite", dur, rate), int(sent.Load()),
		fmt.Sprintf("%d valid + %d invalid as intended, 0 other; goroutines %d → %d; heap %.1f → %.1f MiB after GC",
			ok.Load(), invalid.Load(), g0, g1, float64(h0)/(1<<20), float64(h1)/(1<<20)))
	if g1 > g0+10 {
		t.Fatalf("goroutines grew from %d to %d", g0, g1)
	}
	if h1 > h0*2+8<<20 {
		t.Fatalf("heap grew from %d to %d bytes", h0, h1)
	}
}
