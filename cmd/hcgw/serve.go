package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

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
	return g.Serve(ctx)
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
