package eudcc_test

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/eudcc"
	"github.com/hcgw/hcgw/adapters/eudcc/base45"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// The validation time of the synthetic certificates, inside every window.
var (
	now     = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	issued  = now.Add(-24 * time.Hour)
	expires = now.Add(30 * 24 * time.Hour)
	dscFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dscTo   = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

var (
	ekuTest        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1}
	ekuVaccination = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2}
)

// signer is a document signer with its private key.
type signer struct {
	dsc *trust.DSC
	key crypto.Signer
	alg cose.Algorithm
	kid []byte
}

type signerSpec struct {
	rsa     bool
	country string
	ekus    []asn1.ObjectIdentifier
}

func newSigner(t testing.TB, s signerSpec) *signer {
	t.Helper()
	var key crypto.Signer
	alg := cose.AlgorithmES256
	if s.rsa {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		key, alg = k, cose.AlgorithmPS256
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "DSC"},
		NotBefore: dscFrom, NotAfter: dscTo, UnknownExtKeyUsage: s.ekus}
	if s.country != "" {
		tmpl.Subject.Country = []string{s.country}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	d, err := trust.ParseDSC(der)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{dsc: d, key: key, alg: alg, kid: kidBytes(t, d.Kid)}
}

func kidBytes(t testing.TB, kid string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(kid)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signOpts bend the COSE message for hostile cases.
type signOpts struct {
	alg        cose.Algorithm // header alg; 0: the signer's
	kid        []byte         // protected kid; nil: the signer's
	noKid      bool
	unprotKid  []byte
	untagged   bool
	cwtTag     bool
	crit       bool
	signWithAs *signer // sign with another key under this signer's kid
}

// sign makes a COSE_Sign1 of payload.
func (s *signer) sign(t testing.TB, payload []byte, o signOpts) []byte {
	t.Helper()
	alg := s.alg
	if o.alg != 0 {
		alg = o.alg
	}
	hdr := cose.Headers{Protected: cose.ProtectedHeader{cose.HeaderLabelAlgorithm: alg}, Unprotected: cose.UnprotectedHeader{}}
	switch {
	case o.noKid:
	case o.kid != nil:
		hdr.Protected[cose.HeaderLabelKeyID] = o.kid
	default:
		hdr.Protected[cose.HeaderLabelKeyID] = s.kid
	}
	if o.unprotKid != nil {
		hdr.Unprotected[cose.HeaderLabelKeyID] = o.unprotKid
	}
	if o.crit {
		hdr.Protected[cose.HeaderLabelCritical] = []any{int64(99)}
		hdr.Protected[int64(99)] = "x"
	}
	key, sigAlg := s.key, s.alg
	if o.signWithAs != nil {
		key, sigAlg = o.signWithAs.key, o.signWithAs.alg
	}
	sg, err := cose.NewSigner(sigAlg, key)
	if err != nil {
		t.Fatal(err)
	}
	if alg != sigAlg {
		// A header that lies about the algorithm, over which the
		// signature is nevertheless right: go-cose would refuse to make
		// it, so the Sig_structure is signed by hand.
		prot := mustCBOR(t, map[any]any{int64(1): int64(alg), int64(4): s.kid})
		sig, err := sg.Sign(rand.Reader, mustCBOR(t, []any{"Signature1", prot, []byte{}, payload}))
		if err != nil {
			t.Fatal(err)
		}
		return rawSign1(t, prot, nil, payload, sig)
	}
	msg := &cose.Sign1Message{Headers: hdr, Payload: payload}
	if err := msg.Sign(rand.Reader, nil, sg); err != nil {
		t.Fatal(err)
	}
	var out []byte
	if o.untagged {
		out, err = (*cose.UntaggedSign1Message)(msg).MarshalCBOR()
	} else {
		out, err = msg.MarshalCBOR()
	}
	if err != nil {
		t.Fatal(err)
	}
	if o.cwtTag {
		out = append([]byte{0xd8, 0x3d}, out...)
	}
	return out
}

// rawSign1 assembles a tagged COSE_Sign1 from its parts.
func rawSign1(t testing.TB, protected []byte, unprotected map[any]any, payload, sig []byte) []byte {
	t.Helper()
	if unprotected == nil {
		unprotected = map[any]any{}
	}
	b, err := cbor.Marshal(cbor.Tag{Number: 18, Content: []any{protected, unprotected, payload, sig}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// claims builds CWT claims around a certificate.
func claims(t testing.TB, iss string, iat, exp time.Time, dcc map[string]any) []byte {
	t.Helper()
	m := map[any]any{int64(4): exp.Unix(), int64(6): iat.Unix(), int64(-260): map[any]any{int64(1): dcc}}
	if iss != "" {
		m[int64(1)] = iss
	}
	b, err := cbor.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustCBOR(t testing.TB, v any) []byte {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deflate compresses with zlib.
func deflate(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// qr is the QR content of a COSE message.
func qr(t testing.TB, cose []byte) string {
	return eudcc.Prefix + base45.Encode(deflate(t, cose))
}

func name() map[string]any {
	return map[string]any{"fn": "Musterfrau-Gößinger", "fnt": "MUSTERFRAU<GOESSINGER", "gn": "Gabriele", "gnt": "GABRIELE"}
}

func vaccination(dn, sd int) map[string]any {
	return map[string]any{"ver": "1.3.0", "nam": name(), "dob": "1998-02-26", "v": []any{map[string]any{
		"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
		"dn": dn, "sd": sd, "dt": "2026-03-01", "co": "AT", "is": "BMSGPK Austria",
		"ci": "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B"}}}
}

func test(result string, sampled time.Time) map[string]any {
	return map[string]any{"ver": "1.3.0", "nam": name(), "dob": "1998-02", "t": []any{map[string]any{
		"tg": "840539006", "tt": "LP6464-4", "nm": "PCR", "sc": sampled.Format(time.RFC3339), "tr": result,
		"tc": "Testzentrum", "co": "DE", "is": "RKI", "ci": "URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W"}}}
}

func recovery(df, du string) map[string]any {
	return map[string]any{"ver": "1.3.0", "nam": name(), "dob": "1998", "r": []any{map[string]any{
		"tg": "840539006", "fr": "2026-01-10", "df": df, "du": du, "co": "FR", "is": "CNAM",
		"ci": "URN:UVCI:01:FR:W7V2BE46QSBJ#L"}}}
}

// world is a trust snapshot holding document signers, and the adapter.
type world struct {
	reg *trust.Registry
	dec adapters.Adapter
	env adapters.Env
}

func newWorld(t testing.TB, signers ...*signer) *world {
	t.Helper()
	tables, err := mapping.LoadTables(configs.Mappings())
	if err != nil {
		t.Fatal(err)
	}
	dec, err := eudcc.New(tables)
	if err != nil {
		t.Fatal(err)
	}
	reg := trust.NewRegistry(trust.Anchors{}, nil)
	for _, s := range signers {
		if _, err := reg.AddDSCs(s.dsc); err != nil {
			t.Fatal(err)
		}
	}
	return &world{reg: reg, dec: dec, env: adapters.Env{Trust: reg.Snapshot(), Skew: time.Minute, Now: now}}
}
