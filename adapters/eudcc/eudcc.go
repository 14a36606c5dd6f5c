package eudcc

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Format and Prefix of the EU Digital COVID Certificate.
const (
	Format = "eu-dcc"
	Prefix = "HC1:"
)

// OrgPrefix starts the pseudo-region of a foreign issuer: "eu:" + the
// issuing country (ISO 3166-1 alpha-2), e.g. "eu:DE". It is never six
// digits, so it can never be mistaken for, routed to, or signed for as a
// region of the federation.
const OrgPrefix = "eu:"

// OrgUnknownCountry is the issuer of a certificate whose country neither
// the CWT nor its document signer states.
const OrgUnknownCountry = "eu"

type adapter struct {
	table *mapping.Table
}

// New returns the eu-dcc adapter with its policy table (eu-dcc.yaml): the
// national status of each certificate state. The table is national policy,
// so its region must be the national platform's.
func New(tables mapping.Tables) (adapters.Adapter, error) {
	t, err := tables.Get(Format)
	if err != nil {
		return nil, err
	}
	if t.Region != mapping.NationalRegion {
		return nil, fmt.Errorf("mapping %s: region %q; what a foreign certificate means is national policy (region %s)",
			t.Source(), t.Region, mapping.NationalRegion)
	}
	return &adapter{table: t}, nil
}

func (a *adapter) Format() string     { return Format }
func (a *adapter) Prefixes() []string { return []string{Prefix} }

// Decode reads, verifies and maps one certificate (see the package
// documentation). The validity of the CWT itself (iat, exp) against the
// clock is the verifier's, as for every signed format; the document
// signer's window is checked here.
func (a *adapter) Decode(code string, env adapters.Env) (*adapters.Code, error) {
	b45, err := Unprefix(code)
	if err != nil {
		return nil, err
	}
	z, err := DecodeBase45(b45)
	if err != nil {
		return nil, err
	}
	raw, err := Inflate(z)
	if err != nil {
		return nil, err
	}
	s, err := ParseCOSE(raw)
	if err != nil {
		return nil, err
	}
	dsc, err := env.Trust.LookupDSC(s.Kid())
	if err != nil {
		return nil, err
	}
	if err := s.Verify(dsc); err != nil {
		return nil, err
	}
	cwt, err := ParseCWT(s.Payload())
	if err != nil {
		return nil, err
	}
	dcc, err := ParseDCC(cwt.DCC)
	if err != nil {
		return nil, err
	}
	kind, err := dcc.Kind()
	if err != nil {
		return nil, err
	}
	country := ""
	if isCountry(cwt.Iss) {
		country = cwt.Iss
	}
	if err := dsc.Authorize(kind, country, cwt.IssuedAt, cwt.Expires, env.Skew); err != nil {
		return nil, err
	}
	if country == "" {
		country = dsc.Country
	}
	cert, nat, vac, state, err := dcc.Facts(env.Now, env.Skew)
	if err != nil {
		return nil, err
	}
	payload, err := rulePayload(cwt.DCC)
	if err != nil {
		return nil, err
	}
	id := certID(dcc)
	if mapping.HoldsIdentityNumber(id) {
		// The identifier is recorded as the code id.
		return nil, fault.Fail(fault.Malformed, "certificate identifier (ci): must not hold a resident identity number")
	}
	st, _ := a.table.Map(state) // a state the table lacks is grey
	org := OrgUnknownCountry
	if country != "" {
		org = OrgPrefix + country
	}
	statusAt := cwt.IssuedAt
	if cert.SampledAt != "" {
		if t, ok := ParseTime(cert.SampledAt); ok {
			statusAt = t
		}
	}
	return &adapters.Code{
		Format:   Format,
		Iss:      org,
		Org:      org,
		ID:       id,
		Signed:   true,
		Kid:      dsc.Kid,
		Status:   st,
		StatusAt: statusAt,
		IssuedAt: cwt.IssuedAt,
		Expires:  cwt.Expires,
		// The member states' reference: valid at exactly exp.
		ValidAtExpiry: true,
		Holder:        mapping.Holder{Name: holderName(dcc.Nam)},
		NAT:           nat,
		Vac:           vac,
		Cert:          cert,
		Payload:       payload,
		Digest:        s.Digest(),
	}, nil
}

func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// certID is the certificate identifier (UVCI) of the entry, the code id of
// records; "" when it is not short printable ASCII.
func certID(d *DCC) string {
	var ci text
	switch {
	case len(d.V) == 1:
		ci = d.V[0].Ci
	case len(d.T) == 1:
		ci = d.T[0].Ci
	case len(d.R) == 1:
		ci = d.R[0].Ci
	}
	s := string(ci)
	if len(s) > 80 || !utf8.ValidString(s) {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= 0x20 || s[i] >= 0x7f {
			return ""
		}
	}
	return s
}

// CheckTimes applies every time rule a gateway applies to a certificate
// at time at: its document signer's window (trust.DSC.Authorize's) and the
// CWT's own iat and exp (verify.Verifier's: not issued more than skew
// ahead, not expired, valid at the instant of exp). The conformance
// runner's expiration check; with skew 0 it is the reference's
// test_expiration_check, inequality for inequality (docs/INTEROP.md).
func CheckTimes(c *CWT, d *trust.DSC, at time.Time, skew time.Duration) error {
	if err := d.CheckWindow(c.IssuedAt, c.Expires, skew); err != nil {
		return err
	}
	// The reference compares iat <= clock <= exp: a certificate is
	// valid at the instant of its expiry (docs/INTEROP.md).
	if at.Add(skew).Before(c.IssuedAt) {
		return fault.Fail(fault.NotYetValid, "issued at %s", c.IssuedAt.Format(time.RFC3339))
	}
	if at.After(c.Expires) {
		return fault.Fail(fault.Expired, "expired at %s", c.Expires.Format(time.RFC3339))
	}
	return nil
}
