package eudcc

import (
	"math"
	"math/big"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/hcgw/hcgw/fault"
)

// The CWT claim keys an EU certificate uses (RFC 8392 and the hcert
// specification).
const (
	claimIss   = 1
	claimExp   = 4
	claimIat   = 6
	claimHCert = -260
	hcertDCC   = 1 // eu_dgc_v1 inside hcert
)

// dec is the one CBOR decoding mode for untrusted certificate content:
// duplicate map keys refused, depth and sizes bounded, text must be UTF-8,
// struct fields matched case-sensitively.
var dec = decMode(untrusted)

// untrusted are the decoding options of every certificate read.
var untrusted = cbor.DecOptions{
	DupMapKey:         cbor.DupMapKeyEnforcedAPF,
	MaxNestedLevels:   16,
	MaxArrayElements:  1024,
	MaxMapPairs:       1024,
	IndefLength:       cbor.IndefLengthAllowed,
	UTF8:              cbor.UTF8RejectInvalid,
	FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
}

func decMode(o cbor.DecOptions) cbor.DecMode {
	m, err := o.DecMode()
	if err != nil {
		panic(err) // the options are constants
	}
	return m
}

// CWT is the claims set of a certificate, as far as hcgw reads it.
type CWT struct {
	Iss      string // the issuer as signed: an ISO 3166-1 alpha-2 country in the specification, any text in practice
	IssuedAt time.Time
	Expires  time.Time
	// DCC is the raw CBOR of hcert[1], the certificate itself.
	DCC cbor.RawMessage
}

// maxUnix is 9999-12-31T23:59:59Z: a time beyond it is no time at all.
const maxUnix = 253402300799

// ParseCWT decodes a CWT claims map: iss (1, text, optional), exp (4) and
// iat (6), both required, and the hcert claim (-260) holding the
// certificate under key 1. Other claims are ignored. Times must be numbers
// of seconds between 1970 and 9999; floats are accepted because some member
// states' test data uses them, although the specification asks for
// integers, and are read to the microsecond as the reference runner reads
// them (Python's datetime.fromtimestamp): truncating them would move a
// certificate's iat or exp across a validation clock.
func ParseCWT(payload []byte) (*CWT, error) {
	var raw map[any]cbor.RawMessage
	if err := dec.Unmarshal(payload, &raw); err != nil {
		return nil, fault.Fail(fault.Malformed, "CWT claims are not a CBOR map")
	}
	claims := make(map[int64]cbor.RawMessage, len(raw))
	for k, v := range raw {
		if n, ok := intKey(k); ok {
			claims[n] = v
		}
	}
	c := &CWT{}
	if v, ok := claims[claimIss]; ok {
		if err := dec.Unmarshal(v, &c.Iss); err != nil {
			return nil, fault.Fail(fault.Malformed, "CWT iss is not text")
		}
	}
	var err error
	if c.IssuedAt, err = numericDate(claims, claimIat, "iat"); err != nil {
		return nil, err
	}
	if c.Expires, err = numericDate(claims, claimExp, "exp"); err != nil {
		return nil, err
	}
	h, ok := claims[claimHCert]
	if !ok {
		return nil, fault.Fail(fault.Malformed, "CWT has no hcert claim (-260)")
	}
	var hcert map[any]cbor.RawMessage
	if err := dec.Unmarshal(h, &hcert); err != nil {
		return nil, fault.Fail(fault.Malformed, "hcert claim is not a CBOR map")
	}
	for k, v := range hcert {
		if n, ok := intKey(k); ok && n == hcertDCC {
			c.DCC = v
		}
	}
	if c.DCC == nil {
		return nil, fault.Fail(fault.Malformed, "hcert claim holds no certificate (key 1)")
	}
	return c, nil
}

// intKey normalises a decoded integer map key.
func intKey(k any) (int64, bool) {
	switch n := k.(type) {
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	case int64:
		return n, true
	}
	return 0, false
}

func numericDate(claims map[int64]cbor.RawMessage, key int64, name string) (time.Time, error) {
	v, ok := claims[key]
	if !ok {
		return time.Time{}, fault.Fail(fault.Malformed, "CWT has no %s", name)
	}
	var n any
	if err := dec.Unmarshal(v, &n); err != nil {
		return time.Time{}, fault.Fail(fault.Malformed, "CWT %s is not a number", name)
	}
	var secs, nsec int64
	switch x := n.(type) {
	case uint64:
		if x > maxUnix {
			return time.Time{}, fault.Fail(fault.Malformed, "CWT %s is out of range", name)
		}
		secs = int64(x)
	case int64:
		secs = x
	case float64:
		if math.IsNaN(x) || x < 0 || x > maxUnix {
			return time.Time{}, fault.Fail(fault.Malformed, "CWT %s is out of range", name)
		}
		secs, nsec = fromFloat(x)
	case big.Int:
		return time.Time{}, fault.Fail(fault.Malformed, "CWT %s is out of range", name)
	default:
		return time.Time{}, fault.Fail(fault.Malformed, "CWT %s is not a number", name)
	}
	if secs < 0 || secs > maxUnix {
		return time.Time{}, fault.Fail(fault.Malformed, "CWT %s is out of range", name)
	}
	return time.Unix(secs, nsec).UTC(), nil
}

// fromFloat splits non-negative float seconds as Python's
// datetime.fromtimestamp does: the fraction rounded to the microsecond,
// half to even, a rounded-up second carried.
func fromFloat(x float64) (secs, nsec int64) {
	whole, frac := math.Modf(x)
	us := math.RoundToEven(frac * 1e6)
	if us >= 1e6 {
		whole++
		us -= 1e6
	}
	return int64(whole), int64(us) * 1000
}
