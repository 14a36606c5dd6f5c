package mapping

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hcgw/hcgw/fault"
)

// NICVersion is the only value of the "v" claim this code understands.
const NICVersion = 1

// The two values of a nucleic-acid test result ("nat.r").
const (
	NATNegative = "negative"
	NATPositive = "positive"
)

// MaxValidity bounds exp - iat of a NIC (DESIGN §3).
const MaxValidity = 7 * 24 * time.Hour

const (
	// maxPayloadBytes bounds the claims JSON. A whole code is at most 4 KiB
	// (DESIGN §6) and its payload is a base64url part of it, so a larger
	// payload cannot come from a valid code; the bound keeps parsing cheap.
	maxPayloadBytes = 4096
	// maxUnixTime is 9999-12-31T23:59:59Z. Later instants cannot be written as
	// RFC 3339 (time.Time.MarshalJSON fails), and verdicts carry times in
	// that form, so a code must not be able to carry one.
	maxUnixTime = 253402300799
	// statusSkew is how far "sa" (and "nat.t") may lie after "iat": clocks
	// of the status platform and of the signer are not the same clock.
	statusSkew = 60
	maxVac     = 20
)

// MaxJTILen is the longest jti of a national code or a federation message:
// 1 to MaxJTILen of [A-Za-z0-9_-] (IDText).
const MaxJTILen = 64

// NAT is the last nucleic-acid test: result ("negative" or "positive") and
// when it was taken (unix seconds).
type NAT struct {
	Result string `json:"r"`
	Time   int64  `json:"t"`
}

// Itinerary is the itinerary mark (DESIGN §12): the regions of the last
// 14 days, whether one was a city with risk areas (the star), and when it
// was computed (unix seconds).
type Itinerary struct {
	Regions []string `json:"r"`
	Star    bool     `json:"star"`
	Time    int64    `json:"t"`
}

// MaxItineraryRegions bounds an itinerary's regions (DESIGN §12).
const MaxItineraryRegions = 32

// Validate checks an itinerary's values; name is the claim ("it").
func (it *Itinerary) Validate(name string) error {
	if len(it.Regions) > MaxItineraryRegions {
		return fault.Fail(fault.Malformed, "claim \"%s.r\": at most %d regions", name, MaxItineraryRegions)
	}
	for _, r := range it.Regions {
		if !ValidRegion(r) {
			return fault.Fail(fault.Malformed, "claim \"%s.r\": every region is six digits", name)
		}
	}
	return checkTime(name+".t", it.Time)
}

// Claims are the claims of a national information code, version 1
// (DESIGN §3). HN and HID hold masked values only.
type Claims struct {
	V   int    `json:"v"`
	Iss string `json:"iss"`
	Org string `json:"org"`
	JTI string `json:"jti"`
	IAT int64  `json:"iat"`
	EXP int64  `json:"exp"`
	St  Status `json:"st"`
	SA  int64  `json:"sa"`
	HN  string `json:"hn"`
	HID string `json:"hid"`
	NAT *NAT   `json:"nat,omitempty"`
	Vac *int   `json:"vac,omitempty"`
	// IT is the optional itinerary mark (DESIGN §12).
	IT *Itinerary `json:"it,omitempty"`
}

// ParseClaims decodes and validates the payload of a NIC's JWS. The payload
// must be exactly one JSON object, read by DecodeStrict as every signed
// message is (names exact in case, no name twice, valid UTF-8, integers as
// JSON integers within int64, no null); then the values are checked by
// Validate.
//
// The claim set is closed: an unknown claim is refused rather than ignored.
// NIC v1 is a fixed contract between regions; a claim this gateway does not
// understand might change the meaning of the code (a restriction, a scope),
// and ignoring it would pass a code its issuer meant otherwise. A new claim
// means a new "v".
//
// Every error is a *fault.Error with Reason fault.Malformed naming the claim; no error
// contains a claim's value (the holder's name and number above all).
//
// A payload of the plain shape signers write is read by readPlainClaims, a
// single pass that reads the same claims; any other goes to DecodeStrict.
func ParseClaims(payload []byte) (*Claims, error) {
	if len(payload) > maxPayloadBytes {
		return nil, fault.Fail(fault.Malformed, "claims: payload larger than %d bytes", maxPayloadBytes)
	}
	c, ok := readPlainClaims(payload)
	if !ok {
		return parseClaimsStrict(payload)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseClaimsStrict is ParseClaims through DecodeStrict alone.
func parseClaimsStrict(payload []byte) (*Claims, error) {
	if len(payload) > maxPayloadBytes {
		return nil, fault.Fail(fault.Malformed, "claims: payload larger than %d bytes", maxPayloadBytes)
	}
	c := new(Claims)
	if err := DecodeStrict(payload, c, claimsStrict); err != nil {
		return nil, err
	}
	if err := c.missing(payload); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

var claimsStrict = Strict{What: "claims", Noun: "claim", Closed: true,
	Unknown: "unknown claim (the NIC v1 claim set is closed)"}

// requiredClaims in the order of DESIGN §3, which is the order in which a
// missing one is reported.
var requiredClaims = []string{"v", "iss", "org", "jti", "iat", "exp", "st", "sa", "hn", "hid"}

// missing reports the first required claim the payload lacks. No valid
// value of a required claim is its zero value, so claims without a zero
// are complete and the payload is not looked at again; otherwise it is
// read once more, for the names only, to tell a missing claim from a zero.
func (c *Claims) missing(payload []byte) error {
	complete := c.V != 0 && c.Iss != "" && c.Org != "" && c.JTI != "" && c.IAT != 0 && c.EXP != 0 &&
		c.St != "" && c.SA != 0 && c.HN != "" && c.HID != ""
	if complete && (c.NAT == nil || c.NAT.Result != "" && c.NAT.Time != 0) && c.IT == nil {
		return nil
	}
	var names map[string]jsontext.Value
	if err := DecodeStrict(payload, &names, claimsStrict); err != nil {
		return err
	}
	for _, k := range requiredClaims {
		if _, ok := names[k]; !ok {
			return fault.Fail(fault.Malformed, "claim %q: missing", k)
		}
	}
	if c.NAT != nil {
		if err := requireMembers(names["nat"], "nat", "r", "t"); err != nil {
			return err
		}
	}
	if c.IT != nil {
		return requireMembers(names["it"], "it", ItineraryMembers...)
	}
	return nil
}

// ItineraryMembers are the members every itinerary mark has.
var ItineraryMembers = []string{"r", "star", "t"}

// requireMembers reports the first of members that the object raw (the
// value of claim name) lacks.
func requireMembers(raw jsontext.Value, name string, members ...string) error {
	var m map[string]jsontext.Value
	if err := DecodeStrict(raw, &m, claimsStrict); err != nil {
		return err
	}
	for _, k := range members {
		if _, ok := m[k]; !ok {
			return fault.Fail(fault.Malformed, "claim \"%s.%s\": missing", name, k)
		}
	}
	return nil
}

// CheckItinerary checks the itinerary claim "it" of a signed message
// (a status answer) whose payload decoded into it: every member present
// (false and [] are values, so the payload is read again for the names)
// and every value sound.
func CheckItinerary(payload []byte, it *Itinerary) error {
	var names map[string]jsontext.Value
	if err := DecodeStrict(payload, &names, claimsStrict); err != nil {
		return err
	}
	if err := requireMembers(names["it"], "it", ItineraryMembers...); err != nil {
		return err
	}
	return it.Validate("it")
}

// quoteKey quotes a claim name that was not recognised; it comes from the
// sender, so it is shortened before it reaches a log.
func quoteKey(k string) string {
	const limit = 32
	if utf8.RuneCountInString(k) > limit {
		k = string([]rune(k)[:limit]) + "…"
	}
	return strconv.QuoteToASCII(k)
}

// Validate checks the value rules of DESIGN §3 on claims parsed or built in
// code (before signing). It does not look at the clock: whether a code has
// expired or is not yet valid is the verifier's decision. Nor does it check
// that org may be spoken for by iss; that is the trust registry's scope.
//
// Every error is a *fault.Error with Reason fault.Malformed. An unmasked holder is
// fault.Malformed too: a full name or number must never be signed or passed on.
func (c *Claims) Validate() error {
	if c == nil {
		return fault.Fail(fault.Malformed, "claims: none")
	}
	if c.V != NICVersion {
		return fault.Fail(fault.Malformed, "claim \"v\": must be %d, not %d", NICVersion, c.V)
	}
	if !ValidRegion(c.Iss) {
		return fault.Fail(fault.Malformed, "claim \"iss\": must be a region code of six digits")
	}
	if !ValidRegion(c.Org) {
		return fault.Fail(fault.Malformed, "claim \"org\": must be a region code of six digits")
	}
	if !IDText(c.JTI, MaxJTILen) {
		return fault.Fail(fault.Malformed, "claim \"jti\": must be 1 to %d of [A-Za-z0-9_-]", MaxJTILen)
	}
	if HoldsIdentityNumber(c.JTI) {
		return fault.Fail(fault.Malformed, "claim \"jti\": must not hold a resident identity number")
	}
	if err := checkTime("iat", c.IAT); err != nil {
		return err
	}
	if err := checkTime("exp", c.EXP); err != nil {
		return err
	}
	if c.EXP <= c.IAT {
		return fault.Fail(fault.Malformed, "claim \"exp\": must be after \"iat\"")
	}
	// Both are positive, so the difference cannot overflow.
	if c.EXP-c.IAT > int64(MaxValidity/time.Second) {
		return fault.Fail(fault.Malformed, "claim \"exp\": %d s after \"iat\", more than the %d s allowed",
			c.EXP-c.IAT, int64(MaxValidity/time.Second))
	}
	if !c.St.Valid() {
		return fault.Fail(fault.Malformed, "claim \"st\": must be green, yellow, red or grey")
	}
	if err := checkTime("sa", c.SA); err != nil {
		return err
	}
	// Written as a subtraction: iat+60 could overflow, sa-60 cannot (sa > 0).
	if c.SA-statusSkew > c.IAT {
		return fault.Fail(fault.Malformed, "claim \"sa\": more than %d s after \"iat\" (a status cannot be computed after the code was issued)", statusSkew)
	}
	if !IsMaskedName(c.HN) {
		return fault.Fail(fault.Malformed, "claim \"hn\": must be a masked name")
	}
	if !IsMaskedID(c.HID) {
		return fault.Fail(fault.Malformed, "claim \"hid\": must be a masked identity number")
	}
	if c.NAT != nil {
		if c.NAT.Result != NATNegative && c.NAT.Result != NATPositive {
			return fault.Fail(fault.Malformed, "claim \"nat.r\": must be %q or %q", NATNegative, NATPositive)
		}
		if err := checkTime("nat.t", c.NAT.Time); err != nil {
			return err
		}
		if c.NAT.Time-statusSkew > c.IAT {
			return fault.Fail(fault.Malformed, "claim \"nat.t\": more than %d s after \"iat\" (a code cannot report a test taken after it was issued)", statusSkew)
		}
	}
	if c.Vac != nil && (*c.Vac < 0 || *c.Vac > maxVac) {
		return fault.Fail(fault.Malformed, "claim \"vac\": must be 0 to %d, not %d", maxVac, *c.Vac)
	}
	if c.IT != nil {
		if err := c.IT.Validate("it"); err != nil {
			return err
		}
		if c.IT.Time-statusSkew > c.IAT {
			return fault.Fail(fault.Malformed, "claim \"it.t\": more than %d s after \"iat\"", statusSkew)
		}
	}
	return nil
}

func checkTime(name string, t int64) error {
	if t <= 0 || t > maxUnixTime {
		return fault.Fail(fault.Malformed, "claim %q: must be a unix time after 1970 and before year 10000", name)
	}
	return nil
}
