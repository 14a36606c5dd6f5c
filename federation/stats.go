package federation

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// Defaults of PeerStats.
const (
	// PeerStatsCalls is how many calls a peer's ring keeps.
	PeerStatsCalls = 256
	// RecentWindow is the span PeerStats.Recent reports on by default.
	RecentWindow = 5 * time.Minute
)

// PeerStats keeps the last calls to each peer (duration, outcome, when) in a
// ring of fixed size, for the operator page: recent latency and error
// counts without a metrics server. Record is meant as (part of) a Client's
// Options.OnCall hook. The zero value keeps PeerStatsCalls calls a peer and
// reads the wall clock; it is safe for concurrent use.
type PeerStats struct {
	// Capacity is the ring size per peer (≤ 0: PeerStatsCalls); set it
	// before the first Record.
	Capacity int
	// Now is the clock the calls are stamped with (nil: time.Now). It is
	// the wall clock, not a gateway's injected validity clock: latency is
	// about real time.
	Now func() time.Time

	mu    sync.RWMutex
	rings map[string]*callRing
}

// NewPeerStats returns a recorder keeping capacity calls a peer (≤ 0:
// PeerStatsCalls) stamped by now (nil: time.Now).
func NewPeerStats(capacity int, now func() time.Time) *PeerStats {
	return &PeerStats{Capacity: capacity, Now: now}
}

type call struct {
	at      time.Time
	took    time.Duration
	outcome string
}

// callRing is one peer's last calls; next is where the next call goes, n
// how many slots are filled.
type callRing struct {
	mu    sync.Mutex
	calls []call
	next  int
	n     int
}

func (s *PeerStats) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Record notes one call to peer: how long it took and its outcome ("ok",
// "unknown_code", "circuit_open", "error" or "upstream_error", as
// Options.OnCall and OnRoute report).
// Beyond the ring's capacity the oldest call is forgotten.
func (s *PeerStats) Record(peer string, took time.Duration, outcome string) {
	at := s.now()
	s.mu.RLock()
	r := s.rings[peer]
	s.mu.RUnlock()
	if r == nil {
		s.mu.Lock()
		if s.rings == nil {
			s.rings = map[string]*callRing{}
		}
		if r = s.rings[peer]; r == nil {
			size := s.Capacity
			if size <= 0 {
				size = PeerStatsCalls
			}
			r = &callRing{calls: make([]call, size)}
			s.rings[peer] = r
		}
		s.mu.Unlock()
	}
	r.mu.Lock()
	r.calls[r.next] = call{at: at, took: took, outcome: outcome}
	r.next = (r.next + 1) % len(r.calls)
	if r.n < len(r.calls) {
		r.n++
	}
	r.mu.Unlock()
}

// PeerSummary is what a peer's recent calls show.
type PeerSummary struct {
	// Calls counts the calls of the window, every outcome; Errors those
	// that failed: "error", and "circuit_open" (refused without asking
	// because the breaker was open). "unknown_code" is a healthy answer, and
	// so is "upstream_error" for the hub (the region behind it failed; its
	// own route counts that).
	Calls, Errors int
	// Timed counts the calls the percentiles are over: those that reached
	// the peer (all but circuit_open). P50 and P95 are zero when it is 0.
	Timed    int
	P50, P95 time.Duration
}

// Recent summarises the calls to peer of the last window (≤ 0:
// RecentWindow) that are still in its ring. The percentiles are by
// nearest rank.
func (s *PeerStats) Recent(peer string, window time.Duration) PeerSummary {
	if window <= 0 {
		window = RecentWindow
	}
	s.mu.RLock()
	r := s.rings[peer]
	s.mu.RUnlock()
	var out PeerSummary
	if r == nil {
		return out
	}
	since := s.now().Add(-window)
	var took []time.Duration
	r.mu.Lock()
	for i := 0; i < r.n; i++ {
		c := r.calls[i]
		if c.at.Before(since) {
			continue
		}
		out.Calls++
		switch c.outcome {
		case "error", "circuit_open":
			out.Errors++
		}
		if c.outcome != "circuit_open" {
			took = append(took, c.took)
		}
	}
	r.mu.Unlock()
	out.Timed = len(took)
	if len(took) > 0 {
		slices.Sort(took)
		out.P50, out.P95 = nearestRank(took, 50), nearestRank(took, 95)
	}
	return out
}

// Peers lists the peers with at least one recorded call, sorted.
func (s *PeerStats) Peers() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.rings))
	for p := range s.rings {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// nearestRank is the p-th percentile of sorted (not empty): the smallest
// value with at least p % of the values at or below it.
func nearestRank(sorted []time.Duration, p int) time.Duration {
	k := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
	if k < 1 {
		k = 1
	}
	return sorted[k-1]
}
