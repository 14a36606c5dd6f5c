package trust

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// JWS types of trust artefacts (DESIGN §5).
const (
	TypEndorsement = "nic-endorsement+jwt"
	TypRevocation  = "nic-revocation+jwt"
)

// Use is what an endorsed key may sign.
type Use string

// The uses of DESIGN §5.
const (
	UseCodes      Use = "codes"
	UseStatus     Use = "status"
	UseFederation Use = "federation"
	UseRules      Use = "rules" // admission rules (DESIGN §11)
)

// Wildcard is the scope of the hub: every region.
const Wildcard = "*"

// Endorsement is a checked endorsement: an anchor vouches that Key belongs to
// region Sub and may sign Use for the regions in Scope between NotBefore and
// NotAfter.
type Endorsement struct {
	Key       *PublicKey
	Sub       string
	Use       []Use
	Scope     []string
	NotBefore time.Time
	NotAfter  time.Time
	IssuedAt  time.Time
	JTI       string
	Anchor    string // kid of the anchor that signed it
	JWS       string
}

// Has reports whether the endorsement grants use u.
func (e *Endorsement) Has(u Use) bool { return slices.Contains(e.Use, u) }

// Covers reports whether org is inside the endorsement's scope.
func (e *Endorsement) Covers(org string) bool {
	return slices.Contains(e.Scope, Wildcard) || slices.Contains(e.Scope, org)
}

// Revocation is a checked revocation of one kid.
type Revocation struct {
	Kid       string
	RevokedAt time.Time
	Reason    string
	IssuedAt  time.Time
	JTI       string
	Anchor    string
	JWS       string
}

type endorsementClaims struct {
	Iss   string          `json:"iss"`
	Sub   string          `json:"sub"`
	JWK   json.RawMessage `json:"jwk"`
	Use   []string        `json:"use"`
	Scope []string        `json:"scope"`
	NBF   json.RawMessage `json:"nbf"`
	EXP   json.RawMessage `json:"exp"`
	IAT   json.RawMessage `json:"iat"`
	JTI   string          `json:"jti"`
}

type revocationClaims struct {
	Iss       string          `json:"iss"`
	Kid       string          `json:"kid"`
	RevokedAt json.RawMessage `json:"revoked_at"`
	Reason    string          `json:"reason"`
	IAT       json.RawMessage `json:"iat"`
	JTI       string          `json:"jti"`
}

// Anchors are the national root keys, by kid.
type Anchors map[string]*PublicKey

// NewAnchors parses anchor JWKs (JSON). Each must be a public P-256 or
// Ed25519 key.
func NewAnchors(jwks ...[]byte) (Anchors, error) {
	a := Anchors{}
	for i, data := range jwks {
		pk, err := ParsePublicJWK(data)
		if err != nil {
			return nil, fmt.Errorf("anchor %d: %w", i, err)
		}
		a[pk.Kid] = pk
	}
	if len(a) == 0 {
		return nil, fmt.Errorf("no trust anchor")
	}
	return a, nil
}

// verifyAnchored checks a trust artefact's anchor signature and returns its
// payload and the anchor's kid.
func (a Anchors) verifyAnchored(token, typ string) ([]byte, string, error) {
	token = strings.TrimSpace(token)
	h, _, err := SplitCompact(token)
	if err != nil {
		return nil, "", err
	}
	if err := checkHeader(h, typ); err != nil {
		return nil, "", err
	}
	anchor := a[h.Kid]
	if anchor == nil {
		return nil, "", fault.Fail(fault.UnknownKey, "%s signed by %q, which is not a trust anchor", typ, clip(h.Kid))
	}
	payload, err := VerifyWithKey(token, typ, anchor)
	if err != nil {
		return nil, "", err
	}
	return payload, anchor.Kid, nil
}

// unixClaim reads a time claim that must be a plain JSON integer (no
// string, fraction or exponent) of seconds since the epoch.
func unixClaim(name string, raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 {
		return time.Time{}, fault.Fail(fault.Malformed, "claim %q is missing", name)
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || v <= 0 || v > 253402300799 {
		return time.Time{}, fault.Fail(fault.Malformed, "claim %q must be a positive integer of seconds", name)
	}
	return time.Unix(v, 0).UTC(), nil
}

// ParseEndorsement checks an endorsement JWS against the anchors and its own
// rules: typ, anchor signature, iss 000000, sub a region, a public P-256 or
// Ed25519 jwk, use a non-empty subset of the three uses, scope regions (or
// "*"; default [sub]), nbf < exp. Whether it is in force now is not decided
// here: an expired endorsement still vouches for codes issued inside its
// window (rotation, DESIGN §5).
func (a Anchors) ParseEndorsement(token string) (*Endorsement, error) {
	token = strings.TrimSpace(token)
	payload, anchor, err := a.verifyAnchored(token, TypEndorsement)
	if err != nil {
		return nil, err
	}
	var c endorsementClaims
	if err := mapping.DecodeClaims(payload, &c); err != nil {
		return nil, err
	}
	if c.Iss != mapping.NationalRegion {
		return nil, fault.Fail(fault.Malformed, "endorsement iss %q, want %q", clip(c.Iss), mapping.NationalRegion)
	}
	if !mapping.ValidRegion(c.Sub) {
		return nil, fault.Fail(fault.Malformed, "endorsement sub %q is not a region", clip(c.Sub))
	}
	if len(c.JWK) == 0 {
		return nil, fault.Fail(fault.Malformed, "endorsement has no jwk")
	}
	pk, err := ParsePublicJWK(c.JWK)
	if err != nil {
		return nil, fault.Fail(fault.Malformed, "endorsement %v", err)
	}
	e := &Endorsement{Key: pk, Sub: c.Sub, JTI: c.JTI, Anchor: anchor, JWS: token}
	if c.JTI == "" || len(c.JTI) > 128 {
		return nil, fault.Fail(fault.Malformed, "endorsement jti must be 1-128 characters")
	}
	if len(c.Use) == 0 {
		return nil, fault.Fail(fault.Malformed, "endorsement use is empty")
	}
	for _, u := range c.Use {
		switch Use(u) {
		case UseCodes, UseStatus, UseFederation, UseRules:
			if !e.Has(Use(u)) {
				e.Use = append(e.Use, Use(u))
			}
		default:
			return nil, fault.Fail(fault.Malformed, "endorsement use %q unknown", clip(u))
		}
	}
	if c.Scope == nil {
		e.Scope = []string{c.Sub}
	} else {
		if len(c.Scope) == 0 {
			return nil, fault.Fail(fault.Malformed, "endorsement scope is empty")
		}
		for _, s := range c.Scope {
			if s != Wildcard && !mapping.ValidRegion(s) {
				return nil, fault.Fail(fault.Malformed, "endorsement scope %q is not a region", clip(s))
			}
		}
		e.Scope = slices.Clone(c.Scope)
	}
	if e.NotBefore, err = unixClaim("nbf", c.NBF); err != nil {
		return nil, err
	}
	if e.NotAfter, err = unixClaim("exp", c.EXP); err != nil {
		return nil, err
	}
	if e.IssuedAt, err = unixClaim("iat", c.IAT); err != nil {
		return nil, err
	}
	if !e.NotBefore.Before(e.NotAfter) {
		return nil, fault.Fail(fault.Malformed, "endorsement nbf is not before exp")
	}
	return e, nil
}

// ParseRevocation checks a revocation JWS against the anchors.
func (a Anchors) ParseRevocation(token string) (*Revocation, error) {
	token = strings.TrimSpace(token)
	payload, anchor, err := a.verifyAnchored(token, TypRevocation)
	if err != nil {
		return nil, err
	}
	var c revocationClaims
	if err := mapping.DecodeClaims(payload, &c); err != nil {
		return nil, err
	}
	if c.Iss != "" && c.Iss != mapping.NationalRegion {
		return nil, fault.Fail(fault.Malformed, "revocation iss %q, want %q", clip(c.Iss), mapping.NationalRegion)
	}
	if c.Kid == "" || len(c.Kid) > 128 {
		return nil, fault.Fail(fault.Malformed, "revocation kid must be 1-128 characters")
	}
	if a[c.Kid] != nil {
		// An anchor is not in the registry's keys: a revocation of one
		// would be stored and listed and change nothing. Refused, so that
		// nobody believes a root was withdrawn when it was not.
		return nil, fault.Fail(fault.Malformed, "revocation names trust anchor %s: anchors are removed by configuration (trust.anchors), not revoked by a message", c.Kid)
	}
	r := &Revocation{Kid: c.Kid, Reason: c.Reason, JTI: c.JTI, Anchor: anchor, JWS: token}
	if len(r.Reason) > 256 {
		return nil, fault.Fail(fault.Malformed, "revocation reason longer than 256 bytes")
	}
	if r.RevokedAt, err = unixClaim("revoked_at", c.RevokedAt); err != nil {
		return nil, err
	}
	if len(c.IAT) > 0 {
		if r.IssuedAt, err = unixClaim("iat", c.IAT); err != nil {
			return nil, err
		}
	}
	if r.JTI == "" {
		// A revocation's identity is its kid: one is enough.
		r.JTI = "revoke-" + r.Kid
	}
	return r, nil
}
