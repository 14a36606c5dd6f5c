package gateway_test

import (
	"io"
	"log/slog"
	"testing"
)

func testLogger(t testing.TB) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewJSONHandler(io.Discard, nil))
}
