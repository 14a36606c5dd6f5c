package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Wire constants of the correction protocol (DESIGN §13, docs/corrections.md).
const (
	TypCorrection      = "nic-correction+jwt"
	TypCorrectionQuery = "nic-correction-query+jwt"
	TypCorrectionAck   = "nic-correction-ack+jwt"
	// CorrectionsPath takes a filed correction; CorrectionQueryPath a
	// question about one. Both answer an acknowledgement.
	CorrectionsPath     = "/v1/federation/corrections"
	CorrectionQueryPath = "/v1/federation/corrections/query"
	// MaxCorrectionText bounds detail and note, in characters.
	MaxCorrectionText = 500
)

// Correction claims and states.
const (
	ClaimStatusWrong   = "status_wrong"
	ClaimIdentityWrong = "identity_wrong"
	ClaimOther         = "other"

	StatePending   = "pending"
	StateOpen      = "open"
	StateCorrected = "corrected"
	StateRejected  = "rejected"
)

// ValidClaim reports whether c is a claim of DESIGN §13.
func ValidClaim(c string) bool {
	return c == ClaimStatusWrong || c == ClaimIdentityWrong || c == ClaimOther
}

// CorrectionMsg is the claims of a filed correction.
type CorrectionMsg struct {
	Iss    string `json:"iss"`
	Aud    string `json:"aud"`
	IAT    int64  `json:"iat"`
	EXP    int64  `json:"exp"`
	JTI    string `json:"jti"`
	Ticket string `json:"ticket"`
	CID    string `json:"cid"` // a code id, or a holder key (HolderKeyPrefix)
	Claim  string `json:"claim"`
	Detail string `json:"detail,omitempty"`
}

// CorrectionQuery is the claims of a question about a filed correction.
type CorrectionQuery struct {
	Iss    string `json:"iss"`
	Aud    string `json:"aud"`
	IAT    int64  `json:"iat"`
	EXP    int64  `json:"exp"`
	JTI    string `json:"jti"`
	Ticket string `json:"ticket"`
}

// CorrectionAck is the claims of the org's signed acknowledgement: the
// ticket's state as it stands.
type CorrectionAck struct {
	Iss    string         `json:"iss"`
	Aud    string         `json:"aud"`
	IAT    int64          `json:"iat"`
	EXP    int64          `json:"exp"`
	RJTI   string         `json:"rjti"`
	Ticket string         `json:"ticket"`
	State  string         `json:"state"`
	St     mapping.Status `json:"st,omitempty"`  // the new status, when the resolution set one
	RAT    int64          `json:"rat,omitempty"` // resolved at (unix)
	Note   string         `json:"note,omitempty"`
}

// header is what every correction message checks alike.
func checkHeader(iss, aud, jti string, iat, exp int64, now time.Time, skew time.Duration) error {
	switch {
	case !mapping.ValidRegion(iss) || !mapping.ValidRegion(aud):
		return fault.Fail(fault.Malformed, "iss and aud must be regions")
	case !mapping.IDText(jti, mapping.MaxJTILen):
		return fault.Fail(fault.Malformed, "jti must be 1-64 of [A-Za-z0-9_-]")
	case iat <= 0 || exp <= iat || exp-iat > int64(MaxRequestLifetime/time.Second):
		return fault.Fail(fault.Malformed, "exp must be after iat and at most %s later", MaxRequestLifetime)
	case now.Add(skew).Before(time.Unix(iat, 0)):
		return fault.Fail(fault.NotYetValid, "message issued in the future")
	case !now.Before(time.Unix(exp, 0)):
		return fault.Fail(fault.Expired, "message expired")
	}
	return nil
}

// ValidTicket reports whether t can be a ticket id (audit.NewID writes 36
// of [0-9a-f-]).
func ValidTicket(t string) bool { return mapping.IDText(t, 36) }

// CheckCorrectionText checks a detail or a note: at most 500 characters,
// and nothing that may be a full name or an identity number
// (mapping.FreeTextProblem). The error never repeats the text.
func CheckCorrectionText(field, s string) error {
	if utf8.RuneCountInString(s) > MaxCorrectionText {
		return fault.Fail(fault.Malformed, "%s: at most %d characters", field, MaxCorrectionText)
	}
	if why := mapping.FreeTextProblem(s); why != "" {
		return fault.Fail(fault.Malformed, "%s: %s", field, why)
	}
	return nil
}

// VerifyCorrection checks a filed correction: signed by an endorsed
// federation key of its filer's region, claims, freshness, and a detail
// that holds no name or number (the org refuses to keep one whatever the
// filer let through). Replay is the responder's to check.
func VerifyCorrection(snap *trust.Snapshot, token string, now time.Time, skew time.Duration) (*CorrectionMsg, error) {
	key, payload, err := snap.VerifyCompact(token, TypCorrection)
	if err != nil {
		return nil, err
	}
	var m CorrectionMsg
	if err := mapping.DecodeClaims(payload, &m); err != nil {
		return nil, err
	}
	if err := checkHeader(m.Iss, m.Aud, m.JTI, m.IAT, m.EXP, now, skew); err != nil {
		return nil, err
	}
	switch {
	case !ValidTicket(m.Ticket):
		return nil, fault.Fail(fault.Malformed, "ticket must be 1-36 of [A-Za-z0-9_-]")
	case !cidRe.MatchString(m.CID) || mapping.HoldsIdentityNumber(m.CID):
		return nil, fault.Fail(fault.Malformed, "cid must be 1-128 of [A-Za-z0-9_.:-], never an identity number")
	case !ValidClaim(m.Claim):
		return nil, fault.Fail(fault.Malformed, "claim must be status_wrong, identity_wrong or other")
	}
	if err := CheckCorrectionText("detail", m.Detail); err != nil {
		return nil, err
	}
	if err := key.Authorize(trust.UseFederation, m.Iss, m.Iss, time.Unix(m.IAT, 0), skew); err != nil {
		return nil, err
	}
	return &m, nil
}

// VerifyCorrectionQuery checks a question about a ticket like
// VerifyCorrection checks a filing.
func VerifyCorrectionQuery(snap *trust.Snapshot, token string, now time.Time, skew time.Duration) (*CorrectionQuery, error) {
	key, payload, err := snap.VerifyCompact(token, TypCorrectionQuery)
	if err != nil {
		return nil, err
	}
	var q CorrectionQuery
	if err := mapping.DecodeClaims(payload, &q); err != nil {
		return nil, err
	}
	if err := checkHeader(q.Iss, q.Aud, q.JTI, q.IAT, q.EXP, now, skew); err != nil {
		return nil, err
	}
	if !ValidTicket(q.Ticket) {
		return nil, fault.Fail(fault.Malformed, "ticket must be 1-36 of [A-Za-z0-9_-]")
	}
	if err := key.Authorize(trust.UseFederation, q.Iss, q.Iss, time.Unix(q.IAT, 0), skew); err != nil {
		return nil, err
	}
	return &q, nil
}

// AckExpect is what the filer knows an acknowledgement must say.
type AckExpect struct {
	Org, Aud, RJTI, Ticket string
}

// VerifyAck checks an acknowledgement against the registry and the message
// it answers: signed by an endorsed status key of org, for this filer, this
// message and ticket, fresh, with a state the org may answer.
func VerifyAck(snap *trust.Snapshot, token string, want AckExpect, now time.Time, skew time.Duration) (*CorrectionAck, error) {
	key, payload, err := snap.VerifyCompact(token, TypCorrectionAck)
	if err != nil {
		return nil, err
	}
	var a CorrectionAck
	if err := mapping.DecodeClaims(payload, &a); err != nil {
		return nil, err
	}
	switch {
	case a.Iss != want.Org:
		return nil, fault.Fail(fault.ScopeViolation, "acknowledgement from %q, sent to %s", clip(a.Iss), want.Org)
	case a.Aud != want.Aud:
		return nil, fault.Fail(fault.Malformed, "acknowledgement for audience %q, not this gateway", clip(a.Aud))
	case a.RJTI != want.RJTI:
		return nil, fault.Fail(fault.Malformed, "acknowledgement of another message")
	case a.Ticket != want.Ticket:
		return nil, fault.Fail(fault.Malformed, "acknowledgement of another ticket")
	case a.State != StateOpen && a.State != StateCorrected && a.State != StateRejected:
		return nil, fault.Fail(fault.Malformed, "acknowledgement state %q", clip(a.State))
	case a.St != "" && (!a.St.Valid() || a.State != StateCorrected):
		return nil, fault.Fail(fault.Malformed, "a new status only with a correction")
	case (a.RAT != 0) != (a.State != StateOpen) || a.RAT < 0:
		return nil, fault.Fail(fault.Malformed, "rat is the time of a resolution, and only of one")
	case a.IAT <= 0 || a.EXP <= a.IAT || a.EXP-a.IAT > int64(MaxRequestLifetime/time.Second):
		// Made for the message it names (rjti), so as short-lived as it.
		return nil, fault.Fail(fault.Malformed, "acknowledgement times")
	case now.Add(skew).Before(time.Unix(a.IAT, 0)):
		return nil, fault.Fail(fault.NotYetValid, "acknowledgement issued in the future")
	case !now.Before(time.Unix(a.EXP, 0).Add(skew)):
		return nil, fault.Fail(fault.Expired, "acknowledgement expired")
	}
	if err := CheckCorrectionText("note", a.Note); err != nil {
		return nil, err
	}
	if err := key.Authorize(trust.UseStatus, a.Iss, want.Org, time.Unix(a.IAT, 0), skew); err != nil {
		return nil, err
	}
	return &a, nil
}

// CorrectionState is a received ticket as the org's inbox answers it.
type CorrectionState struct {
	State      string
	Status     mapping.Status // the new status, when the resolution set one
	ResolvedAt time.Time
	Note       string
}

// ReceivedCorrection is a filed correction that arrived at its org.
type ReceivedCorrection struct {
	From, Ticket, CID, Claim, Detail string
	At                               time.Time
}

// Errors of a CorrectionInbox.
var (
	// ErrNoTicket: the inbox has no such ticket from that region.
	ErrNoTicket = fault.New(fault.UnknownTicket, "no such ticket")
	// ErrTicketTaken: another region already filed a ticket with that id.
	ErrTicketTaken = fault.New(fault.Conflict, "ticket id already used by another region")
)

// CorrectionInbox keeps the corrections that arrive at the org (the
// gateway's database).
type CorrectionInbox interface {
	// Receive keeps c once: receiving a ticket again (a redelivery whose
	// acknowledgement was lost) answers its state as it stands.
	Receive(ctx context.Context, c ReceivedCorrection) (CorrectionState, error)
	// State answers a received ticket's state, ErrNoTicket when from never
	// filed it.
	State(ctx context.Context, from, ticket string) (CorrectionState, error)
}

// CorrectionResponder answers POST /v1/federation/corrections and
// /v1/federation/corrections/query: for its own region from its Inbox; as
// the hub, by relaying to the addressed region's peer like status requests.
type CorrectionResponder struct {
	Region  string
	Trust   *trust.Registry
	Signers []trust.Signer
	Inbox   CorrectionInbox // nil on the hub
	// Source, when set, is asked whether the code is this org's: a
	// correction for a code it never issued is refused (404 unknown_code).
	Source  Source
	Relay   *Client
	Clock   func() time.Time
	Skew    time.Duration
	MaxHops int // hops a message may have made (federation.max_hops); at least 1
	Logger  *slog.Logger
	// Shared, when set, holds message ids for every replica of this region.
	Shared Replays

	replay *replayCache
}

// Init prepares the replay cache; call once before serving. A MaxHops
// under 1 is refused, as Responder.Init refuses it.
func (r *CorrectionResponder) Init() error {
	if r.MaxHops < 1 {
		return fmt.Errorf("federation correction responder: MaxHops must be at least 1, not %d (federation.max_hops)", r.MaxHops)
	}
	if r.Clock == nil {
		r.Clock = time.Now
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	r.replay = newReplayCache(1 << 18)
	return nil
}

// Handle answers one correction message (query false) or question (query
// true) that arrived after hops hops.
func (r *CorrectionResponder) Handle(ctx context.Context, body []byte, hops int, query bool) Reply {
	if hops > r.MaxHops {
		return errReply(fault.LoopDetected, fmt.Sprintf("more than %d hops", r.MaxHops))
	}
	token := strings.TrimSpace(string(body))
	now := r.Clock()
	snap := r.Trust.Snapshot()
	var (
		iss, aud, jti string
		exp           int64
		msg           *CorrectionMsg
		q             *CorrectionQuery
		err           error
	)
	if query {
		if q, err = VerifyCorrectionQuery(snap, token, now, r.Skew); err == nil {
			iss, aud, jti, exp = q.Iss, q.Aud, q.JTI, q.EXP
		}
	} else if msg, err = VerifyCorrection(snap, token, now, r.Skew); err == nil {
		iss, aud, jti, exp = msg.Iss, msg.Aud, msg.JTI, msg.EXP
	}
	if err != nil {
		return correctionRefused(err)
	}
	kind := "c|"
	if query {
		kind = "q|"
	}
	key := kind + iss + "|" + jti
	fresh, full := r.replay.first(key, time.Unix(exp, 0), now)
	if full {
		return errReply(fault.Unavailable, "too many requests in flight; retry")
	}
	if fresh && r.Shared != nil {
		if fresh, err = r.Shared.FirstSeen(ctx, "correction|"+key, time.Unix(exp, 0)); err != nil {
			r.Logger.Warn("replay store failed", "error", mapping.MaskIdentityNumbers(err.Error()))
			return errReply(fault.Unavailable, "message ids cannot be checked now; retry")
		}
	}
	if !fresh {
		return errReply(fault.Replayed, "this message id was seen already")
	}
	if aud != r.Region {
		return r.relay(ctx, aud, body, hops, query)
	}
	if r.Inbox == nil {
		return errReply(fault.WrongGateway, "this gateway takes no corrections")
	}
	var st CorrectionState
	var ticket string
	if query {
		ticket = q.Ticket
		st, err = r.Inbox.State(ctx, iss, ticket)
	} else {
		ticket = msg.Ticket
		if r.Source != nil {
			if _, lerr := r.Source.Lookup(ctx, msg.CID); fault.ReasonOf(lerr) == fault.StatusUnknown || errors.Is(lerr, ErrUnknownCode) {
				return errReply(fault.UnknownCode, "the issuer does not know this code")
			}
			// Any other failure of the platform does not stop a
			// correction: the admin sees it either way.
		}
		st, err = r.Inbox.Receive(ctx, ReceivedCorrection{From: iss, Ticket: ticket, CID: msg.CID, Claim: msg.Claim,
			Detail: msg.Detail, At: now})
	}
	switch {
	case errors.Is(err, ErrNoTicket):
		return errReply(fault.UnknownTicket, "no such ticket from region "+iss)
	case errors.Is(err, ErrTicketTaken):
		return errReply(fault.Conflict, "this ticket id is another region's")
	case err != nil:
		r.Logger.Warn("correction inbox failed", "error", mapping.MaskIdentityNumbers(err.Error()))
		return errReply(fault.Unavailable, "corrections cannot be kept now; retry")
	}
	signer, err := trust.PickSigner(r.Signers, snap, trust.UseStatus, r.Region, r.Region, now)
	if err != nil {
		return errReply(fault.Unavailable, "this gateway has no status key in force")
	}
	ack := CorrectionAck{Iss: r.Region, Aud: iss, IAT: now.Unix(), EXP: now.Add(MaxRequestLifetime).Unix(), RJTI: jti,
		Ticket: ticket, State: st.State, Note: st.Note}
	if st.State == StateCorrected {
		ack.St = st.Status
	}
	if st.State != StateOpen && !st.ResolvedAt.IsZero() {
		ack.RAT = st.ResolvedAt.Unix()
	}
	payload, _ := json.Marshal(ack)
	tok, err := signer.SignCompact(payload, TypCorrectionAck)
	if err != nil {
		return errReply(fault.Unavailable, "signing failed")
	}
	return Reply{Status: http.StatusOK, Body: []byte(tok), ContentType: ContentTypeJOSE}
}

func (r *CorrectionResponder) relay(ctx context.Context, aud string, body []byte, hops int, query bool) Reply {
	if r.Region != mapping.NationalRegion || r.Relay == nil {
		return errReply(fault.WrongGateway, "this gateway answers for region "+r.Region)
	}
	if hops+1 > r.MaxHops {
		return errReply(fault.LoopDetected, fmt.Sprintf("more than %d hops", r.MaxHops))
	}
	path := CorrectionsPath
	if query {
		path = CorrectionQueryPath
	}
	status, data, err := r.Relay.ForwardTo(ctx, aud, path, body, hops+1)
	if errors.Is(err, ErrNoRoute) {
		return errReply(fault.NotFound, "no peer for region "+aud)
	}
	if err != nil {
		r.Logger.Warn("correction relay failed", "to", aud, "error", mapping.MaskIdentityNumbers(err.Error()))
		return errReply(fault.UpstreamUnavailable, "region "+aud+" could not be reached")
	}
	ct := ContentTypeJOSE
	if status != http.StatusOK {
		ct = "application/json"
	}
	return Reply{Status: status, Body: data, ContentType: ct}
}

// correctionRefused maps a refused correction message to the HTTP status a
// peer sees, as requestRefused does for status requests.
func correctionRefused(err error) Reply { return refused("correction message", err) }

// ValidCID reports whether s can be named in the status and correction
// protocols as a code id.
func ValidCID(s string) bool { return cidRe.MatchString(s) }
