package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/all"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// cmdVerify verifies one code offline: signature and validity against a
// trust directory, no database, no network. Exit 0 when valid.
func cmdVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("verify")
	cfgPath := fs.String("config", "", "take anchors and endorsements_dir from this configuration")
	var anchorPaths multiFlag
	fs.Var(&anchorPaths, "anchor", "national root public JWK (repeatable)")
	dir := fs.String("trust", "", "folder of endorsement / revocation JWS files")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "hcgw verify: usage: hcgw verify (--config FILE | --anchor ROOT.pub.jwk --trust DIR) CODE|-")
		return 2
	}
	code := fs.Arg(0)
	if code == "-" {
		line, err := bufio.NewReader(io.LimitReader(stdin, 1<<20)).ReadString('\n')
		if err != nil && err != io.EOF {
			fmt.Fprintln(stderr, "hcgw verify:", err)
			return 1
		}
		code = strings.TrimSpace(line)
	}
	var cfg *config.Config
	if *cfgPath != "" {
		c, err := config.Load(*cfgPath)
		if err != nil {
			fmt.Fprintln(stderr, "hcgw verify:", err)
			return 1
		}
		cfg = c
	}
	reg, err := offlineRegistry(cfg, anchorPaths, *dir)
	if err != nil {
		fmt.Fprintln(stderr, "hcgw verify:", err)
		return 1
	}
	ads, err := offlineAdapters(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "hcgw verify:", err)
		return 1
	}
	bounds := config.Default() // the skew and code size of cfg, else the defaults
	if cfg != nil {
		bounds = *cfg
	}
	v := &verify.Verifier{Adapters: ads, Trust: reg, Clock: time.Now, Skew: bounds.Verify.ClockSkew,
		MaxCodeBytes: bounds.Server.MaxCodeBytes}
	vd, _ := v.Evaluate(context.Background(), code)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(vd)
	if vd.Result != fault.Valid {
		return 1
	}
	return 0
}

// offlineAdapters registers every shipped format, with the mapping tables
// of cfg (nil: the built-in ones).
func offlineAdapters(cfg *config.Config) (*adapters.Registry, error) {
	if cfg == nil {
		d := config.Default()
		cfg = &d
	}
	tables, err := gateway.LoadTables(cfg)
	if err != nil {
		return nil, err
	}
	return all.Registry(tables)
}

// offlineRegistry is the trust registry of cfg's anchors, endorsements and
// DSC file (cfg may be nil), and of anchorPaths and dir.
func offlineRegistry(cfg *config.Config, anchorPaths []string, dir string) (*trust.Registry, error) {
	var jwks [][]byte
	var dscFile string
	if cfg != nil {
		for i, a := range cfg.Trust.Anchors {
			b, err := a.Bytes()
			if err != nil {
				return nil, fmt.Errorf("trust.anchors[%d]: %w", i, err)
			}
			jwks = append(jwks, b)
		}
		if dir == "" {
			dir = cfg.ResolvePath(cfg.Trust.EndorsementsDir)
		}
		dscFile = cfg.ResolvePath(cfg.Trust.DSCFile)
	}
	for _, p := range anchorPaths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		jwks = append(jwks, b)
	}
	anchors, err := trust.NewAnchors(jwks...)
	if err != nil {
		return nil, err
	}
	reg := trust.NewRegistry(anchors, nil)
	if dir != "" {
		if _, err := reg.LoadDir(context.Background(), dir); err != nil {
			return nil, err
		}
	}
	if dscFile != "" {
		if _, err := reg.LoadDSCFile(dscFile); err != nil {
			return nil, err
		}
	}
	return reg, nil
}
