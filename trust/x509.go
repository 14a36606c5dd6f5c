package trust

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hcgw/hcgw/fault"
)

// A document signer (DSC) is the second kind of key the registry knows: an
// X.509 certificate that signs EU Digital COVID Certificates. Its kid is the
// first 8 bytes of the SHA-256 of its DER, written in standard base64 as the
// EU trust lists write it; its validity window is the certificate's; its
// extended key usage says which kinds of health certificate it may sign.
//
// Document signers are not endorsed by an anchor: they come from the
// trust-list file of the configuration (trust.dsc_file), which the operator
// vouches for as for the anchors themselves. An anchor-signed revocation of
// a DSC's kid revokes it like any other key.

// DSCUsage is a set of the kinds of health certificate a document signer
// may sign.
type DSCUsage uint8

// The kinds of EU health certificate (the hcert payload's v, t and r).
const (
	DSCTest DSCUsage = 1 << iota
	DSCVaccination
	DSCRecovery

	DSCAll = DSCTest | DSCVaccination | DSCRecovery
)

// String names the kinds in u, e.g. "test+vaccination".
func (u DSCUsage) String() string {
	var parts []string
	for _, k := range []struct {
		u    DSCUsage
		name string
	}{{DSCTest, "test"}, {DSCVaccination, "vaccination"}, {DSCRecovery, "recovery"}} {
		if u&k.u != 0 {
			parts = append(parts, k.name)
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "+")
}

// The extended-key-usage OIDs of the EU DCC trust framework. Early
// certificates (and much of the member states' test data) carry the same
// arcs with a stray ".0" after the enterprise number 1.3.6.1.4.1; both
// spellings are honoured, as the reference test suite does.
var dscEKU = []struct {
	oid asn1.ObjectIdentifier
	u   DSCUsage
}{
	{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1}, DSCTest},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2}, DSCVaccination},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 3}, DSCRecovery},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 1}, DSCTest},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 2}, DSCVaccination},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 3}, DSCRecovery},
}

// Bounds of what a trust-list file may hold.
const (
	maxDSCFile   = 8 << 20
	maxDSCDER    = 16 << 10
	minRSABits   = 2048
	maxRSABits   = 4096
	dscKidLength = 8
)

// Algorithms a document signer may use, pinned by its key type.
const (
	AlgES256 = "ES256" // ECDSA P-256 with SHA-256
	AlgPS256 = "PS256" // RSASSA-PSS with SHA-256, RSA 2048 to 4096 bits
)

// DSC is one checked document-signer certificate. It is immutable once in a
// Snapshot.
type DSC struct {
	Kid       string // base64 (standard, padded) of SHA-256(DER)[:8]
	Country   string // ISO 3166-1 alpha-2 it signs for; "" when unknown
	Alg       string // AlgES256 or AlgPS256, from the key type, never from a code
	Public    crypto.PublicKey
	NotBefore time.Time
	NotAfter  time.Time
	Usage     DSCUsage
	Cert      *x509.Certificate

	table keyTable // ES256 only, built once the signer is in use (keytable.go)
}

// DSCKid is the kid of a certificate's DER: the first 8 bytes of its
// SHA-256, in standard base64.
func DSCKid(der []byte) string {
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:dscKidLength])
}

// KidOfBytes writes a raw COSE kid as the registry's DSC kids are written.
func KidOfBytes(kid []byte) string { return base64.StdEncoding.EncodeToString(kid) }

// ParseDSC checks one DER certificate as a document signer: a P-256 or RSA
// (2048 to 4096 bits) key, its window, and the kinds its extended key usage
// allows (every kind when the certificate has no such extension; only those
// listed when it has one, so a certificate restricted to other purposes
// signs no health certificate). The certificate's own signature is not
// checked: the trust list vouches for it.
func ParseDSC(der []byte) (*DSC, error) {
	if len(der) > maxDSCDER {
		return nil, fmt.Errorf("certificate larger than %d bytes", maxDSCDER)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("not an X.509 certificate: %w", err)
	}
	d := &DSC{Kid: DSCKid(der), Public: cert.PublicKey, NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, Cert: cert}
	switch k := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, errors.New("EC document signers must use P-256")
		}
		if err := CheckPublicKey(k); err != nil {
			return nil, err
		}
		d.Alg = AlgES256
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < minRSABits || n > maxRSABits {
			return nil, fmt.Errorf("RSA document signers must have %d to %d bits, not %d", minRSABits, maxRSABits, n)
		}
		d.Alg = AlgPS256
	default:
		return nil, fmt.Errorf("key type %T is not accepted (P-256 or RSA only)", cert.PublicKey)
	}
	if !d.NotBefore.Before(d.NotAfter) {
		return nil, errors.New("certificate window is empty")
	}
	d.Usage = DSCAll
	if len(cert.ExtKeyUsage) > 0 || len(cert.UnknownExtKeyUsage) > 0 {
		d.Usage = 0
		for _, u := range cert.ExtKeyUsage {
			if u == x509.ExtKeyUsageAny {
				d.Usage = DSCAll
			}
		}
		for _, oid := range cert.UnknownExtKeyUsage {
			for _, e := range dscEKU {
				if oid.Equal(e.oid) {
					d.Usage |= e.u
				}
			}
		}
	}
	if c := cert.Subject.Country; len(c) == 1 && isCountry(c[0]) {
		d.Country = c[0]
	}
	return d, nil
}

func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// May reports whether the signer may sign every kind in u.
func (d *DSC) May(u DSCUsage) bool { return u != 0 && d.Usage&u == u }

// Authorize decides whether the document signer may have signed a health
// certificate of kind u for country, issued at iat and expiring at exp:
// the kind is inside its extended key usage, the country (when both are
// known) is its own, iat lies inside its window (skew tolerated before
// NotBefore only) and exp does not outlive it. Revocation is the lookup's
// business (Snapshot.LookupDSC).
func (d *DSC) Authorize(u DSCUsage, country string, iat, exp time.Time, skew time.Duration) error {
	if country != "" && d.Country != "" && country != d.Country {
		return fault.Fail(fault.ScopeViolation, "document signer %s signs for %s, not for %s", d.Kid, d.Country, clip(country))
	}
	if !d.May(u) {
		return fault.Fail(fault.ScopeViolation, "document signer %s may sign %s certificates, not %s", d.Kid, d.Usage, u)
	}
	return d.CheckWindow(iat, exp, skew)
}

// CheckWindow checks that a certificate issued at iat and expiring at exp
// lies inside the signer's window: iat from NotBefore (less skew) to
// NotAfter, and exp not after NotAfter (a certificate never outlives its
// signer).
func (d *DSC) CheckWindow(iat, exp time.Time, skew time.Duration) error {
	if iat.Before(d.NotBefore.Add(-skew)) || iat.After(d.NotAfter) {
		return fault.Fail(fault.KeyNotValid, "document signer %s: issued at %s outside its window %s..%s",
			d.Kid, iat.UTC().Format(time.RFC3339), d.NotBefore.UTC().Format(time.RFC3339), d.NotAfter.UTC().Format(time.RFC3339))
	}
	if exp.After(d.NotAfter) {
		return fault.Fail(fault.KeyNotValid, "document signer %s: certificate expires at %s, after its signer (%s)",
			d.Kid, exp.UTC().Format(time.RFC3339), d.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// DSC returns the document signer with that kid, or nil.
func (s *Snapshot) DSC(kid string) *DSC { return s.dscs[kid] }

// DSCs returns every document signer, sorted by kid.
func (s *Snapshot) DSCs() []*DSC {
	out := make([]*DSC, 0, len(s.dscs))
	for _, d := range s.dscs {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kid < out[j].Kid })
	return out
}

// LookupDSC returns the document signer of kid: unknown_key when there is
// none, revoked_key when an anchor revoked that kid.
func (s *Snapshot) LookupDSC(kid string) (*DSC, error) {
	d := s.dscs[kid]
	if d == nil {
		return nil, fault.Fail(fault.UnknownKey, "no document signer with kid %q", clip(kid))
	}
	if rv := s.revocations[kid]; rv != nil {
		return nil, fault.Fail(fault.RevokedKey, "document signer %s was revoked (%s)", kid, clip(rv.Reason))
	}
	return d, nil
}

// AddDSCs publishes document signers in a new snapshot. One already known
// (same kid, same certificate) is skipped; a kid shared by two different
// certificates is a conflict and nothing is added.
func (r *Registry) AddDSCs(ds ...*DSC) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.cur.Load()
	merged := make(map[string]*DSC, len(old.dscs)+len(ds))
	for k, v := range old.dscs {
		merged[k] = v
	}
	added := 0
	for _, d := range ds {
		if have := merged[d.Kid]; have != nil {
			if !bytes.Equal(have.Cert.Raw, d.Cert.Raw) {
				return 0, fault.Detail(ErrConflict, "two document signers share kid %s", d.Kid)
			}
			continue
		}
		merged[d.Kid] = d
		added++
	}
	if added == 0 {
		return 0, nil
	}
	// Everything else is shared with the old snapshot: snapshots never
	// change once published.
	r.cur.Store(&Snapshot{keys: old.keys, bySub: old.bySub, endorsements: old.endorsements,
		revocations: old.revocations, revOrder: old.revOrder, dscs: merged,
		rules: old.rules, ruleIdx: old.ruleIdx, ruleKeys: old.ruleKeys})
	return added, nil
}

// LoadDSCFile reads a trust-list file (ReadDSCList) and publishes its
// document signers. Any refused entry stops the load with an error naming
// the file and the entry.
func (r *Registry) LoadDSCFile(path string) (int, error) {
	ds, err := LoadDSCFile(path)
	if err != nil {
		return 0, err
	}
	n, err := r.AddDSCs(ds...)
	if err != nil {
		return 0, fmt.Errorf("trust.dsc_file: %s: %w", path, err)
	}
	return n, nil
}

// LoadDSCFile reads and checks a trust-list file.
func LoadDSCFile(path string) ([]*DSC, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trust.dsc_file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDSCFile+1))
	if err != nil {
		return nil, fmt.Errorf("trust.dsc_file: %s: %w", path, err)
	}
	if len(data) > maxDSCFile {
		return nil, fmt.Errorf("trust.dsc_file: %s: larger than %d bytes", path, maxDSCFile)
	}
	ds, err := ParseDSCList(data)
	if err != nil {
		return nil, fmt.Errorf("trust.dsc_file: %s: %w", path, err)
	}
	return ds, nil
}

// DSCEntry is one entry of a JSON trust-list file.
type DSCEntry struct {
	// Kid, when given, must be the certificate's kid (a check that the
	// list was written for these certificates).
	Kid string `json:"kid,omitempty"`
	// Certificate is the DER, in standard base64.
	Certificate string `json:"certificate"`
	// Country, when given, overrides the certificate subject's C.
	Country string `json:"country,omitempty"`
}

// ParseDSCList reads a trust list: either a JSON array of DSCEntry, or a
// bundle of PEM "CERTIFICATE" blocks. Every entry must parse; the same
// certificate twice is kept once.
func ParseDSCList(data []byte) ([]*DSC, error) {
	trimmed := bytes.TrimSpace(data)
	var out []*DSC
	seen := map[string]bool{}
	add := func(where string, der []byte, kid, country string) error {
		d, err := ParseDSC(der)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if kid != "" && kid != d.Kid {
			return fmt.Errorf("%s: kid %q is not the certificate's %q", where, clip(kid), d.Kid)
		}
		if country != "" {
			if !isCountry(country) {
				return fmt.Errorf("%s: country %q is not two capital letters (ISO 3166-1 alpha-2)", where, clip(country))
			}
			d.Country = country
		}
		if !seen[d.Kid] {
			seen[d.Kid] = true
			out = append(out, d)
		}
		return nil
	}
	switch {
	case bytes.HasPrefix(trimmed, []byte("[")):
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		var entries []DSCEntry
		if err := dec.Decode(&entries); err != nil {
			return nil, fmt.Errorf("not a JSON list of {\"kid\",\"certificate\",\"country\"}: %w", err)
		}
		if dec.More() {
			return nil, errors.New("data after the JSON list")
		}
		for i, e := range entries {
			der, err := base64.StdEncoding.DecodeString(e.Certificate)
			if err != nil || len(der) == 0 {
				return nil, fmt.Errorf("entry %d: certificate is not standard base64 of a DER certificate", i)
			}
			if err := add(fmt.Sprintf("entry %d", i), der, e.Kid, e.Country); err != nil {
				return nil, err
			}
		}
	case bytes.HasPrefix(trimmed, []byte("-----BEGIN")):
		rest := trimmed
		for i := 0; ; i++ {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				if len(bytes.TrimSpace(rest)) > 0 {
					return nil, fmt.Errorf("block %d: not a PEM block", i)
				}
				break
			}
			if b.Type != "CERTIFICATE" {
				return nil, fmt.Errorf("block %d: PEM type %q, want CERTIFICATE", i, clip(b.Type))
			}
			if err := add(fmt.Sprintf("block %d", i), b.Bytes, "", ""); err != nil {
				return nil, err
			}
		}
		if len(out) == 0 {
			return nil, errors.New("no certificate")
		}
	default:
		return nil, errors.New("neither a JSON list nor a PEM bundle")
	}
	return out, nil
}
