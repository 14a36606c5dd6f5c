package trust_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"filippo.io/edwards25519"
	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/trust"
)

// smallOrderEd25519 are the canonical encodings of the eight points of
// small order of edwards25519 (the torsion subgroup): the identity, the
// point of order 2, two of order 4 and four of order 8.
var smallOrderEd25519 = []string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2 (y = -1)
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4 (y = 0)
	"0000000000000000000000000000000000000000000000000000000000000080", // order 4, x negative
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
}

// nonCanonicalSmallOrder are other spellings of small-order points: y ≥ p
// (p+1 is the identity's y, p is y = 0) and a sign bit on x = 0.
var nonCanonicalSmallOrder = []string{
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p+1 ≡ 1: the identity
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // the same with the sign bit
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p ≡ 0: order 4
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // the same with the sign bit
	"0100000000000000000000000000000000000000000000000000000000000080", // the identity, "x = -0"
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // order 2, "x = -0"
}

// nonCanonicalLargeOrder returns the encodings y = p+i (2 ≤ i ≤ 18) that
// decode to a point not of small order: non-canonical spellings of sound
// points, refused for their spelling alone.
func nonCanonicalLargeOrder(t testing.TB) []string {
	t.Helper()
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	var out []string
	for i := int64(2); i <= 18; i++ {
		be := new(big.Int).Add(p, big.NewInt(i)).FillBytes(make([]byte, 32))
		le := make([]byte, 32)
		for j := range be {
			le[j] = be[31-j]
		}
		pt, err := new(edwards25519.Point).SetBytes(le)
		if err != nil {
			continue
		}
		if new(edwards25519.Point).MultByCofactor(pt).Equal(edwards25519.NewIdentityPoint()) == 1 {
			t.Fatalf("y = p+%d is of small order", i)
		}
		out = append(out, hex.EncodeToString(le))
	}
	if len(out) == 0 {
		t.Fatal("no y in p+2..p+18 is on the curve")
	}
	return out
}

// badKey is a public key no registry may hold, as a JWK.
type badKey struct {
	name string
	jwk  []byte
	raw  any // what jwx makes of it (for CheckPublicKey and certificates)
}

func okpJWK(x []byte) []byte {
	return []byte(`{"kty":"OKP","crv":"Ed25519","x":"` + base64.RawURLEncoding.EncodeToString(x) + `"}`)
}

func ecJWK(x, y []byte) []byte {
	return []byte(`{"kty":"EC","crv":"P-256","x":"` + base64.RawURLEncoding.EncodeToString(x) +
		`","y":"` + base64.RawURLEncoding.EncodeToString(y) + `"}`)
}

// badKeys lists every class of unsound key: the eight small-order Ed25519
// points, non-canonical encodings of them and of a sound point, a P-256
// point off the curve, the zero coordinates (the point at infinity has no
// affine form; (0,0) is how it is usually smuggled) and a coordinate ≥ p.
func badKeys(t testing.TB) []badKey {
	t.Helper()
	var out []badKey
	add := func(class string, list []string) {
		for _, h := range list {
			b, err := hex.DecodeString(h)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, badKey{name: class + " " + h[:8] + ".." + h[56:], jwk: okpJWK(b), raw: ed25519.PublicKey(b)})
		}
	}
	add("Ed25519 small order", smallOrderEd25519)
	add("Ed25519 non-canonical small order", nonCanonicalSmallOrder)
	add("Ed25519 non-canonical", nonCanonicalLargeOrder(t))

	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	offY := new(big.Int).Add(k.Y, big.NewInt(1))
	offY.Mod(offY, elliptic.P256().Params().P)
	// x + p is x again modulo p, spelled with a coordinate out of range.
	bigX := new(big.Int).Add(k.X, elliptic.P256().Params().P)
	for _, c := range []struct {
		name string
		x, y *big.Int
	}{
		{"P-256 off the curve (y+1)", k.X, offY},
		{"P-256 zero coordinates (the identity)", new(big.Int), new(big.Int)},
		{"P-256 x = 0", new(big.Int), k.Y},
		{"P-256 x ≥ p", bigX, k.Y},
	} {
		xb, yb := c.x.Bytes(), c.y.Bytes()
		if len(xb) < 32 {
			xb = c.x.FillBytes(make([]byte, 32))
		}
		if len(yb) < 32 {
			yb = c.y.FillBytes(make([]byte, 32))
		}
		out = append(out, badKey{name: c.name, jwk: ecJWK(xb, yb),
			raw: &ecdsa.PublicKey{Curve: elliptic.P256(), X: c.x, Y: c.y}})
	}
	return out
}

func TestSmallOrderListIsTheTorsionSubgroup(t *testing.T) {
	seen := map[string]bool{}
	for _, h := range smallOrderEd25519 {
		b, _ := hex.DecodeString(h)
		p, err := new(edwards25519.Point).SetBytes(b)
		if err != nil {
			t.Fatalf("%s does not decode: %v", h, err)
		}
		if hex.EncodeToString(p.Bytes()) != h {
			t.Fatalf("%s is not canonical", h)
		}
		if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) != 1 {
			t.Fatalf("%s is not of small order", h)
		}
		seen[h] = true
	}
	if len(seen) != 8 {
		t.Fatalf("%d distinct points, want 8", len(seen))
	}
	for _, h := range nonCanonicalSmallOrder {
		b, _ := hex.DecodeString(h)
		p, err := new(edwards25519.Point).SetBytes(b)
		if err != nil {
			t.Fatalf("%s does not decode: %v", h, err)
		}
		if !seen[hex.EncodeToString(p.Bytes())] {
			t.Fatalf("%s decodes to %x, not a small-order point", h, p.Bytes())
		}
	}
}

func TestCheckPublicKeyRefusesUnsoundKeys(t *testing.T) {
	for _, k := range badKeys(t) {
		t.Run(k.name, func(t *testing.T) {
			if err := trust.CheckPublicKey(k.raw); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	for _, alg := range []jwa.SignatureAlgorithm{jwa.ES256, jwa.EdDSA} {
		if err := trust.CheckPublicKey(testkit.Key(t, alg).Public().Raw); err != nil {
			t.Errorf("a sound %s key refused: %v", alg, err)
		}
	}
}

// Every way a public key reaches the registry refuses every unsound key: a
// JWK (the form of anchors, own keys and an endorsement's jwk), the anchor
// configuration, an endorsement (added by an admin or pulled with a trust
// list), the root's signing tool, and a document signer's certificate.
func TestUnsoundKeysEnterByNoPath(t *testing.T) {
	root := testkit.NewRoot(t)
	for _, k := range badKeys(t) {
		t.Run(k.name, func(t *testing.T) {
			if _, err := trust.ParsePublicJWK(k.jwk); err == nil {
				t.Error("ParsePublicJWK accepted it")
			}
			if _, err := trust.NewAnchors(k.jwk); err == nil {
				t.Error("an anchor configuration accepted it")
			}
			claims := endorsementClaims(t, testkit.Key(t, jwa.ES256), zj)
			claims["jwk"] = json.RawMessage(k.jwk)
			tok := signClaims(t, root.TestKey, header(root, trust.TypEndorsement), claims)
			if _, err := root.Anchors().ParseEndorsement(tok); err == nil || !strings.Contains(err.Error(), "jwk") {
				t.Errorf("ParseEndorsement: %v, want a refusal of the jwk", err)
			}
			reg := trust.NewRegistry(root.Anchors(), nil)
			if _, _, err := reg.AddEndorsement(t.Context(), tok); err == nil {
				t.Error("AddEndorsement accepted it")
			}
			if added, refused, err := reg.Merge(t.Context(), []string{tok}); err != nil || added != 0 || refused != 1 {
				t.Errorf("Merge (a pulled trust list): added %d, refused %d, err %v", added, refused, err)
			}
			if reg.Snapshot().Len() != 0 || reg.Snapshot().Version() != 0 {
				t.Errorf("the registry holds %d keys", reg.Snapshot().Len())
			}
			forged := &trust.PublicKey{Kid: "forged", Alg: jwa.EdDSA, Raw: k.raw}
			if _, err := trust.SignEndorsement(root.Signer, trust.EndorsementSpec{Key: forged, Sub: zj,
				Use: []trust.Use{trust.UseCodes}, NotBefore: nbf, NotAfter: exp, IssuedAt: nbf, JTI: "x"}); err == nil {
				t.Error("SignEndorsement signed it")
			}
		})
	}
}

// An EC private JWK whose public coordinates are off the curve is refused
// as an own key (trust.keys), not only as a public one.
func TestOwnKeyWithUnsoundPublicHalfRefused(t *testing.T) {
	k := testkit.Key(t, jwa.ES256)
	var m map[string]any
	if err := json.Unmarshal(k.JWK, &m); err != nil {
		t.Fatal(err)
	}
	y, _ := base64.RawURLEncoding.DecodeString(m["y"].(string))
	y[31] ^= 1
	m["y"] = base64.RawURLEncoding.EncodeToString(y)
	delete(m, "kid")
	if _, err := trust.ParsePrivateJWK(testkit.JSON(t, m)); err == nil {
		t.Fatal("a private key with an off-curve public point was accepted")
	}
}

// patchPoint returns der with the uncompressed P-256 point of pub replaced
// by 0x04 || x || y: a certificate carrying an unsound key (its signature no
// longer matches, which ParseDSC does not check anyway).
func patchPoint(t testing.TB, der []byte, pub *ecdsa.PublicKey, x, y []byte) []byte {
	t.Helper()
	point := append([]byte{4}, append(pub.X.FillBytes(make([]byte, 32)), pub.Y.FillBytes(make([]byte, 32))...)...)
	i := strings.Index(string(der), string(point))
	if i < 0 {
		t.Fatal("the public point is not in the certificate")
	}
	out := append([]byte(nil), der...)
	copy(out[i+1:], x)
	copy(out[i+33:], y)
	return out
}

func TestDSCWithUnsoundKeyRefused(t *testing.T) {
	der, key := newCert(t, certSpec{})
	pub := key.Public().(*ecdsa.PublicKey)
	if _, err := trust.ParseDSC(der); err != nil {
		t.Fatalf("the sound certificate: %v", err)
	}
	x := pub.X.FillBytes(make([]byte, 32))
	offY := new(big.Int).Add(pub.Y, big.NewInt(1))
	offY.Mod(offY, elliptic.P256().Params().P)
	zero := make([]byte, 32)
	pBytes := elliptic.P256().Params().P.FillBytes(make([]byte, 32))
	tests := map[string][]byte{
		"a P-256 point off the curve":       patchPoint(t, der, pub, x, offY.FillBytes(make([]byte, 32))),
		"zero coordinates (the identity)":   patchPoint(t, der, pub, zero, zero),
		"x = p (a coordinate out of range)": patchPoint(t, der, pub, pBytes, pub.Y.FillBytes(make([]byte, 32))),
		"an Ed25519 identity-point key":     ed25519Cert(t, smallOrderEd25519[0]),
		"an Ed25519 key of order 8":         ed25519Cert(t, smallOrderEd25519[4]),
	}
	for name, der := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := trust.ParseDSC(der); err == nil {
				t.Fatal("ParseDSC accepted it")
			}
			list := []byte(`[{"certificate":"` + base64.StdEncoding.EncodeToString(der) + `"}]`)
			if _, err := trust.ParseDSCList(list); err == nil {
				t.Fatal("ParseDSCList accepted it")
			}
		})
	}
}

// ed25519Cert makes a certificate for the Ed25519 point h (hex), signed by
// a throw-away P-256 issuer.
func ed25519Cert(t testing.TB, h string) []byte {
	t.Helper()
	pt, _ := hex.DecodeString(h)
	issuer, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "small order"},
		NotBefore: dscFrom, NotAfter: dscTo}
	parent := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "issuer"},
		NotBefore: dscFrom, NotAfter: dscTo.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, ed25519.PublicKey(pt), issuer)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
