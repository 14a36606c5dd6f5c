package httpapi

import (
	"testing"
	"time"
)

func TestServerTiming(t *testing.T) {
	for d, want := range map[time.Duration]string{
		2613 * time.Microsecond:  "issuer;dur=2.613",
		time.Microsecond:         "issuer;dur=0.001",
		400 * time.Nanosecond:    "issuer;dur=0.000",
		1500 * time.Millisecond:  "issuer;dur=1500.000",
		2*time.Millisecond + 499: "issuer;dur=2.000",
	} {
		if got := serverTiming(d); got != want {
			t.Errorf("serverTiming(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestParseServerTiming(t *testing.T) {
	// What the gateway writes reads back to the microsecond.
	for _, d := range []time.Duration{0, time.Microsecond, 2613 * time.Microsecond, 90 * time.Second, 9_999_999_999_999 * time.Microsecond} {
		if got, err := ParseServerTiming(serverTiming(d)); err != nil || got != d {
			t.Errorf("ParseServerTiming(serverTiming(%v)) = %v, %v", d, got, err)
		}
	}
	for _, bad := range []string{
		"", "issuer;dur=", "issuer;dur=2", "issuer;dur=2.61", "issuer;dur=2.6130", "issuer;dur=.613",
		"issuer;dur=-2.613", "issuer;dur=+2.613", "issuer;dur=NaN", "issuer;dur=Inf", "issuer;dur=1e3.000",
		"issuer;dur=0x1.000", "issuer; dur=2.613", "Issuer;dur=2.613", "issuer;dur=2.613, db;dur=1.000",
		"issuer;dur=10000000000000.000", "issuer;dur=2.6 3", "issuer;dur=1_000.000", "issuer;dur=2.-13",
	} {
		if d, err := ParseServerTiming(bad); err == nil {
			t.Errorf("ParseServerTiming(%q) = %v, want an error", bad, d)
		}
	}
}

// FuzzParseServerTiming: no input panics, and whatever is accepted is a
// duration the gateway writes the same way back (up to leading zeros).
func FuzzParseServerTiming(f *testing.F) {
	for _, s := range []string{"issuer;dur=2.613", "issuer;dur=0.000", "issuer;dur=999999999999.999", "issuer;dur=9999999999999.999", "issuer;dur=NaN", "issuer;dur=01.000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseServerTiming(s)
		if err != nil {
			return
		}
		if d < 0 || d%time.Microsecond != 0 {
			t.Fatalf("%q -> %v", s, d)
		}
		if again, err := ParseServerTiming(serverTiming(d)); err != nil || again != d {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, d, serverTiming(d), again, err)
		}
	})
}
