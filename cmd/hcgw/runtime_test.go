package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"

	"github.com/hcgw/hcgw/config"
)

// TestApplyRuntime: runtime.gc_percent sets the collector's percentage,
// and a GOGC variable leaves the runtime's own setting alone.
func TestApplyRuntime(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	tests := map[string]struct {
		gogc string
		want int
	}{
		"no GOGC: the key":   {"", 250},
		"GOGC set: Go's own": {"150", 100}, // the runtime read GOGC at start; applyRuntime leaves it
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			debug.SetGCPercent(100)
			applyRuntime(config.Runtime{GCPercent: 250}, log)
			if got := debug.SetGCPercent(100); got != tc.want {
				t.Fatalf("GC percent = %d, want %d", got, tc.want)
			}
		})
	}
}
