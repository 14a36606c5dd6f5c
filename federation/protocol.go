package federation

import (
	"regexp"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Wire constants of DESIGN §7.
const (
	TypRequest      = "nic-status-req+jwt"
	TypAnswer       = "nic-status+jwt"
	HopsHeader      = "Hcgw-Hops"
	ContentTypeJOSE = "application/jose"
	// MaxRequestLifetime bounds exp - iat of a status request.
	MaxRequestLifetime = 60 * time.Second
	// MaxBody bounds any request or answer body.
	MaxBody = 16 << 10
)

// Request is the claims of a status request.
type Request struct {
	Iss   string `json:"iss"`
	Aud   string `json:"aud"`
	IAT   int64  `json:"iat"`
	EXP   int64  `json:"exp"`
	JTI   string `json:"jti"`
	Org   string `json:"org"`
	CID   string `json:"cid"`
	Scene string `json:"scene,omitempty"`
}

// Answer is the claims of a status answer.
type Answer struct {
	Iss  string         `json:"iss"`
	Aud  string         `json:"aud"`
	IAT  int64          `json:"iat"`
	EXP  int64          `json:"exp"`
	RJTI string         `json:"rjti"`
	CID  string         `json:"cid"`
	St   mapping.Status `json:"st"`
	SA   int64          `json:"sa"`
	HN   string         `json:"hn"`
	HID  string         `json:"hid"`
	// IT is the itinerary mark the issuer knows (DESIGN §12); optional.
	IT *mapping.Itinerary `json:"it,omitempty"`

	key *trust.Key // the key that signed it (VerifyAnswer)
}

var (
	cidRe = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,128}$`)
)

// VerifyRequest checks a status request: signature by an endorsed
// federation key of the requester's region, claims, freshness. Replay is the
// caller's (Responder) to check.
func VerifyRequest(snap *trust.Snapshot, token string, now time.Time, skew time.Duration) (*Request, error) {
	key, payload, err := snap.VerifyCompact(token, TypRequest)
	if err != nil {
		return nil, err
	}
	var r Request
	if err := mapping.DecodeClaims(payload, &r); err != nil {
		return nil, err
	}
	switch {
	case !mapping.ValidRegion(r.Iss) || !mapping.ValidRegion(r.Aud) || !mapping.ValidRegion(r.Org):
		return nil, fault.Fail(fault.Malformed, "iss, aud and org must be regions")
	case !mapping.IDText(r.JTI, mapping.MaxJTILen):
		return nil, fault.Fail(fault.Malformed, "jti must be 1-64 of [A-Za-z0-9_-]")
	case !cidRe.MatchString(r.CID):
		return nil, fault.Fail(fault.Malformed, "cid must be 1-128 of [A-Za-z0-9_.:-]")
	case mapping.HoldsIdentityNumber(r.CID):
		// A peer asking about a resident identity number in clear is refused
		// before anything is logged or looked up (docs/masking.md).
		return nil, fault.Fail(fault.Malformed, "cid must not hold a resident identity number")
	case r.IAT <= 0 || r.EXP <= r.IAT || r.EXP-r.IAT > int64(MaxRequestLifetime/time.Second):
		return nil, fault.Fail(fault.Malformed, "exp must be after iat and at most %s later", MaxRequestLifetime)
	case now.Add(skew).Before(time.Unix(r.IAT, 0)):
		return nil, fault.Fail(fault.NotYetValid, "request issued in the future")
	case !now.Before(time.Unix(r.EXP, 0)):
		return nil, fault.Fail(fault.Expired, "request expired")
	}
	if err := key.Authorize(trust.UseFederation, r.Iss, r.Iss, time.Unix(r.IAT, 0), skew); err != nil {
		return nil, err
	}
	return &r, nil
}

// Expect is what the requester knows an answer must say.
type Expect struct {
	Org, Aud, RJTI, CID string
}

// VerifyAnswer checks a status answer against the registry and against the
// request it answers: signed by an endorsed status key of org, for this
// requester, this request, this code, not lapsed.
func VerifyAnswer(snap *trust.Snapshot, token string, want Expect, now time.Time, skew time.Duration) (*Answer, error) {
	key, payload, err := snap.VerifyCompact(token, TypAnswer)
	if err != nil {
		return nil, err
	}
	var a Answer
	if err := mapping.DecodeClaims(payload, &a); err != nil {
		return nil, err
	}
	switch {
	case a.Iss != want.Org:
		return nil, fault.Fail(fault.ScopeViolation, "answer from %q, asked %s", clip(a.Iss), want.Org)
	case a.Aud != want.Aud:
		return nil, fault.Fail(fault.Malformed, "answer for audience %q, not this gateway", clip(a.Aud))
	case a.RJTI != want.RJTI:
		return nil, fault.Fail(fault.Malformed, "answer to another request")
	case a.CID != want.CID:
		return nil, fault.Fail(fault.Malformed, "answer about another code")
	case !a.St.Valid():
		return nil, fault.Fail(fault.Malformed, "answer status %q", clip(string(a.St)))
	case a.IAT <= 0 || a.SA <= 0 || a.EXP <= 0:
		return nil, fault.Fail(fault.Malformed, "answer times")
	case now.Add(skew).Before(time.Unix(a.IAT, 0)):
		return nil, fault.Fail(fault.NotYetValid, "answer issued in the future")
	case now.Add(-MaxRequestLifetime).After(time.Unix(a.IAT, 0).Add(skew)):
		// Answers are made for the request they name (rjti): one signed
		// long before it was asked for is not an answer to it.
		return nil, fault.Fail(fault.Expired, "answer issued before its request")
	case a.HN != "" && !mapping.IsMaskedName(a.HN), a.HID != "" && !mapping.IsMaskedID(a.HID):
		return nil, fault.Fail(fault.Malformed, "answer carries an unmasked holder")
	}
	if a.IT != nil {
		if err := mapping.CheckItinerary(payload, a.IT); err != nil {
			return nil, err
		}
	}
	if err := key.Authorize(trust.UseStatus, a.Iss, want.Org, time.Unix(a.IAT, 0), skew); err != nil {
		return nil, err
	}
	a.key = key
	return &a, nil
}

// Key is the trust key that signed a checked answer (nil for one not made
// by VerifyAnswer).
func (a *Answer) Key() *trust.Key { return a.key }

// Live converts a checked answer to the national model as it stands at now:
// its exp is the status's end (DESIGN §7 refined, docs/federation.md), so an
// answer past it is grey, whatever colour it names.
func (a *Answer) Live(now time.Time) mapping.LiveStatus {
	return mapping.LiveStatus{Status: a.St, At: time.Unix(a.SA, 0).UTC(), Expires: time.Unix(a.EXP, 0).UTC(),
		Holder: mapping.Holder{Name: a.HN, ID: a.HID}, IT: a.IT}.AsOf(now)
}

func clip(s string) string { return mapping.Clip(s, 32) }
