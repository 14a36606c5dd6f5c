package federation

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/sony/gobreaker/v2"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Options configure a Client. The bounds of DESIGN §7 come from the
// configuration (config.Default holds their defaults); NewClient refuses a
// Deadline, BreakerFailures or BreakerOpen left at zero rather than guess.
type Options struct {
	Region          string            // this gateway's region
	Peers           map[string]string // region → base URL; "000000" is the hub
	Trust           *trust.Registry
	Signers         []trust.Signer
	Local           Source // this gateway's own platform, asked directly for its region's codes
	Clock           func() time.Time
	Skew            time.Duration
	Deadline        time.Duration // whole call, retries included (verify.deadline)
	Retries         int           // retries of a failed call; 0: none (federation.retries)
	BreakerFailures uint32        // consecutive failures that open a breaker (federation.breaker_failures)
	BreakerOpen     time.Duration // open → half-open (federation.breaker_open)
	CacheMaxTTL     time.Duration // cap on an answer's exp; 0: no cache
	CacheMaxEntries int           // default 1,000,000
	// MaxInFlight bounds concurrent calls to one peer, and to one region
	// through a relaying peer (the hub); default 64.
	MaxInFlight int
	// RelayInFlight bounds concurrent calls to a relaying peer (the hub)
	// for all regions together; default 4 × MaxInFlight, so that one slow
	// region behind it holds at most a quarter.
	RelayInFlight int
	// OnCall, when set, is told every call to a peer: its duration and
	// outcome: "ok", "unknown_code", "circuit_open", "error", or
	// "upstream_error" (the hub answered; the region behind it failed).
	OnCall func(peer string, took time.Duration, outcome string)
	// OnRoute, when set, is told every call to a region through a relaying
	// peer (the hub): "ok", "unknown_code", "circuit_open" (that region's
	// breaker, or the hub's) or "error" (metrics, per destination).
	OnRoute    func(peer, region string, took time.Duration, outcome string)
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Client asks peers for live status, and relays for the hub.
type Client struct {
	o        Options
	http     *retryablehttp.Client
	relay    *retryablehttp.Client
	breakers map[string]*gobreaker.CircuitBreaker[any]
	slots    map[string]chan struct{} // per-peer bound on calls in flight
	cache    *answerCache
	flights  flights

	rmu    sync.RWMutex
	routes map[string]*route // by destination region, reached through the hub

	hits, misses atomic.Int64
}

// CacheStats reports the status cache's hits and misses since start.
func (c *Client) CacheStats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// Peers lists the regions this client has a peer for, sorted.
func (c *Client) Peers() []string {
	out := make([]string, 0, len(c.o.Peers))
	for r := range c.o.Peers {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// ErrNoRoute means no peer (and no hub) can be asked for an org.
var ErrNoRoute = fault.New(fault.NotFound, "no route to that region")

// errUnknown wraps a peer's "unknown code" so the breaker counts it as a
// healthy answer.
var errUnknown = errors.New("unknown code")

// NewTransport is the transport of calls to peers: idle connections kept
// for a busy checkpoint's load, tc (nil: the system's roots, no client
// certificate), and responseHeader as the longest wait for an answer's
// headers.
func NewTransport(tc *tls.Config, responseHeader time.Duration) *http.Transport {
	return &http.Transport{TLSClientConfig: tc, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second,
		ResponseHeaderTimeout: responseHeader}
}

// NewClient builds a client with one breaker per peer. A call to a peer is
// always bounded, and a breaker must be able to open: a Deadline,
// BreakerFailures or BreakerOpen not set, or negative Retries, is refused.
func NewClient(o Options) (*Client, error) {
	switch {
	case o.Deadline <= 0:
		return nil, fmt.Errorf("federation client: Deadline must be positive, not %s (verify.deadline)", o.Deadline)
	case o.Retries < 0:
		return nil, fmt.Errorf("federation client: Retries must be 0 (none) or more, not %d (federation.retries)", o.Retries)
	case o.BreakerFailures == 0:
		return nil, errors.New("federation client: BreakerFailures must be at least 1 (federation.breaker_failures)")
	case o.BreakerOpen <= 0:
		return nil, fmt.Errorf("federation client: BreakerOpen must be positive, not %s (federation.breaker_open)", o.BreakerOpen)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.CacheMaxEntries <= 0 {
		o.CacheMaxEntries = 1_000_000
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 64
	}
	if o.RelayInFlight <= 0 {
		o.RelayInFlight = 4 * o.MaxInFlight
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	hc := o.HTTPClient
	if hc == nil {
		// The header timeout is a safety net: the call's context bounds
		// it (flight.go), extended by later callers up to this.
		hc = &http.Client{Transport: NewTransport(nil, 2*o.Deadline)}
	}
	peers := make(map[string]string, len(o.Peers))
	for r, u := range o.Peers {
		peers[r] = strings.TrimRight(u, "/")
	}
	o.Peers = peers // the client's own copy: a breaker exists for every peer it knows
	c := &Client{o: o, breakers: map[string]*gobreaker.CircuitBreaker[any]{}, slots: map[string]chan struct{}{},
		cache: newAnswerCache(o.CacheMaxEntries, o.Clock), routes: map[string]*route{}}
	c.http = retryClient(hc, o.Retries, 20*time.Millisecond, 250*time.Millisecond)
	// Relayed bodies cannot be re-signed, so a relay is never retried: the
	// peer would see the same jti twice and refuse it as a replay.
	c.relay = retryClient(hc, 0, 0, 0)
	for region := range o.Peers {
		n := o.MaxInFlight
		if region == mapping.NationalRegion && o.Region != mapping.NationalRegion {
			n = o.RelayInFlight
		}
		c.slots[region] = make(chan struct{}, n)
		c.breakers[region] = c.newBreaker("peer", region, func(err error) bool {
			// A call refused here for too many in flight never reached the
			// peer; one refused by the breaker of the region behind it did
			// not either.
			return errors.Is(err, errBusy) || errors.Is(err, errRouteRefused)
		}, func(err error) bool {
			// The hub answered for a region it could not reach: the hub is
			// sound (regionError).
			var re *regionError
			return errors.As(err, &re)
		})
	}
	return c, nil
}

// newBreaker makes a breaker with the configured thresholds; besides
// successes, a peer's "unknown code" counts as healthy. A call its caller
// gave up (cancelled: a batch out of time) says nothing of the peer: it is
// excluded, neither a failure nor a success that would reset the count of
// failures or close a half-open breaker.
func (c *Client) newBreaker(kind, name string, excluded, healthy func(error) bool) *gobreaker.CircuitBreaker[any] {
	o := c.o
	return gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
		Name: name, MaxRequests: 1, Timeout: o.BreakerOpen,
		ReadyToTrip: func(cn gobreaker.Counts) bool { return cn.ConsecutiveFailures >= o.BreakerFailures },
		IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) || excluded(err) },
		IsSuccessful: func(err error) bool {
			return err == nil || errors.Is(err, errUnknown) || healthy(err)
		},
		OnStateChange: func(name string, from, to gobreaker.State) {
			o.Logger.Warn(kind+" breaker", kind, name, "from", from.String(), "to", to.String())
		},
	})
}

// retryClient is the federation's outbound HTTP client: up to retries
// retries of connection errors and 502/503/504 (checkRetry), with jittered
// exponential backoff between wmin and wmax, the last answer passed through.
func retryClient(hc *http.Client, retries int, wmin, wmax time.Duration) *retryablehttp.Client {
	return &retryablehttp.Client{HTTPClient: hc, RetryMax: retries, RetryWaitMin: wmin, RetryWaitMax: wmax,
		CheckRetry: checkRetry(retries), Backoff: jitterBackoff, ErrorHandler: retryablehttp.PassthroughErrorHandler,
		RequestLogHook: setBudgetHeader}
}

// checkRetry retries only connection errors and 502/503/504, never once
// the call's context is over, and, under a retry budget (budget.go), only
// while the chain has retries left: those an answer says were spent below
// count first.
func checkRetry(retries int) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		b := budgetOf(ctx)
		if b != nil {
			b.below(resp)
		}
		retry := err != nil
		if !retry {
			switch resp.StatusCode {
			case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
				retry = true
			}
		}
		if retry && b != nil {
			// Spent only when retryablehttp will make it: this client's
			// own bound comes first.
			retry = b.take(retries)
		}
		return retry, nil
	}
}

// jitterBackoff is exponential backoff with full jitter.
func jitterBackoff(min, max time.Duration, attempt int, _ *http.Response) time.Duration {
	d := float64(min) * math.Pow(2, float64(attempt))
	if d > float64(max) {
		d = float64(max)
	}
	return time.Duration(mrand.Float64() * d)
}

// BreakerState reports a peer's breaker state ("closed", "open",
// "half-open"), or "" for an unknown peer.
func (c *Client) BreakerState(region string) string {
	if b := c.breakers[region]; b != nil {
		return b.State().String()
	}
	return ""
}

// route picks the peer for org: its own, else the hub.
func (c *Client) route(org string) (string, bool) {
	if _, ok := c.o.Peers[org]; ok {
		return org, true
	}
	if _, ok := c.o.Peers[mapping.NationalRegion]; ok && c.o.Region != mapping.NationalRegion {
		return mapping.NationalRegion, true
	}
	return "", false
}

// Routes reports whether Status routes org: to this gateway's own platform
// or to a peer (its own, else the hub). verify.Router.
func (c *Client) Routes(org string) bool {
	if org == c.o.Region && c.o.Local != nil {
		return true
	}
	_, ok := c.route(org)
	return ok
}

// Status asks org for the live status of code cid. routed is false when no
// one can be asked (not a failure: the gateway runs offline for that org).
// A code the issuer does not know is a Problem with reason status_unknown;
// anything else that goes wrong is issuer_unavailable.
func (c *Client) Status(ctx context.Context, org, cid string) (mapping.LiveStatus, bool, error) {
	if org == c.o.Region && c.o.Local != nil {
		start := time.Now()
		st, err := c.o.Local.Lookup(ctx, cid)
		if err == nil {
			st = st.AsOf(c.o.Clock())
			st.Asked = time.Since(start)
		}
		return st, true, problemOf(err)
	}
	peer, ok := c.route(org)
	if !ok {
		return mapping.LiveStatus{}, false, nil
	}
	if !cidRe.MatchString(cid) {
		// Never sent: a peer would refuse it and the refusal would count
		// against its breaker.
		return mapping.LiveStatus{}, true, fault.Fail(fault.IssuerUnavailable, "code id cannot be asked in the status protocol")
	}
	key := org + "\x00" + cid
	now := c.o.Clock()
	if st, k, ok := c.cache.get(key, now); ok {
		if vouches(c.o.Trust.Snapshot(), k, org, now) {
			c.hits.Add(1)
			st.Cached = true
			return st, true, nil
		}
		c.cache.drop(key)
	}
	c.misses.Add(1)
	// Deadlines are wall-clock: the injected clock decides validity, not
	// how long a call may take.
	deadline, ok := ctx.Deadline()
	if limit := time.Now().Add(c.o.Deadline); !ok || deadline.After(limit) {
		deadline = limit
	}
	st, err := c.flights.do(ctx, key, deadline, func(cctx context.Context) (mapping.LiveStatus, error) {
		ans, took, err := c.ask(cctx, peer, org, cid)
		if err != nil {
			return mapping.LiveStatus{}, err
		}
		now := c.o.Clock()
		st := ans.Live(now)
		if c.o.CacheMaxTTL > 0 && !st.Lapsed(now) {
			until := st.Expires
			if max := now.Add(c.o.CacheMaxTTL); max.Before(until) {
				until = max
			}
			c.cache.put(key, st, ans.Key(), until)
		}
		st.Asked = took
		return st, nil
	})
	if errors.Is(err, errDeadline) || errors.Is(err, errAbandoned) {
		return mapping.LiveStatus{}, true, fault.Fail(fault.IssuerUnavailable, "deadline passed waiting for region %s", org)
	}
	if err != nil {
		return mapping.LiveStatus{}, true, problemOf(err)
	}
	return st, true, nil
}

// vouches reports whether the key that signed a cached answer still vouches
// for it in snap at now: known, not revoked, endorsed for status of org. A
// trust change that removes the key (a revocation, its endorsement lapsing
// or withdrawn by a pull) ends every answer it signed, cached or not.
func vouches(snap *trust.Snapshot, k *trust.Key, org string, now time.Time) bool {
	if k == nil {
		return false
	}
	cur := snap.Key(k.Kid)
	return cur != nil && cur.InForce(trust.UseStatus, org, now)
}

// problemOf classifies any failure as status_unknown (the issuer does not
// know the code) or issuer_unavailable (everything else, the failure kept
// as the cause, for logs: a client reads only that the issuer was away).
func problemOf(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, errUnknown) || fault.ReasonOf(err) == fault.StatusUnknown {
		return fault.Fail(fault.StatusUnknown, "the issuer does not know this code")
	}
	var p *fault.Error
	if errors.As(err, &p) && p.Kind == fault.IssuerUnavailable {
		return p
	}
	return fault.Wrap(fault.IssuerUnavailable, err, "the issuer could not be asked")
}

// ask makes one signed status call through peer's breaker, and through
// the breaker of org's route when peer relays to it (the hub). took is how
// long the peer took to answer (post's round trip). The call spends at
// most Retries retries, here and at every gateway behind (budget.go).
func (c *Client) ask(ctx context.Context, peer, org, cid string) (ans *Answer, took time.Duration, err error) {
	var jti string
	signer, err := trust.PickSigner(c.o.Signers, c.o.Trust.Snapshot(), trust.UseFederation, c.o.Region, c.o.Region, c.o.Clock())
	if err != nil {
		return nil, 0, fmt.Errorf("no federation key: %w", err)
	}
	ctx = WithRetryBudget(ctx, c.o.Retries)
	body := &freshBody{sign: func() (string, error) {
		now := c.o.Clock()
		jti = newJTI()
		req := Request{Iss: c.o.Region, Aud: org, IAT: now.Unix(), EXP: now.Add(MaxRequestLifetime).Unix(), JTI: jti, Org: org, CID: cid}
		payload, err := json.Marshal(req)
		if err != nil {
			return "", err
		}
		return signer.SignCompact(payload, TypRequest)
	}}
	relayed := peer != org
	var rt *route
	if relayed {
		rt = c.routeFor(org)
	}
	once := func() (any, error) {
		status, data, hdr, rtt, err := c.post(ctx, peer, statusPath, body, 0)
		took = rtt
		if err != nil {
			if cause := context.Cause(ctx); ctx.Err() != nil && cause != nil {
				// The shared call was ended (flight.go): by its deadline
				// (a failure), or because every caller left (not one).
				err = fmt.Errorf("peer %s: %w", peer, cause)
			}
			switch {
			case errors.Is(err, errBusy), !relayed:
				return nil, err
			case isTimeout(err):
				return nil, &regionError{err}
			}
			return nil, fmt.Errorf("%w: %w", errHub, err)
		}
		switch status {
		case http.StatusOK:
		case http.StatusNotFound:
			if bytes.Contains(data, []byte(`"unknown_code"`)) {
				return nil, errUnknown
			}
			return nil, hubFault(relayed, fmt.Errorf("peer %s answered 404", peer))
		case http.StatusBadGateway:
			if relayed && (hdr.Get(UpstreamRegionHeader) == org ||
				hdr.Get(UpstreamRegionHeader) == "" && bytes.Contains(data, []byte(`"`+fault.UpstreamUnavailable.Code()+`"`))) {
				return nil, &regionError{fmt.Errorf("peer %s could not reach region %s", peer, org)}
			}
			return nil, hubFault(relayed, fmt.Errorf("peer %s answered %d", peer, status))
		default:
			return nil, hubFault(relayed, fmt.Errorf("peer %s answered %d", peer, status))
		}
		ans, err := VerifyAnswer(c.o.Trust.Snapshot(), strings.TrimSpace(string(data)),
			Expect{Org: org, Aud: c.o.Region, RJTI: jti, CID: cid}, c.o.Clock(), c.o.Skew)
		if err != nil {
			// A bad answer is a failure like a dead peer; relayed, it is
			// the region's (end-to-end signed).
			err = fmt.Errorf("peer %s: answer refused: %w", peer, err)
			if relayed {
				return nil, &regionError{err}
			}
			return nil, err
		}
		return ans, nil
	}
	start := time.Now()
	call := once
	if relayed {
		call = rt.through(org, once)
	}
	out, err := c.breakers[peer].Execute(call)
	if !errors.Is(err, errRouteRefused) {
		// A call the region's route refused never reached the peer.
		c.observe(peer, start, err)
	}
	if relayed {
		c.observeRoute(peer, org, start, err)
	}
	if err != nil {
		if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
			if errors.Is(err, errRegionOpen) {
				return nil, 0, fault.Fail(fault.IssuerUnavailable, "region %s through peer %s: circuit open", org, peer)
			}
			return nil, 0, fault.Fail(fault.IssuerUnavailable, "peer %s: circuit open", peer)
		}
		return nil, 0, err
	}
	return out.(*Answer), took, nil
}

// hubFault marks err as the relaying peer's own when relayed.
func hubFault(relayed bool, err error) error {
	if relayed {
		return fmt.Errorf("%w: %w", errHub, err)
	}
	return err
}

// freshBody is a status request's body for retryablehttp: every attempt
// sends a request signed anew, with a fresh jti, so that a retried request
// is not a replay. retryablehttp also reads the body once while the request
// is made, to learn its length: that signature is kept for the first
// attempt instead of a second one being made.
//
// retryablehttp sets the request's Content-Length once, from that first
// read, and keeps it for every retry: a request signed anew must be as long
// as the first, which it is (a jti of 16 random bytes, ten-digit iat and
// exp, the same org and cid, a fixed-size signature).
type freshBody struct {
	sign func() (string, error)
	made bool      // the request is made: every read from now on is an attempt
	kept string    // signed while the request was made, not sent yet
	sent time.Time // when the last attempt's body was handed over, signed
}

func (b *freshBody) read() (io.Reader, error) {
	tok := b.kept
	if tok != "" {
		b.kept = ""
	} else {
		var err error
		if tok, err = b.sign(); err != nil {
			return nil, err
		}
		if !b.made {
			b.kept = tok
		}
	}
	b.sent = time.Now()
	return strings.NewReader(tok), nil
}

// errBusy means a peer already has MaxInFlight calls out: one slow peer
// cannot hold an unbounded number of this gateway's goroutines and sockets.
var errBusy = errors.New("too many calls in flight to this peer")

// post sends body (a *freshBody, or bytes relayed as they are) to peer's
// endpoint path (status requests, corrections) and reads a bounded answer. For a *freshBody, took is the
// answering attempt's round trip, from its signed body handed over to the
// answer read: neither this gateway's signing nor earlier attempts and the
// backoff between them (zero for relayed bytes, and on any error).
func (c *Client) post(ctx context.Context, peer, path string, body any, hops int) (status int, data []byte, hdr http.Header, took time.Duration, err error) {
	select {
	case c.slots[peer] <- struct{}{}:
		defer func() { <-c.slots[peer] }()
	default:
		return 0, nil, nil, 0, fmt.Errorf("peer %s: %w", peer, errBusy)
	}
	hc := c.http
	if hops > 0 {
		hc = c.relay
	}
	fresh, _ := body.(*freshBody)
	if fresh != nil {
		body = retryablehttp.ReaderFunc(fresh.read)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, c.o.Peers[peer]+path, body)
	if err != nil {
		return 0, nil, nil, 0, err
	}
	if fresh != nil {
		fresh.made = true
	}
	req.Header.Set("Content-Type", ContentTypeJOSE)
	if id := RequestID(ctx); id != "" {
		req.Header.Set("X-Request-Id", id)
	}
	if hops > 0 {
		req.Header.Set(HopsHeader, strconv.Itoa(hops))
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, nil, 0, err
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return 0, nil, nil, 0, err
	}
	if len(data) > MaxBody {
		return 0, nil, nil, 0, fmt.Errorf("peer %s: answer larger than %d bytes", peer, MaxBody)
	}
	if fresh != nil {
		took = time.Since(fresh.sent)
	}
	return resp.StatusCode, data, resp.Header, took, nil
}

// statusPath is a peer's status endpoint (DESIGN §7).
const statusPath = "/v1/federation/status"

// Forward relays a status request to region's peer unchanged (the hub's
// relay) and returns the answer unchanged.
func (c *Client) Forward(ctx context.Context, region string, body []byte, hops int) (int, []byte, error) {
	if _, ok := c.o.Peers[region]; !ok {
		return 0, nil, ErrNoRoute
	}
	start := time.Now()
	out, err := c.breakers[region].Execute(func() (any, error) {
		status, data, _, _, err := c.post(ctx, region, statusPath, body, hops)
		if err != nil {
			return nil, err
		}
		if status >= 500 {
			return nil, fmt.Errorf("peer %s answered %d", region, status)
		}
		return relayed{status, data}, nil
	})
	c.observe(region, start, err)
	if err != nil {
		return 0, nil, err
	}
	r := out.(relayed)
	return r.status, r.body, nil
}

// observe tells OnCall about one call to peer (status calls and relays alike,
// so the hub's own view of its peers includes what it relays).
func (c *Client) observe(peer string, start time.Time, err error) {
	if c.o.OnCall != nil {
		c.o.OnCall(peer, time.Since(start), outcomeOf(err, false))
	}
}

// outcomeOf names err for OnCall and OnRoute; a region's failure behind a
// relaying peer is "upstream_error" for the peer, "error" for the route.
func outcomeOf(err error, route bool) string {
	var re *regionError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, errUnknown):
		return "unknown_code"
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return "circuit_open"
	case !route && errors.As(err, &re):
		return "upstream_error"
	}
	return "error"
}

// observeRoute tells OnRoute about one call to region through peer.
func (c *Client) observeRoute(peer, region string, start time.Time, err error) {
	if c.o.OnRoute != nil {
		c.o.OnRoute(peer, region, time.Since(start), outcomeOf(err, true))
	}
}

type relayed struct {
	status int
	body   []byte
}

func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// answerCache keeps live statuses until their exp (capped).
type answerCache struct {
	mu    sync.RWMutex
	m     map[string]cacheEntry
	max   int
	clock func() time.Time
}

// cacheEntry is one cached answer, kept compact (a million of them are
// held in memory; docs/PERFORMANCE.md has the budget): the status as its
// severity index, times as unix nanoseconds.
type cacheEntry struct {
	st           uint8
	at, exp, end int64 // status time, the answer's exp, the cache's own end
	name, id     string
	key          *trust.Key         // signed it: the entry stands only while it vouches
	it           *mapping.Itinerary // the itinerary mark, shared with the answer (never changed)
}

var statusByIndex = [...]mapping.Status{mapping.Green, mapping.Grey, mapping.Yellow, mapping.Red}

func packEntry(st mapping.LiveStatus, key *trust.Key, until time.Time) cacheEntry {
	e := cacheEntry{st: uint8(st.Status.Severity()), at: st.At.UnixNano(), end: until.UnixNano(),
		name: st.Holder.Name, id: st.Holder.ID, key: key, it: st.IT}
	if !st.Expires.IsZero() {
		e.exp = st.Expires.UnixNano()
	}
	return e
}

func (e cacheEntry) live() mapping.LiveStatus {
	st := mapping.LiveStatus{Status: mapping.Grey, At: time.Unix(0, e.at).UTC(),
		Holder: mapping.Holder{Name: e.name, ID: e.id}, IT: e.it}
	if int(e.st) < len(statusByIndex) {
		st.Status = statusByIndex[e.st]
	}
	if e.exp != 0 {
		st.Expires = time.Unix(0, e.exp).UTC()
	}
	return st
}

func newAnswerCache(max int, clock func() time.Time) *answerCache {
	return &answerCache{m: map[string]cacheEntry{}, max: max, clock: clock}
}

// get returns a live entry and the key that signed it.
func (a *answerCache) get(key string, now time.Time) (mapping.LiveStatus, *trust.Key, bool) {
	a.mu.RLock()
	e, ok := a.m[key]
	a.mu.RUnlock()
	if !ok || now.UnixNano() >= e.end {
		return mapping.LiveStatus{}, nil, false
	}
	return e.live(), e.key, true
}

func (a *answerCache) drop(key string) {
	a.mu.Lock()
	delete(a.m, key)
	a.mu.Unlock()
}

func (a *answerCache) put(key string, st mapping.LiveStatus, signer *trust.Key, until time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.m) >= a.max {
		// Make room for a tenth of the cache at once, expired entries
		// first, then arbitrary ones (the cache is an optimisation, never
		// a source of truth): at most two scans per max/10 puts, not one
		// per put.
		now := a.clock().UnixNano()
		for k, e := range a.m {
			if now >= e.end {
				delete(a.m, k)
			}
		}
		for k := range a.m {
			if len(a.m) <= a.max*9/10 {
				break
			}
			delete(a.m, k)
		}
	}
	a.m[key] = packEntry(st, signer, until)
}
