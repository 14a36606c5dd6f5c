package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/trust"
)

// The trust capability: the national anchors, this gateway's own keys, and
// the registry of endorsements, revocations, rules and document signers.

// loadKeys reads the anchors (trust.anchors) and this gateway's own signing
// keys (keys), before anything is opened: a bad key stops the gateway first.
func loadKeys(c config.Trust, keys []string, resolve func(string) string, log *slog.Logger) (trust.Anchors, []trust.Signer, error) {
	var anchorJWKs [][]byte
	for i, a := range c.Anchors {
		b, err := a.Bytes()
		if err != nil {
			return nil, nil, fmt.Errorf("trust.anchors[%d]: %w", i, err)
		}
		anchorJWKs = append(anchorJWKs, b)
	}
	// With no anchor the gateway still starts (DESIGN §10: `hcgw serve`
	// alone starts) but trusts nothing: every code is invalid and /readyz
	// says why.
	anchors := trust.Anchors{}
	if len(anchorJWKs) > 0 {
		var err error
		if anchors, err = trust.NewAnchors(anchorJWKs...); err != nil {
			return nil, nil, fmt.Errorf("trust.anchors: %w", err)
		}
	} else {
		log.Warn("no trust anchor configured (trust.anchors): this gateway trusts no key until one is")
	}
	var signers []trust.Signer
	for i, path := range keys {
		s, err := trust.LoadPrivateJWK(resolve(path))
		if err != nil {
			return nil, nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		signers = append(signers, s)
	}
	return anchors, signers, nil
}

// newTrust builds the registry over st and loads it: what the database
// holds (checked again against anchors), then trust.endorsements_dir and
// trust.dsc_file.
func newTrust(ctx context.Context, c config.Trust, skew time.Duration, resolve func(string) string, anchors trust.Anchors,
	st trust.Store, log *slog.Logger) (*trust.Registry, error) {
	// The budget is the process's: every gateway of a test process sets the
	// same configured value.
	trust.SetKeyTables(c.KeyTables)
	reg := trust.NewRegistry(anchors, st, trust.WithSkew(skew))
	loaded, skipped, err := reg.LoadStore(ctx)
	if err != nil {
		return nil, err
	}
	if skipped > 0 {
		log.Warn("stored trust entries no longer verify against the configured anchors; ignored", "count", skipped)
	}
	if dir := c.EndorsementsDir; dir != "" {
		n, err := reg.LoadDir(ctx, resolve(dir))
		if err != nil {
			return nil, err
		}
		loaded += n
	}
	if f := c.DSCFile; f != "" {
		n, err := reg.LoadDSCFile(resolve(f))
		if err != nil {
			return nil, err
		}
		log.Info("document signers loaded", "count", n)
	}
	log.Info("trust registry loaded", "keys", reg.Snapshot().Len(), "new_entries", loaded,
		"version", reg.Snapshot().Version())
	return reg, nil
}
