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
