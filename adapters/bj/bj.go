package bj

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// The constants of the bj-v1 format (DESIGN §9).
const (
	Format = "bj-v1"
	Prefix = "BJJKB:"
	Region = "110000"
	Typ    = "JWT"
	// Alg is the only algorithm bj-v1 codes are signed with.
	Alg = "EdDSA"
)

type adapter struct {
	table *mapping.Table
	f     fields
}

// New builds the bj-v1 adapter on its mapping table from ts. It refuses a
// table for another region, one that lacks a field the adapter reads, and
// one that gives two fields the same local name: a gateway must not start
// with an adapter that would read the wrong claim.
func New(ts mapping.Tables) (adapters.Adapter, error) {
	t, err := ts.Get(Format)
	if err != nil {
		return nil, err
	}
	if t.Format != Format {
		return nil, fmt.Errorf("mapping %s: format %q, want %q", t.Source(), t.Format, Format)
	}
	if t.Region != Region {
		return nil, fmt.Errorf("mapping %s: region %q, want %q (%s is Beijing's format)", t.Source(), t.Region, Region, Format)
	}
	a := &adapter{table: t}
	seen := map[string]string{}
	for _, s := range a.f.byNational() {
		*s.local = t.Field(s.national)
		if *s.local == "" {
			return nil, fmt.Errorf("mapping %s: no local field for %q, which %s needs", t.Source(), s.national, Format)
		}
		if other, dup := seen[*s.local]; dup {
			return nil, fmt.Errorf("mapping %s: fields %q and %q both name local field %q", t.Source(), other, s.national, *s.local)
		}
		seen[*s.local] = s.national
	}
	return a, nil
}

func (*adapter) Format() string     { return Format }
func (*adapter) Prefixes() []string { return []string{Prefix} }

// issuer names the region a bj-v1 code claims to come from. The format has
// no iss claim: its issuer is the format's region, so an unknown kid when
// Beijing has no key at all is an unknown issuer.
func issuer([]byte) string { return Region }

func (a *adapter) Decode(code string, env adapters.Env) (*adapters.Code, error) {
	token, ok := strings.CutPrefix(code, Prefix)
	if !ok {
		return nil, mapping.Fail(mapping.UnrecognizedFormat, "not a %s code", Format)
	}
	key, payload, err := adapters.VerifyJWS(env, token, Typ, issuer)
	if err != nil {
		return nil, err
	}
	c, err := readClaims(payload, &a.f)
	if err != nil {
		return nil, err
	}
	// The status time is the only issue time the format has: it is the
	// instant that must lie inside the key's endorsement window.
	at := time.Unix(c.statusTime, 0).UTC()
	if err := adapters.Authorize(env, key, Region, Region, at); err != nil {
		return nil, err
	}
	if key.Public.Alg.String() != Alg {
		return nil, mapping.Fail(mapping.Malformed, "%s codes are signed with %s, this one with %s", Format, Alg, key.Public.Alg)
	}
	st, _ := a.table.Map(c.status) // an unknown value is grey
	return &adapters.Code{
		Format:   Format,
		Iss:      Region,
		Org:      Region,
		ID:       c.codeID,
		Signed:   true,
		Kid:      key.Kid,
		Status:   st,
		StatusAt: at,
		IssuedAt: at,
		Expires:  time.Unix(c.expires, 0).UTC(),
		Holder:   c.holder,
	}, nil
}

// Claims are a bj-v1 code's content as Beijing's platform holds it: the
// full name and identity number, and the local status value (未见异常, 弹窗,
// 居家隔离, 核酸异常, 红码, 未知; any other value decodes as grey).
type Claims struct {
	Name, ID, Status    string
	StatusTime, Expires int64 // unix seconds
	CodeID              string
}

// wire are the claim names of DESIGN §9, which Encode writes. The adapter
// reads the names of its mapping table; the shipped table names these.
var wire = fields{codeID: "cid", status: "zt", statusTime: "t", expires: "exp", name: "name", id: "idno"}

// Encode signs c as a bj-v1 code, as the province would. It refuses what
// the adapter would refuse as malformed (a bad code id, times out of order
// or more than 7 days apart, a name or number that cannot be masked) and a
// signer that is not EdDSA; an unknown status value is allowed, as a
// province may add one. Errors never contain the name or number.
func Encode(s trust.Signer, c Claims) (string, error) {
	if s.Alg().String() != Alg {
		return "", fmt.Errorf("%s: codes are signed with %s, not %s", Format, Alg, s.Alg())
	}
	payload, err := json.Marshal(map[string]any{
		wire.name: c.Name, wire.id: c.ID, wire.status: c.Status,
		wire.statusTime: c.StatusTime, wire.expires: c.Expires, wire.codeID: c.CodeID,
	})
	if err != nil {
		return "", err
	}
	if _, err := readClaims(payload, &wire); err != nil {
		return "", err
	}
	jws, err := s.SignCompact(payload, Typ)
	if err != nil {
		return "", err
	}
	return Prefix + jws, nil
}
