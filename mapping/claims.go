package mapping

import (
	"strconv"
	"time"
	"unicode/utf8"
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
}

// requiredClaims in the order of DESIGN §3, which is the order in which a
// missing one is reported.
var requiredClaims = []string{"v", "iss", "org", "jti", "iat", "exp", "st", "sa", "hn", "hid"}

// ParseClaims decodes and validates the payload of a NIC's JWS. The payload
// must be exactly one JSON object in valid UTF-8; every claim is checked for
// its JSON type on its own (an integer claim must be a JSON integer, without
// fraction or exponent, within int64), duplicate claims are refused, and
// then the values are checked by Validate.
//
// The claim set is closed: an unknown claim is refused rather than ignored.
// NIC v1 is a fixed contract between regions; a claim this gateway does not
// understand might change the meaning of the code (a restriction, a scope),
// and ignoring it would pass a code its issuer meant otherwise. A new claim
// means a new "v".
//
// Every error is a *Problem with Reason Malformed naming the claim; no error
// contains a claim's value (the holder's name and number above all).
//
// The JSON is read by a scanner of its own (scan.go) rather than
// encoding/json's token stream, which took 62% of a verification's
// allocations and ≈ 14 µs of its CPU; a differential fuzz test holds it to
// the decoder-based reading it replaced (claims_ref_test.go).
func ParseClaims(payload []byte) (*Claims, error) {
	if len(payload) > maxPayloadBytes {
		return nil, Fail(Malformed, "claims: payload larger than %d bytes", maxPayloadBytes)
	}
	// Strings are taken as they are: invalid UTF-8 is refused up front.
	if !utf8.Valid(payload) {
		return nil, Fail(Malformed, "claims: invalid UTF-8")
	}
	s := scanner{b: payload}
	s.space()
	if s.eof() {
		return nil, Fail(Malformed, "claims: empty payload")
	}
	if s.peek() != '{' {
		k, err := s.kind()
		if err != nil {
			return nil, err
		}
		return nil, Fail(Malformed, "claims: must be a JSON object, not %s", k)
	}
	var (
		c    Claims
		seen uint16
	)
	err := s.object(func(key []byte) error {
		bit, ok := claimBits[string(key)]
		if !ok {
			return Fail(Malformed, "claim %s: unknown claim (the NIC v1 claim set is closed)", quoteKey(string(key)))
		}
		if seen&bit != 0 {
			return Fail(Malformed, "claim %s: duplicate", quoteKey(string(key)))
		}
		seen |= bit
		var err error
		switch bit {
		case bitV:
			c.V, err = s.intClaim("v")
		case bitIss:
			c.Iss, err = s.stringClaim("iss")
		case bitOrg:
			c.Org, err = s.stringClaim("org")
		case bitJTI:
			c.JTI, err = s.stringClaim("jti")
		case bitIAT:
			c.IAT, err = s.int64Claim("iat")
		case bitEXP:
			c.EXP, err = s.int64Claim("exp")
		case bitSt:
			var st string
			st, err = s.stringClaim("st")
			c.St = Status(st)
		case bitSA:
			c.SA, err = s.int64Claim("sa")
		case bitHN:
			c.HN, err = s.stringClaim("hn")
		case bitHID:
			c.HID, err = s.stringClaim("hid")
		case bitNAT:
			c.NAT, err = s.natClaim()
		case bitVac:
			var n int
			n, err = s.intClaim("vac")
			c.Vac = &n
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	s.space()
	if !s.eof() {
		return nil, Fail(Malformed, "claims: trailing data after the JSON object")
	}
	if seen&requiredBits != requiredBits {
		for _, k := range requiredClaims {
			if seen&claimBits[k] == 0 {
				return nil, Fail(Malformed, "claim %q: missing", k)
			}
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// The claims' bits in ParseClaims' seen set.
const (
	bitV uint16 = 1 << iota
	bitIss
	bitOrg
	bitJTI
	bitIAT
	bitEXP
	bitSt
	bitSA
	bitHN
	bitHID
	bitNAT
	bitVac

	requiredBits = bitV | bitIss | bitOrg | bitJTI | bitIAT | bitEXP | bitSt | bitSA | bitHN | bitHID
)

var claimBits = map[string]uint16{
	"v": bitV, "iss": bitIss, "org": bitOrg, "jti": bitJTI, "iat": bitIAT, "exp": bitEXP,
	"st": bitSt, "sa": bitSA, "hn": bitHN, "hid": bitHID, "nat": bitNAT, "vac": bitVac,
}

func (s *scanner) stringClaim(name string) (string, error) {
	if s.peek() != '"' {
		return "", s.typeError(name, "a string")
	}
	v, err := s.str()
	if err != nil {
		return "", err
	}
	return string(v), nil
}

func (s *scanner) int64Claim(name string) (int64, error) {
	c := s.peek()
	if c != '-' && (c < '0' || c > '9') {
		return 0, s.typeError(name, "an integer")
	}
	num, integer, err := s.number()
	if err != nil {
		return 0, err
	}
	if !integer {
		return 0, Fail(Malformed, "claim %q: must be an integer, without fraction or exponent", name)
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return 0, Fail(Malformed, "claim %q: integer out of range", name)
	}
	return n, nil
}

// intClaim is int64Claim for a Go int, which may be 32 bits wide: a value
// that does not fit is refused rather than wrapped (2^32+1 must not become 1).
func (s *scanner) intClaim(name string) (int, error) {
	n, err := s.int64Claim(name)
	if err != nil {
		return 0, err
	}
	if int64(int(n)) != n {
		return 0, Fail(Malformed, "claim %q: integer out of range", name)
	}
	return int(n), nil
}

// typeError reports the value at the cursor as not of the type wanted (or
// the syntax error it is).
func (s *scanner) typeError(name, want string) error {
	k, err := s.kind()
	if err != nil {
		return err
	}
	return Fail(Malformed, "claim %q: must be %s, not %s", name, want, k)
}

func (s *scanner) natClaim() (*NAT, error) {
	if s.peek() != '{' {
		return nil, s.typeError("nat", "an object")
	}
	var nat NAT
	var haveR, haveT bool
	err := s.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "r":
			if haveR {
				return Fail(Malformed, "claim \"nat.r\": duplicate")
			}
			haveR = true
			nat.Result, err = s.stringClaim("nat.r")
		case "t":
			if haveT {
				return Fail(Malformed, "claim \"nat.t\": duplicate")
			}
			haveT = true
			nat.Time, err = s.int64Claim("nat.t")
		default:
			return Fail(Malformed, "claim \"nat\": unknown member %s", quoteKey(string(key)))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !haveR {
		return nil, Fail(Malformed, "claim \"nat.r\": missing")
	}
	if !haveT {
		return nil, Fail(Malformed, "claim \"nat.t\": missing")
	}
	return &nat, nil
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
// Every error is a *Problem with Reason Malformed. An unmasked holder is
// Malformed too: a full name or number must never be signed or passed on.
func (c *Claims) Validate() error {
	if c == nil {
		return Fail(Malformed, "claims: none")
	}
	if c.V != NICVersion {
		return Fail(Malformed, "claim \"v\": must be %d, not %d", NICVersion, c.V)
	}
	if !ValidRegion(c.Iss) {
		return Fail(Malformed, "claim \"iss\": must be a region code of six digits")
	}
	if !ValidRegion(c.Org) {
		return Fail(Malformed, "claim \"org\": must be a region code of six digits")
	}
	if !IDText(c.JTI, MaxJTILen) {
		return Fail(Malformed, "claim \"jti\": must be 1 to %d of [A-Za-z0-9_-]", MaxJTILen)
	}
	if HoldsIdentityNumber(c.JTI) {
		return Fail(Malformed, "claim \"jti\": must not hold a resident identity number")
	}
	if err := checkTime("iat", c.IAT); err != nil {
		return err
	}
	if err := checkTime("exp", c.EXP); err != nil {
		return err
	}
	if c.EXP <= c.IAT {
		return Fail(Malformed, "claim \"exp\": must be after \"iat\"")
	}
	// Both are positive, so the difference cannot overflow.
	if c.EXP-c.IAT > int64(MaxValidity/time.Second) {
		return Fail(Malformed, "claim \"exp\": %d s after \"iat\", more than the %d s allowed",
			c.EXP-c.IAT, int64(MaxValidity/time.Second))
	}
	if !c.St.Valid() {
		return Fail(Malformed, "claim \"st\": must be green, yellow, red or grey")
	}
	if err := checkTime("sa", c.SA); err != nil {
		return err
	}
	// Written as a subtraction: iat+60 could overflow, sa-60 cannot (sa > 0).
	if c.SA-statusSkew > c.IAT {
		return Fail(Malformed, "claim \"sa\": more than %d s after \"iat\" (a status cannot be computed after the code was issued)", statusSkew)
	}
	if !IsMaskedName(c.HN) {
		return Fail(Malformed, "claim \"hn\": must be a masked name")
	}
	if !IsMaskedID(c.HID) {
		return Fail(Malformed, "claim \"hid\": must be a masked identity number")
	}
	if c.NAT != nil {
		if c.NAT.Result != NATNegative && c.NAT.Result != NATPositive {
			return Fail(Malformed, "claim \"nat.r\": must be %q or %q", NATNegative, NATPositive)
		}
		if err := checkTime("nat.t", c.NAT.Time); err != nil {
			return err
		}
		if c.NAT.Time-statusSkew > c.IAT {
			return Fail(Malformed, "claim \"nat.t\": more than %d s after \"iat\" (a code cannot report a test taken after it was issued)", statusSkew)
		}
	}
	if c.Vac != nil && (*c.Vac < 0 || *c.Vac > maxVac) {
		return Fail(Malformed, "claim \"vac\": must be 0 to %d, not %d", maxVac, *c.Vac)
	}
	return nil
}

func checkTime(name string, t int64) error {
	if t <= 0 || t > maxUnixTime {
		return Fail(Malformed, "claim %q: must be a unix time after 1970 and before year 10000", name)
	}
	return nil
}
