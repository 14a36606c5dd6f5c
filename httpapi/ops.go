package httpapi

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/web"
)

// Ops feeds the operator overview (GET /v1/ops/overview) with what only the
// running gateway knows. Keys, revocations and warnings come from
// Deps.Trust and Deps.Warnings.
type Ops interface {
	// Region is this gateway's region; Now is its clock.
	Region() string
	Now() time.Time
	// Peers lists every peer with its breaker state and its recent calls.
	Peers() []OpsPeer
	// VerdictCounts counts the verifications recorded at or after since,
	// by result and reason.
	VerdictCounts(ctx context.Context, since time.Time) ([]OpsVerdictCount, error)
}

// OpsPeer is one peer as the overview shows it.
type OpsPeer struct {
	Region  string
	URL     string // shown without credentials, query or fragment
	Breaker string // "closed", "half-open" or "open"
	// Via is the relaying peer (the hub) for a region reached through it:
	// its own breaker and calls, beside the hub's row.
	Via string
	// The calls of the last 5 minutes (at most the last 256): all, failed
	// (error or circuit open), and the percentiles of those that reached
	// the peer (Timed of them; none: no percentile).
	Calls, Errors, Timed int
	P50, P95             time.Duration
}

// OpsVerdictCount is how many verifications ended with a result and reason.
type OpsVerdictCount struct {
	Result, Reason string
	Count          int64
}

// The body of GET /v1/ops/overview.
type opsOverview struct {
	Region      string           `json:"region"`
	Time        time.Time        `json:"time"`
	Peers       []opsPeerJSON    `json:"peers"`
	Keys        []opsKeyJSON     `json:"keys"`
	Revocations []opsRevJSON     `json:"revocations"`
	Rules       []opsRuleJSON    `json:"rules"`
	Verdicts    []opsVerdictJSON `json:"verdicts_last_hour"` // null: the database did not answer
	Warnings    []string         `json:"warnings"`
}

type opsPeerJSON struct {
	Region   string   `json:"region"`
	URL      string   `json:"url,omitempty"`
	Via      string   `json:"via,omitempty"`
	Breaker  string   `json:"breaker"`
	P50      *float64 `json:"p50_ms"`
	P95      *float64 `json:"p95_ms"`
	Calls5m  int      `json:"calls_5m"`
	Errors5m int      `json:"errors_5m"`
}

type opsKeyJSON struct {
	Kid       string    `json:"kid"`
	Region    string    `json:"region"`
	Uses      []string  `json:"uses"`
	Scope     []string  `json:"scope"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	DaysLeft  float64   `json:"days_left"`
	Revoked   bool      `json:"revoked"`
}

type opsRevJSON struct {
	Kid       string    `json:"kid"`
	RevokedAt time.Time `json:"revoked_at"`
	Reason    string    `json:"reason"`
}

// opsRuleJSON is an admission rule as the operator sees it: whether it is
// in force now (the highest version of its Identifier inside its window),
// superseded by a higher version in force, starting later, or lapsed.
type opsRuleJSON struct {
	ID        string    `json:"id"`
	Version   string    `json:"version"`
	Region    string    `json:"region"`
	Type      string    `json:"type"`
	Scenes    []string  `json:"scenes"`
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to"`
	State     string    `json:"state"` // trust.RuleState
}

type opsVerdictJSON struct {
	Result string `json:"result"`
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// opsCountsTimeout bounds the one database query of the overview: a page
// that refreshes every 10 s must not pile up queries on a sick database.
const opsCountsTimeout = 3 * time.Second

// opsRoutes registers the operator overview and the operator page.
func (a *api) opsRoutes(r *gin.Engine) {
	r.GET("/v1/ops/overview", a.auth.require(RoleAdmin), a.opsOverview)
	r.GET("/operator", a.operatorPage)
	r.GET("/operator/:asset", a.operatorAsset)
}

func (a *api) opsOverview(c *gin.Context) {
	if a.Ops == nil || a.Trust == nil {
		renderError(c, fault.Unavailable, "this gateway has no operator overview")
		return
	}
	now := a.Ops.Now()
	out := opsOverview{Region: a.Ops.Region(), Time: now.UTC(), Peers: []opsPeerJSON{}, Warnings: []string{}}
	for _, p := range a.Ops.Peers() {
		out.Peers = append(out.Peers, opsPeerJSON{Region: p.Region, URL: publicURL(p.URL), Via: p.Via, Breaker: p.Breaker,
			P50: millis(p.P50, p.Timed), P95: millis(p.P95, p.Timed), Calls5m: p.Calls, Errors5m: p.Errors})
	}
	snap := a.Trust.Snapshot()
	out.Keys = opsKeys(snap, now)
	out.Revocations = []opsRevJSON{}
	for _, r := range snap.Revocations() {
		out.Revocations = append(out.Revocations, opsRevJSON{Kid: r.Kid, RevokedAt: r.RevokedAt.UTC(), Reason: r.Reason})
	}
	sort.SliceStable(out.Revocations, func(i, j int) bool { return out.Revocations[i].RevokedAt.After(out.Revocations[j].RevokedAt) })
	out.Rules = opsRules(snap, now)
	if a.Warnings != nil {
		out.Warnings = append(out.Warnings, a.Warnings()...)
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), opsCountsTimeout)
	defer cancel()
	counts, err := a.Ops.VerdictCounts(ctx, now.Add(-time.Hour))
	if err != nil {
		a.Logger.Warn("ops overview: verdict counts", "error", mapping.MaskIdentityNumbers(err.Error()), "request_id", requestID(c))
		out.Warnings = append(out.Warnings, "verdict counts: the database did not answer")
	} else {
		out.Verdicts = make([]opsVerdictJSON, 0, len(counts))
		for _, v := range counts {
			out.Verdicts = append(out.Verdicts, opsVerdictJSON{Result: v.Result, Reason: v.Reason, Count: v.Count})
		}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

// opsKeys lists every endorsed key, by region, then by the end of its
// window. A key's window is that of its endorsement in force that ends
// last; without one in force, of the next to start; else of the last to
// end. days_left is the time to the window's end, in days, floored to
// one decimal (negative once lapsed).
func opsKeys(snap *trust.Snapshot, now time.Time) []opsKeyJSON {
	out := []opsKeyJSON{}
	for _, region := range snap.Regions() {
		for _, k := range snap.KeysOf(region) {
			e := window(k.Endorsements, now)
			if e == nil {
				continue
			}
			uses := make([]string, len(e.Use))
			for i, u := range e.Use {
				uses[i] = string(u)
			}
			out = append(out, opsKeyJSON{Kid: k.Kid, Region: k.Sub, Uses: uses, Scope: slices.Clone(e.Scope),
				NotBefore: e.NotBefore.UTC(), NotAfter: e.NotAfter.UTC(),
				DaysLeft: math.Floor(e.NotAfter.Sub(now).Hours()/24*10) / 10, Revoked: k.Revoked != nil})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		return out[i].NotAfter.Before(out[j].NotAfter)
	})
	return out
}

// opsRules lists every rule the registry holds, by region, Identifier and
// version, with its state at now.
func opsRules(snap *trust.Snapshot, now time.Time) []opsRuleJSON {
	out := []opsRuleJSON{}
	for _, r := range snap.Rules() {
		state := snap.RuleState(r, now)
		scenes := slices.Clone(r.Scenes)
		if scenes == nil {
			scenes = []string{}
		}
		out = append(out, opsRuleJSON{ID: r.Identifier, Version: r.Version, Region: r.Country, Type: string(r.Type),
			Scenes: scenes, ValidFrom: r.ValidFrom.UTC(), ValidTo: r.ValidTo.UTC(), State: state})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].ValidFrom.Before(out[j].ValidFrom)
	})
	return out
}

func window(es []*trust.Endorsement, now time.Time) *trust.Endorsement {
	var inForce, next, last *trust.Endorsement
	for _, e := range es {
		switch {
		case !now.Before(e.NotBefore) && now.Before(e.NotAfter):
			if inForce == nil || e.NotAfter.After(inForce.NotAfter) {
				inForce = e
			}
		case now.Before(e.NotBefore):
			if next == nil || e.NotBefore.Before(next.NotBefore) {
				next = e
			}
		default:
			if last == nil || e.NotAfter.After(last.NotAfter) {
				last = e
			}
		}
	}
	switch {
	case inForce != nil:
		return inForce
	case next != nil:
		return next
	}
	return last
}

// millis is d in milliseconds to the microsecond, or nil without samples.
func millis(d time.Duration, samples int) *float64 {
	if samples == 0 {
		return nil
	}
	ms := math.Round(float64(d)/float64(time.Microsecond)) / 1000
	return &ms
}

// publicURL is u without credentials, query or fragment ("" if it does not
// parse): what an operator may see of a peer's address.
func publicURL(u string) string {
	if u == "" {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	p.User, p.RawQuery, p.ForceQuery, p.Fragment, p.RawFragment = nil, "", false, "", ""
	return p.String()
}

// operatorPage serves the operator page; operatorAsset its files. Like the
// checkpoint page they need no token: the page holds no secret, and its
// one call (GET /v1/ops/overview) carries the admin token the operator
// types in.
func (a *api) operatorPage(c *gin.Context) {
	servePage(c, "operator", web.OperatorAsset, web.OperatorIndex)
}

func (a *api) operatorAsset(c *gin.Context) {
	servePage(c, "operator", web.OperatorAsset, c.Param("asset"))
}
