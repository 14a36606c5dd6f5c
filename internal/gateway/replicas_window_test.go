package gateway

import (
	"testing"
	"time"
)

// TestTrustWindowFloor: a refresh pass reads from the high-water mark of
// the latest pass at least lateCommit old, not from the newest mark, and
// forgets the marks it no longer needs.
func TestTrustWindowFloor(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	r := &trustRefresh{}
	if f := r.floor(t0); f != 0 {
		t.Fatalf("no pass yet: floor %d, want 0", f)
	}
	// A pass every 10 s, the mark rising by 3 each (three Galera nodes).
	for i := 0; i <= 12; i++ {
		r.marks = append(r.marks, hwMark{at: t0.Add(time.Duration(i) * 10 * time.Second), hw: int64(3 * i)})
	}
	for _, tc := range []struct {
		at   time.Duration // after t0
		want int64
	}{
		{30 * time.Second, 0},             // nothing a minute old yet
		{time.Minute, 0},                  // the first mark is exactly a minute old
		{time.Minute + 10*time.Second, 3}, // the second is
		{90 * time.Second, 9},
		{2 * time.Minute, 18},
		{10 * time.Minute, 36}, // the newest is old enough
	} {
		if f := r.floor(t0.Add(tc.at)); f != tc.want {
			t.Errorf("at +%s: floor %d, want %d", tc.at, f, tc.want)
		}
	}
	if len(r.marks) != 1 || r.marks[0].hw != 36 {
		t.Fatalf("kept %d marks (%v), want the newest alone", len(r.marks), r.marks)
	}
}

// TestTrustWindowKeepsAMinuteAtALongPeriod: at the longest trust.db_refresh
// a row committed 30 s after a higher one was read is still inside the
// next pass's window (the period is added to the minute).
func TestTrustWindowKeepsAMinuteAtALongPeriod(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	r := &trustRefresh{every: time.Minute}
	r.marks = []hwMark{{at: t0, hw: 4}, {at: t0.Add(time.Minute), hw: 9}}
	if f := r.floor(t0.Add(2 * time.Minute)); f != 4 {
		t.Fatalf("floor %d at the pass after the one that read 9; want 4, so that a later row 7 is read", f)
	}
}

// TestAStaleTrustRefreshFailsReadiness: a replica whose refresh has not
// completed for a minute (ten periods at least) reports it, so that
// /readyz fails; one that keeps up, or runs none, reports nothing.
func TestAStaleTrustRefreshFailsReadiness(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name            string
		started, lastOK time.Duration // before now; 0: never
		every           time.Duration
		stale           bool
	}{
		{"no refresh runs (SQLite)", 0, 0, 0, false},
		{"started, no pass yet, within the limit", 30 * time.Second, 0, 2 * time.Second, false},
		{"started, no pass for two minutes", 2 * time.Minute, 0, 2 * time.Second, true},
		{"a pass 2 s ago", 10 * time.Minute, 2 * time.Second, 2 * time.Second, false},
		{"the last pass 61 s ago", 10 * time.Minute, 61 * time.Second, 2 * time.Second, true},
		{"the last pass 61 s ago at a 10 s period", 10 * time.Minute, 61 * time.Second, 10 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &Gateway{}
			g.shared.trust.every = tc.every
			if tc.started > 0 {
				g.shared.trust.started.Store(now.Add(-tc.started).UnixNano())
			}
			if tc.lastOK > 0 {
				g.shared.trust.lastOK.Store(now.Add(-tc.lastOK).UnixNano())
			}
			if got := g.trustStale(now); (got != "") != tc.stale {
				t.Fatalf("trustStale = %q, want stale %v", got, tc.stale)
			}
		})
	}
}
