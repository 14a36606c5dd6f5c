package federation_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hcgw/hcgw/federation"
)

// manualClock is a clock a test moves by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestPeerStatsPercentilesByNearestRank(t *testing.T) {
	clk := &manualClock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	s := federation.NewPeerStats(0, clk.now)
	// 1 ms … 100 ms, shuffled by a stride coprime to 100.
	for i := 0; i < 100; i++ {
		ms := (i*37)%100 + 1
		s.Record("330000", time.Duration(ms)*time.Millisecond, "ok")
	}
	got := s.Recent("330000", 0)
	want := federation.PeerSummary{Calls: 100, Timed: 100, P50: 50 * time.Millisecond, P95: 95 * time.Millisecond}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}

	one := federation.NewPeerStats(0, clk.now)
	one.Record("110000", 7*time.Millisecond, "ok")
	if got := one.Recent("110000", 0); got.P50 != 7*time.Millisecond || got.P95 != 7*time.Millisecond || got.Calls != 1 {
		t.Fatalf("one call: %+v", got)
	}
	if got := one.Recent("440000", 0); got != (federation.PeerSummary{}) {
		t.Fatalf("a peer never called: %+v", got)
	}
}

func TestPeerStatsCountsOutcomes(t *testing.T) {
	clk := &manualClock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	s := federation.NewPeerStats(0, clk.now)
	s.Record("000000", 10*time.Millisecond, "ok")
	s.Record("000000", 20*time.Millisecond, "unknown_code") // a healthy answer
	s.Record("000000", 1500*time.Millisecond, "error")      // a timeout: slow, and counted
	s.Record("000000", 2*time.Microsecond, "circuit_open")  // never asked: not timed
	got := s.Recent("000000", 0)
	want := federation.PeerSummary{Calls: 4, Errors: 2, Timed: 3, P50: 20 * time.Millisecond, P95: 1500 * time.Millisecond}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if peers := s.Peers(); len(peers) != 1 || peers[0] != "000000" {
		t.Fatalf("peers %v", peers)
	}
}

// Calls older than the window are not reported; the window's edge is
// inclusive.
func TestPeerStatsWindow(t *testing.T) {
	clk := &manualClock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	s := federation.NewPeerStats(0, clk.now)
	s.Record("310000", 900*time.Millisecond, "error")
	clk.advance(time.Minute)
	s.Record("310000", 5*time.Millisecond, "ok")
	clk.advance(4 * time.Minute) // the first call is exactly 5 minutes old
	if got := s.Recent("310000", federation.RecentWindow); got.Calls != 2 || got.Errors != 1 {
		t.Fatalf("at the edge: %+v", got)
	}
	clk.advance(time.Nanosecond)
	got := s.Recent("310000", 0)
	if got != (federation.PeerSummary{Calls: 1, Timed: 1, P50: 5 * time.Millisecond, P95: 5 * time.Millisecond}) {
		t.Fatalf("past the edge: %+v", got)
	}
	clk.advance(time.Hour)
	if got := s.Recent("310000", 0); got != (federation.PeerSummary{}) {
		t.Fatalf("an hour later: %+v", got)
	}
}

// The ring keeps the last Capacity calls and no more, however many come.
func TestPeerStatsIsBounded(t *testing.T) {
	clk := &manualClock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	s := federation.NewPeerStats(0, clk.now)
	// 10,000 slow errors, then 256 fast successes: only the latter remain.
	for i := 0; i < 10_000; i++ {
		s.Record("440000", time.Second, "error")
	}
	for i := 0; i < federation.PeerStatsCalls; i++ {
		s.Record("440000", time.Duration(i+1)*time.Microsecond, "ok")
	}
	got := s.Recent("440000", 0)
	if got.Calls != federation.PeerStatsCalls || got.Errors != 0 || got.P95 > federation.PeerStatsCalls*time.Microsecond {
		t.Fatalf("after %d calls: %+v", 10_000+federation.PeerStatsCalls, got)
	}
	if got.P50 != 128*time.Microsecond || got.P95 != 244*time.Microsecond { // ceil(.95·256) = 244
		t.Fatalf("percentiles %+v", got)
	}

	small := federation.NewPeerStats(3, clk.now)
	for i := 1; i <= 5; i++ {
		small.Record("x", time.Duration(i)*time.Millisecond, "ok")
	}
	if got := small.Recent("x", 0); got.Calls != 3 || got.P50 != 4*time.Millisecond || got.P95 != 5*time.Millisecond {
		t.Fatalf("capacity 3: %+v", got)
	}
}

// Record and Recent from many goroutines (run with -race); the zero value
// is usable.
func TestPeerStatsConcurrent(t *testing.T) {
	var s federation.PeerStats
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			peer := fmt.Sprintf("%d", g%3)
			for i := 0; i < 500; i++ {
				s.Record(peer, time.Millisecond, "ok")
				_ = s.Recent(peer, time.Minute)
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, p := range s.Peers() {
		total += s.Recent(p, 0).Calls
	}
	if total != 3*federation.PeerStatsCalls {
		t.Fatalf("%d calls kept, want %d", total, 3*federation.PeerStatsCalls)
	}
}
