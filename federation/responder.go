package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Responder answers POST /v1/federation/status: for its own region from
// its Source; as the hub, by relaying to the addressed region's peer.
type Responder struct {
	Region    string
	Trust     *trust.Registry
	Signers   []trust.Signer
	Source    Source  // this region's platform (nil on the hub)
	Relay     *Client // the hub's outbound client (nil elsewhere)
	Clock     func() time.Time
	Skew      time.Duration
	MaxHops   int           // hops a request may have made (federation.max_hops); at least 1
	AnswerTTL time.Duration // how long an answer may be cached; default 60 s
	Logger    *slog.Logger
	// Shared, when set, holds request ids for every replica of this region;
	// the process's own cache answers a replay to this replica first.
	Shared Replays

	replay *replayCache
}

// Reply is what the HTTP layer writes back: SetHeaders, then Status,
// ContentType and Body as they are.
type Reply struct {
	Status      int
	Body        []byte
	ContentType string
	// Region is the region a hub's 502 upstream_unavailable is about
	// (header Hcgw-Upstream-Region): the asker counts it against that
	// region, not against the hub.
	Region string
	// RetriesSpent is how many retries the chain below spent on the
	// request (header Hcgw-Retries-Spent, budget.go).
	RetriesSpent int
}

// UpstreamRegionHeader names the region a hub could not reach.
const UpstreamRegionHeader = "Hcgw-Upstream-Region"

// SetHeaders writes the reply's federation headers into h.
func (rep Reply) SetHeaders(h http.Header) {
	if rep.Region != "" {
		h.Set(UpstreamRegionHeader, rep.Region)
	}
	if rep.RetriesSpent > 0 {
		h.Set(RetriesSpentHeader, strconv.Itoa(rep.RetriesSpent))
	}
}

// errReply is the error envelope of kind k (its status and code are the
// kind's: fault's table holds the federation's codes too). msg is client
// text: never an internal error's.
func errReply(k fault.Kind, msg string) Reply {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": k.Code(), "message": msg}})
	return Reply{Status: k.Status(), Body: b, ContentType: "application/json"}
}

// Init prepares the replay cache; call once before serving. A MaxHops
// under 1 is refused: it would refuse every request, relayed or not.
func (r *Responder) Init() error {
	if r.MaxHops < 1 {
		return fmt.Errorf("federation responder: MaxHops must be at least 1, not %d (federation.max_hops)", r.MaxHops)
	}
	if r.Clock == nil {
		r.Clock = time.Now
	}
	if r.AnswerTTL <= 0 {
		r.AnswerTTL = 60 * time.Second
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	r.replay = newReplayCache(1 << 20)
	return nil
}

// Handle answers one status request body that arrived after hops hops,
// under ctx's retry budget if it has one (RetryBudgetFrom).
func (r *Responder) Handle(ctx context.Context, body []byte, hops int) Reply {
	if budgetOf(ctx) == nil {
		// A requester built against DESIGN §7: each retrying client below
		// keeps its own bound, as there; what they spent is still told.
		ctx = WithRetryBudget(ctx, MaxRetryBudget)
	}
	rep := r.handle(ctx, body, hops)
	rep.RetriesSpent = retriesSpent(ctx)
	return rep
}

func (r *Responder) handle(ctx context.Context, body []byte, hops int) Reply {
	if hops > r.MaxHops {
		return errReply(fault.LoopDetected, fmt.Sprintf("more than %d hops", r.MaxHops))
	}
	token := strings.TrimSpace(string(body))
	now := r.Clock()
	req, err := VerifyRequest(r.Trust.Snapshot(), token, now, r.Skew)
	if err != nil {
		return requestRefused(err)
	}
	key := req.Iss + "|" + req.JTI
	fresh, full := r.replay.first(key, time.Unix(req.EXP, 0), now)
	if full {
		return errReply(fault.Unavailable, "too many requests in flight; retry")
	}
	if fresh && r.Shared != nil {
		var err error
		if fresh, err = r.Shared.FirstSeen(ctx, "status|"+key, time.Unix(req.EXP, 0)); err != nil {
			r.Logger.Warn("replay store failed", "error", mapping.MaskIdentityNumbers(err.Error()))
			return errReply(fault.Unavailable, "request ids cannot be checked now; retry")
		}
	}
	if !fresh {
		return errReply(fault.Replayed, "this request id was seen already")
	}
	if req.Aud != r.Region {
		if r.Region != mapping.NationalRegion || r.Relay == nil {
			return errReply(fault.WrongGateway, "this gateway answers for region "+r.Region)
		}
		if hops+1 > r.MaxHops {
			return errReply(fault.LoopDetected, fmt.Sprintf("more than %d hops", r.MaxHops))
		}
		status, data, err := r.Relay.Forward(ctx, req.Aud, body, hops+1)
		if errors.Is(err, ErrNoRoute) {
			return errReply(fault.NotFound, "no peer for region "+req.Aud)
		}
		if err != nil {
			r.Logger.Warn("relay failed", "to", req.Aud, "error", mapping.MaskIdentityNumbers(err.Error()))
			rep := errReply(fault.UpstreamUnavailable, "region "+req.Aud+" could not be reached")
			rep.Region = req.Aud
			return rep
		}
		ct := ContentTypeJOSE
		if status != http.StatusOK {
			ct = "application/json"
		}
		return Reply{Status: status, Body: data, ContentType: ct}
	}
	if req.Org != r.Region || r.Source == nil {
		return errReply(fault.WrongGateway, "this gateway answers only for region "+r.Region)
	}
	st, err := r.Source.Lookup(ctx, req.CID)
	if fault.ReasonOf(err) == fault.StatusUnknown {
		return errReply(fault.UnknownCode, "the issuer does not know this code")
	}
	if err != nil {
		r.Logger.Warn("status source failed", "error", mapping.MaskIdentityNumbers(err.Error()))
		return errReply(fault.Unavailable, "the provincial platform cannot answer now")
	}
	signer, err := trust.PickSigner(r.Signers, r.Trust.Snapshot(), trust.UseStatus, r.Region, r.Region, now)
	if err != nil {
		return errReply(fault.Unavailable, "this gateway has no status key in force")
	}
	exp := now.Add(r.AnswerTTL)
	if !st.Expires.IsZero() && st.Expires.Before(exp) {
		// Never cached beyond the platform's own end.
		exp = st.Expires
	}
	ans := Answer{Iss: r.Region, Aud: req.Iss, IAT: now.Unix(), EXP: exp.Unix(), RJTI: req.JTI, CID: req.CID,
		St: st.Status, SA: st.At.Unix(), HN: st.Holder.Name, HID: st.Holder.ID, IT: st.IT}
	if st.Lapsed(now) || ans.EXP <= ans.IAT {
		// The platform no longer vouches for it: grey, with the platform's
		// end as exp (at or before iat), so that no cache anywhere keeps it
		// and no one reads it as the colour it had.
		ans.St = mapping.Grey
	}
	payload, _ := json.Marshal(ans)
	tok, err := signer.SignCompact(payload, TypAnswer)
	if err != nil {
		return errReply(fault.Unavailable, "signing failed")
	}
	return Reply{Status: http.StatusOK, Body: []byte(tok), ContentType: ContentTypeJOSE}
}

// requestRefused maps a refused request to the HTTP status a peer sees.
func requestRefused(err error) Reply { return refused("status request", err) }

// refused answers a refused message: its reason and its client message,
// never the internal text of its causes.
func refused(what string, err error) Reply {
	r := fault.ReasonOf(err)
	msg := what + " refused: " + r.String()
	if fault.KindOf(err) != fault.Internal {
		msg += ": " + fault.MessageOf(err)
	}
	switch r {
	case fault.BadSignature, fault.UnknownKey, fault.UnknownIssuer, fault.RevokedKey:
		return errReply(fault.Unauthenticated, msg)
	case fault.ScopeViolation, fault.KeyNotValid:
		return errReply(fault.Forbidden, msg)
	}
	return errReply(fault.BadRequest, msg)
}
