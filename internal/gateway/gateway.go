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

	"github.com/hcgw/hcgw/adapters/all"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/admission"
	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/certlogic"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/internal/metrics"
	"github.com/hcgw/hcgw/mapping"
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

	server *http.Server
	ln     net.Listener
	clock  func() time.Time
	timers clockwork.Clock
	tls    *tls.Config
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

// New builds a gateway from cfg. Any problem stops it: it never starts half
// configured.
func New(ctx context.Context, cfg *config.Config, opt Options) (_ *Gateway, err error) {
	if opt.Timers == nil {
		opt.Timers = clockwork.NewRealClock()
	}
	if opt.Clock == nil {
		opt.Clock = opt.Timers.Now
	}
	if opt.Logger == nil {
		opt.Logger = NewLogger(cfg.Log, os.Stderr)
	}
	g := &Gateway{Config: cfg, Logger: opt.Logger, clock: opt.Clock, timers: opt.Timers, PeerStats: federation.NewPeerStats(0, nil)}
	defer func() {
		if err != nil {
			_ = g.Close(context.Background()) // the audit writer, then the database
		}
	}()

	var anchorJWKs [][]byte
	for i, a := range cfg.Trust.Anchors {
		b, err := a.Bytes()
		if err != nil {
			return nil, fmt.Errorf("trust.anchors[%d]: %w", i, err)
		}
		anchorJWKs = append(anchorJWKs, b)
	}
	// With no anchor the gateway still starts (DESIGN §10: `hcgw serve`
	// alone starts) but trusts nothing: every code is invalid and /readyz
	// says why.
	anchors := trust.Anchors{}
	if len(anchorJWKs) > 0 {
		if anchors, err = trust.NewAnchors(anchorJWKs...); err != nil {
			return nil, fmt.Errorf("trust.anchors: %w", err)
		}
	} else {
		g.Logger.Warn("no trust anchor configured (trust.anchors): this gateway trusts no key until one is")
	}
	for i, path := range cfg.Keys {
		s, err := trust.LoadPrivateJWK(cfg.ResolvePath(path))
		if err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		g.Signers = append(g.Signers, s)
	}

	g.DB, err = store.Open(cfg.Database.Driver, cfg.Database.DSN)
	if err != nil {
		return nil, fmt.Errorf("database (%s %s): %w", cfg.Database.Driver, config.RedactDSN(cfg.Database.DSN), err)
	}
	if err := g.prepareRecords(ctx); err != nil {
		return nil, fmt.Errorf("database (%s %s): %w", cfg.Database.Driver, config.RedactDSN(cfg.Database.DSN), err)
	}
	g.Trust = trust.NewRegistry(anchors, trustStore{g.DB})
	loaded, skipped, err := g.Trust.LoadStore(ctx)
	if err != nil {
		return nil, err
	}
	if skipped > 0 {
		g.Logger.Warn("stored trust entries no longer verify against the configured anchors; ignored", "count", skipped)
	}
	if dir := cfg.Trust.EndorsementsDir; dir != "" {
		n, err := g.Trust.LoadDir(ctx, cfg.ResolvePath(dir))
		if err != nil {
			return nil, err
		}
		loaded += n
	}
	if f := cfg.Trust.DSCFile; f != "" {
		n, err := g.Trust.LoadDSCFile(cfg.ResolvePath(f))
		if err != nil {
			return nil, err
		}
		g.Logger.Info("document signers loaded", "count", n)
	}
	g.Logger.Info("trust registry loaded", "keys", g.Trust.Snapshot().Len(), "new_entries", loaded,
		"version", g.Trust.Snapshot().Version())

	var holderSecret []byte
	if f := cfg.Federation.HolderKeyFile; f != "" {
		if holderSecret, err = os.ReadFile(cfg.ResolvePath(f)); err != nil {
			return nil, fmt.Errorf("federation.holder_key_file: %w", err)
		}
	}
	tables, err := LoadTables(cfg)
	if err != nil {
		return nil, err
	}
	valueSets, err := loadValueSets(cfg)
	if err != nil {
		return nil, err
	}
	reg, err := all.Registry(tables)
	if err != nil {
		return nil, fmt.Errorf("adapters: %w", err)
	}
	platform := opt.Platform
	switch cfg.Platform.Kind {
	case config.PlatformSimulated:
		if platform == nil {
			if opt.Simulated == nil {
				return nil, errors.New("platform.kind: simulated: this command has no simulated platform (hcgw serve and hcgw demo have)")
			}
			platform = opt.Simulated(g.DB, cfg.Region, holderSecret)
		}
	case config.PlatformHTTP:
		t, err := tables.Get(cfg.Platform.Format)
		if err != nil {
			return nil, fmt.Errorf("platform.format: %w", err)
		}
		if t.Region != cfg.Region {
			return nil, fmt.Errorf("platform.format: %s is region %s's format, not %s's", t.Format, t.Region, cfg.Region)
		}
		platform = &federation.HTTPSource{URL: cfg.Platform.URL, Table: t, Client: opt.HTTPClient}
	}
	g.Metrics = metrics.New(metrics.Sources{
		QueueDepth: func() int { return g.Audit.QueueDepth() },
		Breakers: func() map[string]string {
			out := map[string]string{}
			if g.Peers != nil {
				for _, p := range g.Peers.Peers() {
					out[p] = g.Peers.BreakerState(p)
				}
			}
			return out
		},
		RouteBreakers: func() map[string]string {
			out := map[string]string{}
			if g.Peers != nil {
				for _, r := range g.Peers.RelayedRegions() {
					out[r] = g.Peers.RouteBreakerState(r)
				}
			}
			return out
		},
		CacheStats: func() (int64, int64) {
			if g.Peers == nil {
				return 0, 0
			}
			return g.Peers.CacheStats()
		},
		NearestLapse: func() (time.Duration, bool) {
			now := g.clock()
			exp := g.Trust.Snapshot().Expiring(now, 100*365*24*time.Hour)
			if len(exp) == 0 {
				return 0, false
			}
			return exp[0].Left(now), true
		},
	})
	// The writer bounds each answer's wait for its record (one timer a
	// batch), so the verifier need not make a deadline per verification.
	g.Audit = audit.NewWriter(g.DB, audit.Options{Sync: cfg.Audit.Sync, QueueSize: cfg.Audit.QueueSize, MaxBatch: cfg.Audit.MaxBatch,
		OnCommit: g.Metrics.Commit, Linger: cfg.Audit.Linger, MaxWait: verify.DefaultRecordTimeout,
		Clock: opt.Timers})
	g.Verifier = &verify.Verifier{
		ValueSets: valueSets,
		Adapters:  reg, Trust: g.Trust, Clock: opt.Clock, Skew: cfg.Verify.ClockSkew,
		MaxCodeBytes: cfg.Server.MaxCodeBytes, Region: cfg.Region, Recorder: g.Audit, RecordTimeout: -1,
		BatchDeadline: cfg.Verify.BatchDeadline, BatchParallelism: cfg.Verify.BatchParallelism,
		Observe: func(scene string, vd verify.Verdict) {
			g.Metrics.Verdict(vd.Result, vd.Reason, vd.Issuer, string(vd.Source))
			g.Metrics.Admission(scene, string(vd.Admission.Decision))
		},
	}
	g.Platform = platform
	g.QR = qr.NewDecoder(qr.Limits{MaxDecodeBytes: cfg.QR.MaxDecodeBytes, MaxConcurrent: cfg.QR.MaxConcurrent})
	if opt.HTTPClient == nil && (cfg.Federation.TLSCAFile != "" || cfg.Federation.TLSCertFile != "") {
		tc, err := peerTLS(cfg)
		if err != nil {
			return nil, err
		}
		opt.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: tc, MaxIdleConnsPerHost: 64,
			IdleConnTimeout: 90 * time.Second, ResponseHeaderTimeout: cfg.Verify.Deadline}}
	}
	if cfg.Server.TLSCertFile != "" {
		if g.tls, err = listenerTLS(cfg); err != nil {
			return nil, err
		}
	}
	if len(cfg.Peers) > 0 || platform != nil {
		peers := map[string]string{}
		for _, p := range cfg.Peers {
			peers[p.Region] = p.URL
		}
		retries := cfg.Federation.Retries
		if retries == 0 {
			retries = -1 // configured: no retry
		}
		g.Peers = federation.NewClient(federation.Options{
			Region: cfg.Region, Peers: peers, Trust: g.Trust, Signers: g.Signers, Local: platform,
			Clock: opt.Clock, Skew: cfg.Verify.ClockSkew, Deadline: cfg.Verify.Deadline, Retries: retries,
			BreakerFailures: uint32(cfg.Federation.BreakerFailures), BreakerOpen: cfg.Federation.BreakerOpen,
			CacheMaxTTL: cfg.Federation.CacheMaxTTL, HTTPClient: opt.HTTPClient, Logger: g.Logger,
			OnCall: g.peerCall, OnRoute: g.routeCall, // metrics and PeerStats (ops.go)
		})
		g.Verifier.Online = g.Peers
		g.Verifier.Deadline = cfg.Verify.Deadline
	}
	if cfg.Trust.PullFrom != "" {
		g.Puller = &federation.Puller{URL: cfg.Trust.PullFrom, Registry: g.Trust, Interval: cfg.Trust.PullInterval,
			Client: opt.HTTPClient, Logger: g.Logger, Clock: opt.Timers}
	}
	var share httpapi.Sharer
	if g.Peers != nil && len(holderSecret) > 0 {
		s := &sharer{client: g.Peers, secret: holderSecret, dl: cfg.Verify.Deadline, regs: func() []string {
			var out []string
			for _, r := range g.Trust.Snapshot().Regions() {
				if r != mapping.NationalRegion {
					out = append(out, r)
				}
			}
			return out
		}}
		share, g.Verifier.Holders = s, s
	}
	responder := &federation.Responder{Region: cfg.Region, Trust: g.Trust, Signers: g.Signers, Source: platform,
		Relay: g.Peers, Clock: opt.Clock, Skew: cfg.Verify.ClockSkew, MaxHops: cfg.Federation.MaxHops, Logger: g.Logger}
	if cfg.Database.Driver == config.DriverMySQL {
		// Replicas of one region share a MySQL-protocol database: a request
		// one accepted is refused by all. (The embedded SQLite serves one
		// process, whose own cache suffices.)
		responder.Shared = g.DB
	}
	responder.Init()
	g.Corrections = newCorrections(g, holderSecret, opt.CorrectionInterval, opt.CorrectionRetry)
	if n, err := g.DB.RetryCorrectionsNow(ctx, opt.Clock()); err != nil {
		return nil, err
	} else if n > 0 {
		g.Logger.Info("pending corrections to deliver", "count", n)
	}
	correctionPeer := &federation.CorrectionResponder{Region: cfg.Region, Trust: g.Trust, Signers: g.Signers, Inbox: g.Corrections,
		Source: platform, Relay: g.Peers, Clock: opt.Clock, Skew: cfg.Verify.ClockSkew, MaxHops: cfg.Federation.MaxHops, Logger: g.Logger}
	if cfg.Region == mapping.NationalRegion {
		correctionPeer.Inbox = nil // the hub relays; it resolves nothing
	}
	correctionPeer.Shared = responder.Shared
	correctionPeer.Init()
	var issuer *nic.Issuer
	if len(g.Signers) > 0 {
		issuer = &nic.Issuer{Region: cfg.Region, Signers: g.Signers, Trust: g.Trust, Clock: opt.Clock}
	}
	clients := make([]httpapi.Client, 0, len(cfg.Clients))
	for _, c := range cfg.Clients {
		cl, err := httpapi.NewClient(c.Name, c.Role, c.TokenSHA256)
		if err != nil {
			return nil, fmt.Errorf("clients: %w", err)
		}
		clients = append(clients, cl)
	}
	g.Handler = httpapi.New(httpapi.Deps{
		Verifier: g.Verifier, Trust: g.Trust, Issuer: issuer, Signers: g.Signers,
		Records: recordStore{g.DB}, Events: eventStore{g.DB, opt.Clock}, Ready: g.ready, Clients: clients,
		Limits: httpapi.Limits{MaxBody: cfg.Server.MaxBodyBytes, MaxBatchBody: cfg.Server.MaxBatchBodyBytes,
			MaxBatchCodes: cfg.Server.MaxBatchCodes},
		Logger: g.Logger, Warnings: g.expiryWarnings, Metrics: g.Metrics.Handler(),
		RateLimit: httpapi.RateLimit{Rate: cfg.Server.RateLimit, Burst: cfg.Server.RateBurst}, Clock: opt.Clock,
		IDLookupLimit:   httpapi.RateLimit{Rate: cfg.Server.IDLookupRate, Burst: cfg.Server.IDLookupBurst},
		RequirePeerCert: cfg.Server.TLSClientCAFile != "", Federation: responder, Platform: simulatedAdmin(platform), Share: share,
		Ops: opsSource{g}, QR: g.QR, Corrections: g.Corrections, CorrectionPeer: correctionPeer,
	})
	return g, nil
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

// Close flushes the records and closes the database.
func (g *Gateway) Close(ctx context.Context) error {
	var errs []error
	if g.Audit != nil {
		errs = append(errs, g.Audit.Close(ctx))
	}
	if g.DB != nil {
		errs = append(errs, g.DB.Close())
	}
	return errors.Join(errs...)
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// loadValueSets reads the value sets admission rules see (rules.value_sets,
// else the EU's built in).
func loadValueSets(cfg *config.Config) (certlogic.Value, error) {
	data := configs.EUValueSets()
	if f := cfg.Rules.ValueSets; f != "" {
		var err error
		if data, err = os.ReadFile(cfg.ResolvePath(f)); err != nil {
			return certlogic.Null(), fmt.Errorf("rules.value_sets: %w", err)
		}
	}
	v, err := admission.ParseValueSets(data)
	if err != nil {
		return certlogic.Null(), fmt.Errorf("rules.value_sets: %w", err)
	}
	return v, nil
}
