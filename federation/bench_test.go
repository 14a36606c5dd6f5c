package federation_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/mapping"
)

// provinces are the 34 provincial-level regions (GB/T 2260).
var provinces = []string{
	"110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000",
	"330000", "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000",
	"460000", "500000", "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000",
	"650000", "710000", "810000", "820000",
}

// BenchmarkOnlineOverhead is what asking a peer online adds to the
// platform's own time: a Client against a Responder on loopback whose
// platform takes a fixed 2 ms, no cache, a new code each call. It reports
// the p50 and p99 of (call latency - 2 ms) in µs, and how much the 2 ms
// sleep itself overshot (median), which is part of that overhead.
func BenchmarkOnlineOverhead(b *testing.B) {
	const work = 2 * time.Millisecond
	n := newNation(b, shR, zjR)
	var slept sync.Mutex
	var sleeps []time.Duration
	src := sourceFunc(func(ctx context.Context, cid string) (mapping.LiveStatus, error) {
		start := time.Now()
		time.Sleep(work)
		d := time.Since(start)
		slept.Lock()
		sleeps = append(sleeps, d)
		slept.Unlock()
		now := time.Now()
		return mapping.LiveStatus{Status: mapping.Green, At: now, Expires: now.Add(time.Minute)}, nil
	})
	srv := serve(b, serveResponder(n.responder(zjR, src, nil)))
	c := n.client(shR, map[string]string{zjR: srv.URL}, func(o *federation.Options) {
		o.CacheMaxTTL, o.BreakerFailures = 0, 1<<30
	})
	ctx := context.Background()
	if _, _, err := c.Status(ctx, zjR, "warm-up"); err != nil { // opens the connection
		b.Fatal(err)
	}
	slept.Lock()
	sleeps = sleeps[:0]
	slept.Unlock()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		_, _, err := c.Status(ctx, zjR, "c"+strconv.Itoa(i))
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	slept.Lock()
	slices.Sort(sleeps)
	overshoot := sleeps[len(sleeps)/2] - work
	slept.Unlock()
	us := func(d time.Duration) float64 { return float64(d-work) / float64(time.Microsecond) }
	b.ReportMetric(us(percentile(lat, 50)), "p50-overhead-µs")
	b.ReportMetric(us(percentile(lat, 99)), "p99-overhead-µs")
	b.ReportMetric(float64(overshoot)/float64(time.Microsecond), "p50-sleep-overshoot-µs")
}

func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// BenchmarkCollapse1000 is 1,000 concurrent identical queries per
// iteration (a new code each iteration) against an issuer whose platform
// takes 20 ms, with the default cache (5 min). It reports the requests that
// reached the peer per iteration, which must be 1.
func BenchmarkCollapse1000(b *testing.B) {
	const callers = 1000
	n := newNation(b, shR, zjR)
	peer := &recorder{next: serveResponder(n.responder(zjR, anyCode(time.Now, time.Minute, 20*time.Millisecond, nil), nil))}
	srv := serve(b, peer)
	c := n.client(shR, map[string]string{zjR: srv.URL}, func(o *federation.Options) {
		o.CacheMaxTTL, o.BreakerFailures = 5*time.Minute, 1<<30
	})
	ctx := context.Background()
	var failed atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cid := "collapse-" + strconv.Itoa(i)
		var ready, done sync.WaitGroup
		start := make(chan struct{})
		ready.Add(callers)
		done.Add(callers)
		for j := 0; j < callers; j++ {
			go func() {
				defer done.Done()
				ready.Done()
				<-start
				if _, _, err := c.Status(ctx, zjR, cid); err != nil {
					failed.Add(1)
				}
			}()
		}
		ready.Wait()
		close(start)
		done.Wait()
	}
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d calls failed", failed.Load())
	}
	perOp := float64(peer.hits.Load()) / float64(b.N)
	b.ReportMetric(perOp, "calls-to-peer/op")
	if peer.hits.Load() != int64(b.N) {
		b.Errorf("%d requests reached the peer in %d iterations, want one each", peer.hits.Load(), b.N)
	}
}

// BenchmarkFanOut34 asks 34 provincial peers (each a Responder on
// loopback, all endorsed by one root) for one code each, in parallel, as
// the data-sharing fan-out does; the requester is the national hub's
// client. One op is one whole fan-out.
func BenchmarkFanOut34(b *testing.B) {
	n := newNation(b, append([]string{hubR}, provinces...)...)
	peers := map[string]string{}
	for _, r := range provinces {
		peers[r] = serve(b, serveResponder(n.responder(r, anyCode(time.Now, time.Minute, 0, nil), nil))).URL
	}
	c := n.client(hubR, peers, func(o *federation.Options) { o.CacheMaxTTL, o.BreakerFailures = 0, 1<<30 })
	ctx := context.Background()
	var failed atomic.Int64
	fanOut := func(cid string) {
		var wg sync.WaitGroup
		for _, r := range provinces {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if st, _, err := c.Status(ctx, r, cid); err != nil || st.Status != mapping.Green {
					failed.Add(1)
				}
			}()
		}
		wg.Wait()
	}
	fanOut("warm-up") // opens the 34 connections
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fanOut("f" + strconv.Itoa(i))
	}
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d of %d calls failed", failed.Load(), (b.N+1)*len(provinces))
	}
}
