package localjws

import (
	"fmt"
	"strings"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// Spec is what a province's package says about its JWS format. Nothing
// else differs between two such formats.
type Spec struct {
	Format   string // stable format name, e.g. "gd-v1"
	Prefix   string // literal prefix before the compact JWS, e.g. "GDHC:"
	Region   string // the province: issuer and org of every code
	Province string // its name in English, for start-up errors
	Typ      string // protected header typ (compared without regard to case)
	// Alg is the only algorithm the format's codes are signed with. It is
	// pinned here, never read off a token.
	Alg string
	// Wire are the claim names the province writes (DESIGN §9), which
	// the simulator (internal/provsim) writes. Decode reads the names of the mapping table; a shipped
	// table names the same claims.
	Wire Fields
}

// check refuses a Spec a province package could not mean: a slip there
// would otherwise surface as codes that never decode.
func (s *Spec) check() error {
	for _, v := range []struct{ what, value string }{{"format", s.Format}, {"prefix", s.Prefix},
		{"region", s.Region}, {"province", s.Province}, {"typ", s.Typ}, {"alg", s.Alg}} {
		if v.value == "" {
			return fmt.Errorf("localjws spec %q: no %s", s.Format, v.what)
		}
	}
	if err := distinct(s.Wire); err != "" {
		return fmt.Errorf("localjws spec %s: wire claims: %s", s.Format, err)
	}
	return nil
}

// distinct says what is wrong with f as a set of claim names, or "".
func distinct(f Fields) string {
	seen := map[string]string{}
	for _, s := range f.byNational() {
		if *s.local == "" {
			return fmt.Sprintf("no local field for %q", s.national)
		}
		if other, dup := seen[*s.local]; dup {
			return fmt.Sprintf("fields %q and %q both name local field %q", other, s.national, *s.local)
		}
		seen[*s.local] = s.national
	}
	return ""
}

type adapter struct {
	spec     Spec
	table    *mapping.Table
	f        Fields
	issuerOf func([]byte) string
}

// New builds the adapter of spec's format on its mapping table from ts. It
// refuses a table for another region, one that lacks a field the adapter
// reads, and one that gives two fields the same local name: a gateway must
// not start with an adapter that would read the wrong claim.
func New(spec Spec, ts mapping.Tables) (adapters.Adapter, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	t, err := ts.Get(spec.Format)
	if err != nil {
		return nil, err
	}
	if t.Format != spec.Format {
		return nil, fmt.Errorf("mapping %s: format %q, want %q", t.Source(), t.Format, spec.Format)
	}
	if t.Region != spec.Region {
		return nil, fmt.Errorf("mapping %s: region %q, want %q (%s is %s's format)", t.Source(), t.Region, spec.Region, spec.Format, spec.Province)
	}
	// The format has no iss claim: its issuer is its region, so an unknown
	// kid when the province has no key at all is an unknown issuer.
	region := spec.Region
	a := &adapter{spec: spec, table: t, issuerOf: func([]byte) string { return region }}
	for _, s := range a.f.byNational() {
		*s.local = t.Field(s.national)
	}
	if err := distinct(a.f); err != "" {
		return nil, fmt.Errorf("mapping %s: %s (format %s reads them all)", t.Source(), err, spec.Format)
	}
	return a, nil
}

func (a *adapter) Format() string     { return a.spec.Format }
func (a *adapter) Prefixes() []string { return []string{a.spec.Prefix} }

func (a *adapter) Decode(code string, env adapters.Env) (*adapters.Code, error) {
	token, ok := strings.CutPrefix(code, a.spec.Prefix)
	if !ok {
		return nil, fault.Fail(fault.UnrecognizedFormat, "not a %s code", a.spec.Format)
	}
	key, payload, err := adapters.VerifyJWS(env, token, a.spec.Typ, a.issuerOf)
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
	if err := adapters.Authorize(env, key, a.spec.Region, a.spec.Region, at); err != nil {
		return nil, err
	}
	// Checked after the key's authority, so that unknown_key, revoked_key
	// and scope_violation stay precise.
	if key.Public.Alg.String() != a.spec.Alg {
		return nil, fault.Fail(fault.Malformed, "%s codes are signed with %s, this one with %s", a.spec.Format, a.spec.Alg, key.Public.Alg)
	}
	st, _ := a.table.Map(c.status) // an unknown value is grey
	return &adapters.Code{
		Format:   a.spec.Format,
		Iss:      a.spec.Region,
		Org:      a.spec.Region,
		ID:       c.codeID,
		Signed:   true,
		Kid:      key.Kid,
		Status:   st,
		StatusAt: at,
		IssuedAt: at,
		Expires:  time.Unix(c.expires, 0).UTC(),
		Holder:   c.holder,
		Digest:   adapters.JWSDigest(code, key.Public.Alg),
	}, nil
}

// Claims are a code's content as the province's platform holds it: the full
// name and identity number, and the local status value (any value the
// mapping table does not know decodes as grey).
type Claims struct {
	Name, ID, Status    string
	StatusTime, Expires int64 // unix seconds
	CodeID              string
}

// CheckClaims applies to a payload the rules Decode applies to a code's
// claims, and to spec the rules New applies: so that a simulator signing
// codes as a province would (internal/provsim) refuses what the adapter
// would refuse as malformed. Errors never contain the name or number.
func CheckClaims(spec Spec, payload []byte) error {
	if err := spec.check(); err != nil {
		return err
	}
	_, err := readClaims(payload, &spec.Wire)
	return err
}
