package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/store"
)

func loadConfig(name string, args []string) (*config.Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	path := fs.String("config", "", "configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return nil, usageError(err.Error())
	}
	if fs.NArg() > 0 {
		return nil, usageError(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if *path == "" {
		return config.LoadEnvOnly()
	}
	return config.Load(*path)
}

func cmdServe(args []string, stderr io.Writer) error {
	cfg, err := loadConfig("serve", args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g, err := gateway.New(ctx, cfg, gateway.Options{Logger: gateway.NewLogger(cfg.Log, stderr), Simulated: provsim.NewPlatform})
	if err != nil {
		return err
	}
	if _, err := g.Listen(""); err != nil {
		_ = g.Close(context.Background())
		return err
	}
	applyRuntime(cfg.Runtime, g.Logger)
	if cfg.Debug.PprofAddr != "" {
		stopProfiles, err := serveProfiles(cfg.Debug.PprofAddr, g.Logger)
		if err != nil {
			_ = g.Close(context.Background())
			return err
		}
		defer stopProfiles()
	}
	return g.Serve(ctx)
}

// applyRuntime sets the collector's percentage from runtime.gc_percent,
// unless GOGC is set: the operator's variable is Go's own and wins.
func applyRuntime(rt config.Runtime, log *slog.Logger) {
	if v := os.Getenv("GOGC"); v != "" {
		// Go reads GOGC itself (and falls back to 100 on a value it cannot
		// read): what it holds is logged as given, not as in force.
		log.Info("collector", "GOGC", v, "runtime.gc_percent", "ignored")
		return
	}
	debug.SetGCPercent(rt.GCPercent)
	log.Info("collector", "gc_percent", rt.GCPercent, "from", "runtime.gc_percent")
}

// serveProfiles serves net/http/pprof on a listener of its own at addr (a
// loopback address, config's rule), so that no profile is ever reachable
// through the API's listener, its TLS or its clients' tokens.
func serveProfiles(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug.pprof_addr: listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Info("serving profiles", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("profiles", "error", err.Error())
		}
	}()
	return func() { _ = srv.Close() }, nil
}

func cmdMigrate(args []string, stdout io.Writer) error {
	cfg, err := loadConfig("migrate", args)
	if err != nil {
		return err
	}
	db, err := store.Open(cfg.Database.Driver, cfg.Database.DSN)
	if err != nil {
		return fmt.Errorf("database (%s %s): %w", cfg.Database.Driver, config.RedactDSN(cfg.Database.DSN), err)
	}
	fmt.Fprintf(stdout, "schema up to date on %s %s\n", cfg.Database.Driver, config.RedactDSN(cfg.Database.DSN))
	return db.Close()
}
