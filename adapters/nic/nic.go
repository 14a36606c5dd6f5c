package nic

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Format, Prefix and Typ of the national information code.
const (
	Format = "nic-v1"
	Prefix = "NIC1:"
	Typ    = "nic+jwt"
)

type adapter struct{}

// New returns the nic-v1 adapter.
func New() adapters.Adapter { return adapter{} }

func (adapter) Format() string     { return Format }
func (adapter) Prefixes() []string { return []string{Prefix} }

func (adapter) Decode(code string, env adapters.Env) (*adapters.Code, error) {
	token, ok := strings.CutPrefix(code, Prefix)
	if !ok {
		return nil, fault.Fail(fault.UnrecognizedFormat, "not a %s code", Format)
	}
	key, payload, err := adapters.VerifyJWS(env, token, Typ, func(p []byte) string { return adapters.PeekString(p, "iss") })
	if err != nil {
		return nil, err
	}
	c, err := mapping.ParseClaims(payload)
	if err != nil {
		return nil, err
	}
	iat := time.Unix(c.IAT, 0).UTC()
	if err := adapters.Authorize(env, key, c.Iss, c.Org, iat); err != nil {
		return nil, err
	}
	out := FromClaims(c, key.Kid)
	out.Digest = adapters.JWSDigest(code, key.Public.Alg)
	return out, nil
}

// FromClaims builds the national model of checked claims.
func FromClaims(c *mapping.Claims, kid string) *adapters.Code {
	return &adapters.Code{
		Format:   Format,
		Iss:      c.Iss,
		Org:      c.Org,
		ID:       c.JTI,
		Signed:   true,
		Kid:      kid,
		Status:   c.St,
		StatusAt: time.Unix(c.SA, 0).UTC(),
		IssuedAt: time.Unix(c.IAT, 0).UTC(),
		Expires:  time.Unix(c.EXP, 0).UTC(),
		Holder:   mapping.Holder{Name: c.HN, ID: c.HID},
		NAT:      c.NAT,
		Vac:      c.Vac,
		IT:       c.IT,
	}
}

// Encode validates claims and signs them as a national information code.
func Encode(s trust.Signer, c *mapping.Claims) (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	jws, err := s.SignCompact(payload, Typ)
	if err != nil {
		return "", err
	}
	return Prefix + jws, nil
}
