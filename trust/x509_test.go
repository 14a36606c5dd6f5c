package trust_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/trust"
)

// The EU DCC extended key usages, and their spelling with a stray ".0".
var (
	ekuTest        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1}
	ekuVaccination = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2}
	ekuRecovery    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 3}
	ekuTestDot0    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 1}
	ekuOther       = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 14, 2} // an ICAO document signer's
)

var (
	dscFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dscTo   = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

type certSpec struct {
	key      crypto.Signer // nil: a new P-256 key
	country  string
	ekus     []asn1.ObjectIdentifier
	anyEKU   bool
	from, to time.Time
}

// newCert makes a self-signed certificate; the registry does not check a
// DSC's own signature (the trust list vouches for it).
func newCert(t testing.TB, s certSpec) (der []byte, key crypto.Signer) {
	t.Helper()
	key = s.key
	if key == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	}
	if s.from.IsZero() {
		s.from, s.to = dscFrom, dscTo
	}
	tmpl := &x509.Certificate{
		SerialNumber:       big.NewInt(time.Now().UnixNano()),
		Subject:            pkix.Name{CommonName: "DSC test"},
		NotBefore:          s.from,
		NotAfter:           s.to,
		UnknownExtKeyUsage: s.ekus,
	}
	if s.country != "" {
		tmpl.Subject.Country = []string{s.country}
	}
	if s.anyEKU {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

func TestParseDSC(t *testing.T) {
	rsa2048, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	tests := map[string]struct {
		spec    certSpec
		alg     string
		usage   trust.DSCUsage
		country string
		err     string
	}{
		"a P-256 signer without extended key usage signs every kind": {certSpec{country: "DE"}, trust.AlgES256, trust.DSCAll, "DE", ""},
		"an RSA signer is pinned to PS256":                           {certSpec{key: rsa2048}, trust.AlgPS256, trust.DSCAll, "", ""},
		"a test-only signer":                                         {certSpec{ekus: []asn1.ObjectIdentifier{ekuTest}}, trust.AlgES256, trust.DSCTest, "", ""},
		"the three usages":                                           {certSpec{ekus: []asn1.ObjectIdentifier{ekuRecovery, ekuVaccination, ekuTest}}, trust.AlgES256, trust.DSCAll, "", ""},
		"the spelling with a stray .0":                               {certSpec{ekus: []asn1.ObjectIdentifier{ekuTestDot0}}, trust.AlgES256, trust.DSCTest, "", ""},
		"only another purpose signs nothing":                         {certSpec{ekus: []asn1.ObjectIdentifier{ekuOther}}, trust.AlgES256, 0, "", ""},
		"anyExtendedKeyUsage signs every kind":                       {certSpec{anyEKU: true}, trust.AlgES256, trust.DSCAll, "", ""},
		"a country that is not alpha-2 is ignored":                   {certSpec{country: "Germany"}, trust.AlgES256, trust.DSCAll, "", ""},
		"a P-384 key is refused":                                     {certSpec{key: p384}, "", 0, "", "P-256"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			der, _ := newCert(t, tc.spec)
			d, err := trust.ParseDSC(der)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one about %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(der)
			if d.Kid != base64.StdEncoding.EncodeToString(sum[:8]) || len(d.Kid) != 12 {
				t.Errorf("kid %q", d.Kid)
			}
			if d.Alg != tc.alg || d.Usage != tc.usage || d.Country != tc.country {
				t.Errorf("alg %s usage %s country %q, want %s %s %q", d.Alg, d.Usage, d.Country, tc.alg, tc.usage, tc.country)
			}
			if !d.NotBefore.Equal(dscFrom) || !d.NotAfter.Equal(dscTo) {
				t.Errorf("window %s..%s", d.NotBefore, d.NotAfter)
			}
		})
	}
	t.Run("an Ed25519 key is refused", func(t *testing.T) {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		der, _ := newCert(t, certSpec{key: priv})
		if _, err := trust.ParseDSC(der); err == nil || !strings.Contains(err.Error(), "not accepted") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("garbage is refused", func(t *testing.T) {
		if _, err := trust.ParseDSC([]byte("not a certificate")); err == nil {
			t.Fatal("accepted")
		}
	})
}

func TestDSCAuthorize(t *testing.T) {
	der, _ := newCert(t, certSpec{country: "DE", ekus: []asn1.ObjectIdentifier{ekuVaccination}})
	d, err := trust.ParseDSC(der)
	if err != nil {
		t.Fatal(err)
	}
	mid := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		u        trust.DSCUsage
		country  string
		iat, exp time.Time
		skew     time.Duration
		reason   fault.Kind
	}{
		"a vaccination inside the window":             {trust.DSCVaccination, "DE", mid, mid.AddDate(0, 3, 0), 0, fault.None},
		"no country stated":                           {trust.DSCVaccination, "", mid, mid.AddDate(0, 3, 0), 0, fault.None},
		"another country's certificate":               {trust.DSCVaccination, "FR", mid, mid.AddDate(0, 3, 0), 0, fault.ScopeViolation},
		"a test the signer may not sign":              {trust.DSCTest, "DE", mid, mid.AddDate(0, 3, 0), 0, fault.ScopeViolation},
		"issued before the window":                    {trust.DSCVaccination, "DE", dscFrom.Add(-time.Hour), mid, 0, fault.KeyNotValid},
		"issued just before the window, within skew":  {trust.DSCVaccination, "DE", dscFrom.Add(-30 * time.Second), mid, time.Minute, fault.None},
		"issued after the window":                     {trust.DSCVaccination, "DE", dscTo.Add(time.Second), dscTo.AddDate(0, 1, 0), 0, fault.KeyNotValid},
		"expiring after the signer":                   {trust.DSCVaccination, "DE", mid, dscTo.Add(time.Second), 0, fault.KeyNotValid},
		"expiring with the signer":                    {trust.DSCVaccination, "DE", mid, dscTo, 0, fault.None},
		"expiring after the signer, skew or not":      {trust.DSCVaccination, "DE", mid, dscTo.Add(time.Second), time.Minute, fault.KeyNotValid},
		"the wrong country wins over the wrong usage": {trust.DSCTest, "FR", mid, mid, 0, fault.ScopeViolation},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := d.Authorize(tc.u, tc.country, tc.iat, tc.exp, tc.skew)
			if got := fault.ReasonOf(err); got != tc.reason {
				t.Fatalf("reason %q (%v), want %q", got, err, tc.reason)
			}
		})
	}
}

func TestRegistryDSCs(t *testing.T) {
	root := testkit.NewRoot(t)
	reg := trust.NewRegistry(trust.Anchors{root.Kid(): root.Public()}, nil)
	der1, _ := newCert(t, certSpec{country: "DE"})
	der2, _ := newCert(t, certSpec{country: "FR"})
	d1, _ := trust.ParseDSC(der1)
	d2, _ := trust.ParseDSC(der2)

	before := reg.Snapshot()
	if n, err := reg.AddDSCs(d1, d2, d1); err != nil || n != 2 {
		t.Fatalf("AddDSCs: %d, %v", n, err)
	}
	if before.DSC(d1.Kid) != nil {
		t.Fatal("a published snapshot changed")
	}
	snap := reg.Snapshot()
	if got, err := snap.LookupDSC(d1.Kid); err != nil || got != d1 {
		t.Fatalf("LookupDSC: %v %v", got, err)
	}
	if _, err := snap.LookupDSC("AAAAAAAAAAA="); fault.ReasonOf(err) != fault.UnknownKey {
		t.Fatalf("unknown kid: %v", err)
	}
	if len(snap.DSCs()) != 2 || snap.Version() != before.Version() {
		t.Fatalf("%d signers, version %d: document signers are not trust-list entries", len(snap.DSCs()), snap.Version())
	}
	if n, err := reg.AddDSCs(d1); err != nil || n != 0 {
		t.Fatalf("the same signer again: %d, %v", n, err)
	}

	// A second certificate under a known kid is a conflict: nothing added.
	forgedCert := *d1.Cert
	forgedCert.Raw = append([]byte{0}, d1.Cert.Raw...)
	forged := trust.DSC{Kid: d1.Kid, Country: d1.Country, Alg: d1.Alg, Public: d1.Public,
		NotBefore: d1.NotBefore, NotAfter: d1.NotAfter, Usage: d1.Usage, Cert: &forgedCert}
	der3, _ := newCert(t, certSpec{})
	d3, _ := trust.ParseDSC(der3)
	if _, err := reg.AddDSCs(d3, &forged); !errors.Is(err, trust.ErrConflict) {
		t.Fatalf("conflict: %v", err)
	}
	if reg.Snapshot().DSC(d3.Kid) != nil {
		t.Fatal("a conflicting batch was partly applied")
	}

	// The signers survive endorsements and revocations, and an anchor's
	// revocation of a signer's kid revokes it.
	k := testkit.Key(t, jwa.ES256)
	if _, _, err := reg.AddEndorsement(t.Context(), root.Endorse(k, zj, testkit.Spec{})); err != nil {
		t.Fatal(err)
	}
	if reg.Snapshot().DSC(d2.Kid) == nil {
		t.Fatal("an endorsement dropped the document signers")
	}
	if _, _, err := reg.AddRevocation(t.Context(), root.Revoke(d2.Kid)); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Snapshot().LookupDSC(d2.Kid); fault.ReasonOf(err) != fault.RevokedKey {
		t.Fatalf("revoked signer: %v", err)
	}
	if _, err := reg.Snapshot().LookupDSC(d1.Kid); err != nil {
		t.Fatalf("the other signer: %v", err)
	}
}

func TestParseDSCList(t *testing.T) {
	der1, _ := newCert(t, certSpec{country: "DE"})
	der2, _ := newCert(t, certSpec{})
	kid1 := trust.DSCKid(der1)
	b64 := base64.StdEncoding.EncodeToString
	list := func(entries ...map[string]string) string {
		b, _ := json.Marshal(entries)
		return string(b)
	}
	pemOf := func(ders ...[]byte) string {
		var b strings.Builder
		for _, d := range ders {
			_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: d})
		}
		return b.String()
	}
	tests := map[string]struct {
		data  string
		kids  []string
		err   string
		check func(t *testing.T, ds []*trust.DSC)
	}{
		"a JSON list":                {list(map[string]string{"kid": kid1, "certificate": b64(der1)}, map[string]string{"certificate": b64(der2)}), []string{kid1, trust.DSCKid(der2)}, "", nil},
		"an empty JSON list":         {"[]", nil, "", nil},
		"a PEM bundle":               {pemOf(der1, der2), []string{kid1, trust.DSCKid(der2)}, "", nil},
		"the same certificate twice": {pemOf(der1, der1), []string{kid1}, "", nil},
		"a country overrides the subject's": {list(map[string]string{"certificate": b64(der1), "country": "AT"}), []string{kid1}, "", func(t *testing.T, ds []*trust.DSC) {
			if ds[0].Country != "AT" {
				t.Errorf("country %q", ds[0].Country)
			}
		}},
		"a kid that is not the certificate's": {list(map[string]string{"kid": "AAAAAAAAAAA=", "certificate": b64(der1)}), nil, "entry 0: kid", nil},
		"a country of three letters":          {list(map[string]string{"certificate": b64(der1), "country": "DEU"}), nil, "entry 0: country", nil},
		"an unknown member":                   {`[{"certificate":"` + b64(der1) + `","cert":"x"}]`, nil, "unknown field", nil},
		"base64url":                           {list(map[string]string{"certificate": base64.RawURLEncoding.EncodeToString(der1) + "-_"}), nil, "entry 0: certificate is not standard base64", nil},
		"a certificate that is not one":       {list(map[string]string{"certificate": b64([]byte("junk"))}), nil, "entry 0: not an X.509 certificate", nil},
		"data after the list":                 {"[] []", nil, "data after", nil},
		"a PEM key":                           {"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", nil, `PEM type "PRIVATE KEY"`, nil},
		"PEM followed by junk":                {pemOf(der1) + "junk", nil, "block 1: not a PEM block", nil},
		"neither":                             {"kid,certificate\n", nil, "neither a JSON list nor a PEM bundle", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ds, err := trust.ParseDSCList([]byte(tc.data))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kids []string
			for _, d := range ds {
				kids = append(kids, d.Kid)
			}
			if strings.Join(kids, ",") != strings.Join(tc.kids, ",") {
				t.Fatalf("kids %v, want %v", kids, tc.kids)
			}
			if tc.check != nil {
				tc.check(t, ds)
			}
		})
	}
}

func TestLoadDSCFile(t *testing.T) {
	der, _ := newCert(t, certSpec{})
	dir := t.TempDir()
	good := filepath.Join(dir, "dsc.pem")
	_ = os.WriteFile(good, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(`[{"certificate":"AAAA"}]`), 0o600)

	reg := trust.NewRegistry(trust.Anchors{}, nil)
	if n, err := reg.LoadDSCFile(good); err != nil || n != 1 {
		t.Fatalf("LoadDSCFile: %d %v", n, err)
	}
	for _, p := range []string{bad, filepath.Join(dir, "gone.json")} {
		_, err := reg.LoadDSCFile(p)
		if err == nil || !strings.HasPrefix(err.Error(), "trust.dsc_file: ") {
			t.Fatalf("%s: %v, want an error naming trust.dsc_file", p, err)
		}
	}
	if len(reg.Snapshot().DSCs()) != 1 {
		t.Fatal("a refused file changed the registry")
	}
}
