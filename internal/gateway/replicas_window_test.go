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
