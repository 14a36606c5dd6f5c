package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/internal/metrics"
	"github.com/hcgw/hcgw/qr"
	"github.com/hcgw/hcgw/store"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// Gateway is one running gateway.
type Gateway struct {
	Config   *config.Config
	DB       *store.DB
	Trust    *trust.Registry
	Signers  []trust.Signer
	Audit    *audit.Writer
	Verifier *verify.Verifier
	Peers    *federation.Client // nil when the gateway has no peer and no platform
	Metrics  *metrics.Metrics
	Puller   *federation.Puller // nil unless trust.pull_from is set
	Platform federation.Source  // this region's platform, nil when none
	QR       *qr.Decoder        // POST /v1/qr/decode's decoder, within qr.* bounds
	Handler  http.Handler
	Logger   *slog.Logger

	// PeerStats keeps each peer's last calls for the operator overview.
	PeerStats *federation.PeerStats
	// Corrections files, delivers and resolves correction tickets
	// (corrections.go); its delivery loop runs while the gateway serves.
	Corrections *Corrections

	shared shared // what this replica shares with the others through the database (replicas.go)

	server   *http.Server
	ln       net.Listener
	clock    func() time.Time
	timers   clockwork.Clock
	tls      *tls.Config
	cleanups []cleanup // of the parts opened, in order (Close runs them last first)
}

// expiryWarnings names every key whose endorsements in force end within
// trust.expiry_warning: an operator sees it in /readyz and the log well
// before a region silently stops verifying.
func (g *Gateway) expiryWarnings() []string {
	within := g.Config.Trust.ExpiryWarning
	if within <= 0 {
		return nil
	}
	now := g.clock()
	var out []string
	for _, e := range g.Trust.Snapshot().Expiring(now, within) {
		out = append(out, fmt.Sprintf("the endorsement of key %s (region %s) ends %s, in %.1f days: endorse it again or rotate",
			e.Kid, e.Sub, e.NotAfter.UTC().Format(time.RFC3339), e.Left(now).Hours()/24))
	}
	return out
}

// watchExpiry logs the expiry warnings at start and every hour.
func (g *Gateway) watchExpiry(ctx context.Context) {
	t := g.timers.NewTicker(time.Hour)
	defer t.Stop()
	for {
		for _, w := range g.expiryWarnings() {
			g.Logger.Warn("trust: key about to lapse", "warning", w)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
	}
}

// Options are the parts a caller may replace (tests inject a clock).
type Options struct {
	Clock func() time.Time
	// Timers runs the gateway's loops and the audit writer's and trust
	// puller's timers (nil: the real clock); when Clock is nil it is
	// Timers.Now, so a test steps one fake clock.
	Timers clockwork.Clock
	Logger *slog.Logger
	// Platform is this region's own status source (the provincial
	// platform behind the gateway); nil: none.
	Platform federation.Source
	// Simulated builds the simulated provincial platform of platform.kind:
	// simulated on the gateway's database (internal/provsim.NewPlatform,
	// which no production package imports: the commands give it); nil: such
	// a configuration is refused.
	Simulated func(db *store.DB, region string, holderSecret []byte) federation.Source
	// HTTPClient for calls to peers (tests); nil: a default transport.
	HTTPClient *http.Client
	// CorrectionInterval is how often pending corrections are delivered
	// and open ones asked about; 0: DefaultCorrectionInterval.
	CorrectionInterval time.Duration
	// CorrectionRetry is a pending correction's first wait before it is
	// tried again (doubling from there); 0: CorrectionInterval.
	CorrectionRetry time.Duration
}

// New builds a gateway from cfg, one capability after the other: trust,
// records, formats and rules, federation, issuing, HTTP. Any problem stops
// it: it never starts half configured (what was opened is closed again).
func New(ctx context.Context, cfg *config.Config, opt Options) (_ *Gateway, err error) {
	opt = opt.orDefaults(cfg)
	g := &Gateway{Config: cfg, Logger: opt.Logger, clock: opt.Clock, timers: opt.Timers, PeerStats: federation.NewPeerStats(0, nil)}
	defer func() {
		if err != nil {
			_ = g.Close(context.Background()) // what was opened, last first
		}
	}()
	anchors, signers, err := loadKeys(cfg.Trust, cfg.Keys, cfg.ResolvePath, g.Logger)
	if err != nil {
		return nil, err
	}
	g.Signers = signers
	db, closeDB, err := openRecords(ctx, cfg.Database, g.clock(), g.Logger)
	if err != nil {
		return nil, err
	}
	g.DB, g.cleanups = db, append(g.cleanups, closeDB)
	if g.Trust, err = newTrust(ctx, cfg.Trust, cfg.Verify.ClockSkew, cfg.ResolvePath, anchors, trustStore{db}, g.Logger); err != nil {
		return nil, err
	}
	f, err := loadFormats(cfg)
	if err != nil {
		return nil, err
	}
	g.Metrics = g.newMetrics()
	w, closeAudit := newAudit(db, cfg.Audit, verify.DefaultRecordTimeout, g.Metrics.Commit, g.timers)
	g.Audit, g.cleanups = w, append(g.cleanups, closeAudit)
	p, err := g.newPeering(cfg, f.tables, opt.HTTPClient, opt.Platform, opt.Simulated)
	if err != nil {
		return nil, err
	}
	g.Platform, g.Peers, g.Puller = p.platform, p.client, p.puller
	g.Verifier = g.newVerifier(cfg.Verify, cfg.Server.MaxCodeBytes, f, p)
	g.QR = qr.NewDecoder(qr.Limits{MaxDecodeBytes: cfg.QR.MaxDecodeBytes, MaxConcurrent: cfg.QR.MaxConcurrent})
	a, corrections, err := g.newResponders(ctx, cfg.Database, cfg.Verify.ClockSkew, cfg.Federation.MaxHops, p,
		opt.CorrectionInterval, opt.CorrectionRetry)
	if err != nil {
		return nil, err
	}
	g.Corrections = corrections
	if g.Handler, g.tls, err = g.newHTTP(cfg.Server, cfg.Clients, cfg.ResolvePath, p, a, g.newIssuer()); err != nil {
		return nil, err
	}
	return g, nil
}

// orDefaults fills what the caller left out: the real clock for timers,
// Timers.Now for the time (a test steps one fake clock), and the logger of
// cfg.log writing to stderr.
func (o Options) orDefaults(cfg *config.Config) Options {
	if o.Timers == nil {
		o.Timers = clockwork.NewRealClock()
	}
	if o.Clock == nil {
		o.Clock = o.Timers.Now
	}
	if o.Logger == nil {
		o.Logger = NewLogger(cfg.Log, os.Stderr)
	}
	return o
}

func (g *Gateway) ready(ctx context.Context) []string {
	var problems []string
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := g.DB.Ping(pctx); err != nil {
		problems = append(problems, "database: not reachable")
	}
	if len(g.Trust.Anchors()) == 0 {
		problems = append(problems, "trust: no anchor configured (trust.anchors)")
	} else if g.Trust.Snapshot().Len() == 0 {
		problems = append(problems, "trust: no endorsed key loaded")
	}
	if p := g.trustStale(time.Now()); p != "" {
		problems = append(problems, p)
	}
	return problems
}

// Listen binds the configured address (or addr when not empty).
func (g *Gateway) Listen(addr string) (net.Addr, error) {
	if addr == "" {
		addr = g.Config.Listen
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	g.UseListener(ln)
	return ln.Addr(), nil
}

// UseListener serves on a listener the caller opened (tests and the demo
// open every port first, then configure peers with them). With
// server.tls_cert_file it serves HTTPS.
func (g *Gateway) UseListener(ln net.Listener) {
	if g.tls != nil {
		ln = tls.NewListener(ln, g.tls)
	}
	g.ln = ln
	s := g.Config.Server
	g.server = httpapi.NewServer(g.Handler, ln.Addr().String(), s.ReadTimeout, s.ReadHeaderTimeout, s.WriteTimeout, s.IdleTimeout)
}

// Serve answers until ctx ends, then shuts down gracefully: in-flight
// verifications finish, queued records are flushed, the database closed.
func (g *Gateway) Serve(ctx context.Context) error {
	if g.ln == nil {
		if _, err := g.Listen(""); err != nil {
			return err
		}
	}
	g.Logger.Info("serving", "addr", g.ln.Addr().String(), "region", g.Config.Region)
	errc := make(chan error, 1)
	go func() { errc <- g.server.Serve(g.ln) }()
	if g.Puller != nil {
		go g.Puller.Run(ctx)
	}
	go g.watchExpiry(ctx)
	go g.watchTrust(ctx)
	go g.watchRecords(ctx)
	if g.Config.Database.Driver == config.DriverMySQL {
		go g.watchReplays(ctx)
	}
	corrCtx, stopCorr := context.WithCancel(ctx)
	defer stopCorr()
	corrDone := make(chan struct{})
	go func() { defer close(corrDone); g.Corrections.Run(corrCtx) }()
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), g.Config.Server.ShutdownTimeout)
	defer cancel()
	if err := g.server.Shutdown(sctx); err != nil {
		g.Logger.Warn("shutdown", "error", err.Error())
	}
	// The loop's last step ends before the database closes.
	stopCorr()
	<-corrDone
	return errors.Join(ignoreClosed(serveErr), g.Close(sctx))
}

// Close flushes the records and closes the database: the cleanups of the
// parts New opened, last first.
func (g *Gateway) Close(ctx context.Context) error {
	var errs []error
	for i := len(g.cleanups) - 1; i >= 0; i-- {
		errs = append(errs, g.cleanups[i](ctx))
	}
	g.cleanups = nil
	return errors.Join(errs...)
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
