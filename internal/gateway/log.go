package gateway

import (
	"io"
	"log/slog"
	"strings"

	"github.com/hcgw/hcgw/config"
)

// NewLogger builds the structured logger of cfg. Nothing hcgw logs carries
// holder data: only masked forms exist past the adapters.
func NewLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var lvl slog.Level
	switch strings.ToLower(cfg.Level) {
	case "debug":
		lvl = slog.LevelDebug
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
