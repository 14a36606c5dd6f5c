package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/jonboulle/clockwork"

	"github.com/hcgw/hcgw/trust"
)

// MaxTrustList bounds a pulled trust list (10,000 keys of about 1 KiB each
// fit many times over).
const MaxTrustList = 64 << 20

// Puller keeps a gateway's registry in step with a peer's (the hub's)
// trust list (DESIGN §5 distribution). The transport need not be trusted:
// every entry is checked against this gateway's own anchors before it is
// accepted, so a revocation reaches every gateway within one interval and a
// forged entry reaches none.
type Puller struct {
	URL      string // the peer's base URL
	Registry *trust.Registry
	Interval time.Duration // between pulls (trust.pull_interval); 0: one pull
	Client   *http.Client
	Logger   *slog.Logger
	// Clock paces Run (nil: the real clock).
	Clock clockwork.Clock

	etag string
	http *retryablehttp.Client
}

// PullResult says what one pull did.
type PullResult struct {
	NotModified bool
	Added       int
	Refused     int
}

func (p *Puller) init() {
	if p.http != nil {
		return
	}
	hc := p.Client
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	p.http = retryClient(hc, 2, 100*time.Millisecond, time.Second)
}

// PullOnce fetches the list (conditionally on the last ETag) and adds every
// entry that verifies.
func (p *Puller) PullOnce(ctx context.Context) (PullResult, error) {
	p.init()
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(p.URL, "/")+"/v1/trust/list", nil)
	if err != nil {
		return PullResult{}, err
	}
	if p.etag != "" {
		req.Header.Set("If-None-Match", p.etag)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return PullResult{}, fmt.Errorf("trust list from %s: %w", p.URL, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return PullResult{NotModified: true}, nil
	case http.StatusOK:
	default:
		return PullResult{}, fmt.Errorf("trust list from %s: status %d", p.URL, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxTrustList+1))
	if err != nil {
		return PullResult{}, fmt.Errorf("trust list from %s: %w", p.URL, err)
	}
	if len(data) > MaxTrustList {
		return PullResult{}, fmt.Errorf("trust list from %s larger than %d bytes", p.URL, MaxTrustList)
	}
	var l trust.List
	if err := json.Unmarshal(data, &l); err != nil {
		return PullResult{}, fmt.Errorf("trust list from %s: %w", p.URL, err)
	}
	tokens := make([]string, 0, len(l.Endorsements)+len(l.Revocations)+len(l.Rules))
	// Revocations first: a key revoked in the same list never verifies for
	// a moment.
	for _, r := range l.Revocations {
		tokens = append(tokens, r.JWS)
	}
	for _, e := range l.Endorsements {
		tokens = append(tokens, e.JWS)
	}
	// Rules (DESIGN §11): the registry checks them after the keys.
	for _, r := range l.Rules {
		tokens = append(tokens, r.JWS)
	}
	added, refused, err := p.Registry.Merge(ctx, tokens)
	if err != nil {
		return PullResult{}, fmt.Errorf("trust list from %s: %w", p.URL, err)
	}
	if refused > 0 {
		p.Logger.Warn("trust list entries refused (anchor signature, content or conflict)", "from", p.URL, "count", refused)
	}
	p.etag = resp.Header.Get("ETag")
	return PullResult{Added: added, Refused: refused}, nil
}

// Run pulls at once and then every Interval until ctx ends; with no
// Interval it pulls once.
func (p *Puller) Run(ctx context.Context) {
	if p.Clock == nil {
		p.Clock = clockwork.NewRealClock()
	}
	var tick <-chan time.Time // nil: once
	if p.Interval > 0 {
		t := p.Clock.NewTicker(p.Interval)
		defer t.Stop()
		tick = t.Chan()
	}
	for {
		res, err := p.PullOnce(ctx)
		switch {
		case err != nil:
			p.Logger.Warn("trust list pull failed", "error", err.Error())
		case res.Added > 0:
			p.Logger.Info("trust list pulled", "from", p.URL, "added", res.Added, "refused", res.Refused)
		}
		if tick == nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}
