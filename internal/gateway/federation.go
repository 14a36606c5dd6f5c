package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/store"
)

// The federation capability: this region's platform, the client asking
// peers (and relaying, on the hub), the trust list puller, data sharing,
// and the responders answering peers' status and correction requests.

// peering is what the gateway asks other gateways and its platform with.
type peering struct {
	secret   []byte             // federation.holder_key_file; nil: no data sharing
	platform federation.Source  // this region's platform; nil: none
	client   *federation.Client // nil: no peer and no platform
	puller   *federation.Puller // nil: trust.pull_from unset
	share    *sharer            // nil: no client or no holder key
}

// newPeering builds the federation's outbound side of cfg. tables holds the
// platform's format; hc (nil: a default transport, or one of the
// federation's TLS settings for peers) carries every call; platform (nil:
// as platform.kind says) replaces this region's platform, which simulated
// builds for platform.kind simulated (Options.Simulated).
func (g *Gateway) newPeering(cfg *config.Config, tables mapping.Tables, hc *http.Client, platform federation.Source,
	simulated func(*store.DB, string, []byte) federation.Source) (peering, error) {
	var p peering
	var err error
	if f := cfg.Federation.HolderKeyFile; f != "" {
		if p.secret, err = os.ReadFile(cfg.ResolvePath(f)); err != nil {
			return peering{}, fmt.Errorf("federation.holder_key_file: %w", err)
		}
	}
	var simulate func() federation.Source // nil: this command has no simulated platform
	if simulated != nil {
		simulate = func() federation.Source { return simulated(g.DB, cfg.Region, p.secret) }
	}
	if p.platform, err = newPlatform(cfg.Platform, cfg.Region, tables, hc, platform, simulate); err != nil {
		return peering{}, err
	}
	// The platform is this region's own service, asked without the
	// federation's TLS identity; the peers and the trust list with it.
	if hc, err = peerClient(cfg, hc); err != nil {
		return peering{}, err
	}
	if len(cfg.Peers) > 0 || p.platform != nil {
		if p.client, err = g.newPeerClient(cfg, hc, p.platform); err != nil {
			return peering{}, err
		}
	}
	if cfg.Trust.PullFrom != "" {
		p.puller = &federation.Puller{URL: cfg.Trust.PullFrom, Registry: g.Trust, Interval: cfg.Trust.PullInterval,
			Client: hc, Logger: g.Logger, Clock: g.timers}
	}
	if p.client != nil && len(p.secret) > 0 {
		p.share = &sharer{client: p.client, secret: p.secret, dl: cfg.Verify.Deadline, regs: g.provinces}
	}
	return p, nil
}

// peerClient is hc, or when nil and the federation has TLS settings, a
// client of them (nil otherwise: the federation client's own transport).
func peerClient(cfg *config.Config, hc *http.Client) (*http.Client, error) {
	if hc != nil || (cfg.Federation.TLSCAFile == "" && cfg.Federation.TLSCertFile == "") {
		return hc, nil
	}
	tc, err := peerTLS(cfg.Federation, cfg.ResolvePath)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: federation.NewTransport(tc, cfg.Verify.Deadline)}, nil
}

// newPlatform is this region's platform as platform.* of c says: given (a
// caller's); else for kind simulated the one simulate builds on the
// gateway's database (refused when the command has none), for kind http
// one speaking the mapping table of its format.
func newPlatform(c config.Platform, region string, tables mapping.Tables, hc *http.Client, given federation.Source,
	simulate func() federation.Source) (federation.Source, error) {
	switch c.Kind {
	case config.PlatformSimulated:
		switch {
		case given != nil:
			return given, nil
		case simulate == nil:
			return nil, errors.New("platform.kind: simulated: this command has no simulated platform (hcgw serve and hcgw demo have)")
		}
		return simulate(), nil
	case config.PlatformHTTP:
		t, err := tables.Get(c.Format)
		if err != nil {
			return nil, fmt.Errorf("platform.format: %w", err)
		}
		if t.Region != region {
			return nil, fmt.Errorf("platform.format: %s is region %s's format, not %s's", t.Format, t.Region, region)
		}
		return &federation.HTTPSource{URL: c.URL, Table: t, Client: hc}, nil
	}
	return given, nil
}

// newPeerClient is the client asking cfg.Peers and local (this region's
// platform) for live status.
func (g *Gateway) newPeerClient(cfg *config.Config, hc *http.Client, local federation.Source) (*federation.Client, error) {
	peers := map[string]string{}
	for _, p := range cfg.Peers {
		peers[p.Region] = p.URL
	}
	c, err := federation.NewClient(federation.Options{
		Region: cfg.Region, Peers: peers, Trust: g.Trust, Signers: g.Signers, Local: local,
		Clock: g.clock, Skew: cfg.Verify.ClockSkew, Deadline: cfg.Verify.Deadline, Retries: cfg.Federation.Retries,
		BreakerFailures: uint32(cfg.Federation.BreakerFailures), BreakerOpen: cfg.Federation.BreakerOpen,
		CacheMaxTTL: cfg.Federation.CacheMaxTTL, HTTPClient: hc, Logger: g.Logger,
		OnCall: g.peerCall, OnRoute: g.routeCall, // metrics and PeerStats (ops.go)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// provinces are the regions data sharing asks by default: every region
// with an endorsed key but the hub.
func (g *Gateway) provinces() []string {
	var out []string
	for _, r := range g.Trust.Snapshot().Regions() {
		if r != mapping.NationalRegion {
			out = append(out, r)
		}
	}
	return out
}

// newResponders builds what answers peers, within skew and maxHops
// (verify.clock_skew, federation.max_hops): the status responder, and the
// corrections (filed here, delivered by a loop while the gateway serves)
// with their responder; with a MySQL-protocol db the replicas share the
// request ids they saw. p's holder key (nil: none) lets travellers file by
// identity document; interval and retry time the corrections' delivery
// (0: their defaults).
func (g *Gateway) newResponders(ctx context.Context, db config.Database, skew time.Duration, maxHops int, p peering,
	interval, retry time.Duration) (answerers, *Corrections, error) {
	region := g.Config.Region
	status := &federation.Responder{Region: region, Trust: g.Trust, Signers: g.Signers, Source: p.platform,
		Relay: p.client, Clock: g.clock, Skew: skew, MaxHops: maxHops, Logger: g.Logger}
	if db.Driver == config.DriverMySQL {
		// Replicas of one region share a MySQL-protocol database: a request
		// one accepted is refused by all. (The embedded SQLite serves one
		// process, whose own cache suffices.)
		status.Shared = g.DB
	}
	if err := status.Init(); err != nil {
		return answerers{}, nil, err
	}
	corr := newCorrections(g, p.secret, interval, retry)
	if n, err := g.DB.RetryCorrectionsNow(ctx, g.clock()); err != nil {
		return answerers{}, nil, err
	} else if n > 0 {
		g.Logger.Info("pending corrections to deliver", "count", n)
	}
	peer := &federation.CorrectionResponder{Region: region, Trust: g.Trust, Signers: g.Signers, Inbox: corr,
		Source: p.platform, Relay: p.client, Clock: g.clock, Skew: skew, MaxHops: maxHops, Logger: g.Logger}
	if region == mapping.NationalRegion {
		peer.Inbox = nil // the hub relays; it resolves nothing
	}
	peer.Shared = status.Shared
	if err := peer.Init(); err != nil {
		return answerers{}, nil, err
	}
	return answerers{status: status, corrections: peer}, corr, nil
}
