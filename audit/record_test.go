package audit

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestNewIDIsAUUIDv7CarryingTheTime(t *testing.T) {
	lastV7.Store(0) // forget earlier tests' ids: NewID never goes back
	at := time.Date(2026, 11, 23, 8, 0, 0, 123_456_789, time.UTC)
	id := NewID(at)
	u, err := uuid.Parse(id)
	if err != nil {
		t.Fatalf("NewID %q: %v", id, err)
	}
	if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
		t.Fatalf("NewID %q: version %d variant %v, want 7 RFC4122", id, u.Version(), u.Variant())
	}
	if len(id) != 36 {
		t.Fatalf("NewID %q: %d characters, want 36", id, len(id))
	}
	var ms [8]byte
	copy(ms[2:], u[:6])
	if got := int64(binary.BigEndian.Uint64(ms[:])); got < at.UnixMilli() || got > at.UnixMilli() {
		t.Fatalf("NewID %q carries %d ms, want %d", id, got, at.UnixMilli())
	}
}

func TestNewIDsMadeLaterSortLater(t *testing.T) {
	tests := map[string]func(i int) time.Time{
		"one instant":       func(int) time.Time { return time.Unix(1_800_000_000, 0) },
		"advancing clock":   func(i int) time.Time { return time.Unix(1_800_000_001, int64(i)*1000) },
		"clock steps back":  func(i int) time.Time { return time.Unix(1_800_000_002, int64(1000-i)*1000) },
		"sub-millisecond":   func(i int) time.Time { return time.Unix(1_800_000_003, int64(i)) },
		"across the epochs": func(i int) time.Time { return time.Unix(1_800_000_004+int64(i)*86400, 0) },
	}
	for name, at := range tests {
		t.Run(name, func(t *testing.T) {
			prev := NewID(at(0))
			for i := 1; i < 1000; i++ {
				id := NewID(at(i))
				if id <= prev {
					t.Fatalf("id %d %q does not sort after %q", i, id, prev)
				}
				prev = id
			}
		})
	}
}

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	now := time.Now()
	for b.Loop() {
		_ = NewID(now)
	}
}
