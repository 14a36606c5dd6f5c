package trust

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// jwxVerifies is what jwx's algorithm verifier, which verifyWith used
// before it called the standard library itself, says of sig.
func jwxVerifies(t testing.TB, alg jwa.SignatureAlgorithm, raw any, input, sig []byte) bool {
	t.Helper()
	v, err := jws.NewVerifier(alg)
	if err != nil {
		t.Fatal(err)
	}
	return v.Verify(input, sig, raw) == nil
}

// diffKeys are fixed keys for the differential tests: deterministic, so
// the fuzz corpus means the same on every run.
type diffKeys struct {
	ec, ec2 *ecdsa.PrivateKey
	ed, ed2 ed25519.PrivateKey
}

func newDiffKeys(t testing.TB) diffKeys {
	t.Helper()
	ecKey := func(seed byte) *ecdsa.PrivateKey {
		d := sha256.Sum256([]byte{seed})
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	edKey := func(seed byte) ed25519.PrivateKey {
		s := sha256.Sum256([]byte{seed, seed})
		return ed25519.NewKeyFromSeed(s[:])
	}
	return diffKeys{ec: ecKey(1), ec2: ecKey(2), ed: edKey(1), ed2: edKey(2)}
}

// es256 signs input in the JWS form (R || S, 32 bytes each).
func es256(t testing.TB, k *ecdsa.PrivateKey, input []byte) []byte {
	t.Helper()
	d := sha256.Sum256(input)
	r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
}

// TestVerifySignatureAgreesWithJWX: the standard-library verification of
// verifyWith says what jwx's verifier says, for valid signatures and every
// way one can be wrong. A disagreement either way fails the test.
func TestVerifySignatureAgreesWithJWX(t *testing.T) {
	keys := newDiffKeys(t)
	input := []byte("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0")
	other := []byte("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ5In0")
	ecSig := es256(t, keys.ec, input)
	edSig := ed25519.Sign(keys.ed, input)
	n := elliptic.P256().Params().N

	tampered := func(sig []byte, i int) []byte {
		c := append([]byte(nil), sig...)
		c[i] ^= 0x01
		return c
	}
	// High S: (R, N - S) is the other valid spelling of an ECDSA
	// signature; neither side enforces low S, and both must agree.
	highS := func(sig []byte) []byte {
		s := new(big.Int).SetBytes(sig[32:])
		s.Sub(n, s)
		return append(append([]byte(nil), sig[:32]...), s.FillBytes(make([]byte, 32))...)
	}
	withR := func(sig []byte, r *big.Int) []byte {
		return append(r.FillBytes(make([]byte, 32)), sig[32:]...)
	}
	withS := func(sig []byte, s *big.Int) []byte {
		return append(append([]byte(nil), sig[:32]...), s.FillBytes(make([]byte, 32))...)
	}
	offCurve := &ecdsa.PublicKey{Curve: elliptic.P256(),
		X: new(big.Int).Set(keys.ec.X), Y: new(big.Int).Add(keys.ec.Y, big.NewInt(1))}
	identity := make(ed25519.PublicKey, 32)
	identity[0] = 1
	constSig := make([]byte, 64) // R = the identity's encoding, S = 0
	constSig[0] = 1

	tests := []struct {
		name       string
		alg        jwa.SignatureAlgorithm
		raw        any
		input, sig []byte
		want       bool // what both must say
	}{
		{"ES256 valid", jwa.ES256, &keys.ec.PublicKey, input, ecSig, true},
		// jwx takes an ecdsa.PublicKey value too; no key in the registry is
		// one (CheckPublicKey refuses it), and here it never verifies.
		{"ES256 valid, value key", jwa.ES256, keys.ec.PublicKey, input, ecSig, false},
		{"ES256 high S", jwa.ES256, &keys.ec.PublicKey, input, highS(ecSig), true},
		{"ES256 tampered R", jwa.ES256, &keys.ec.PublicKey, input, tampered(ecSig, 3), false},
		{"ES256 tampered S", jwa.ES256, &keys.ec.PublicKey, input, tampered(ecSig, 63), false},
		{"ES256 other message", jwa.ES256, &keys.ec.PublicKey, other, ecSig, false},
		{"ES256 wrong key", jwa.ES256, &keys.ec2.PublicKey, input, ecSig, false},
		{"ES256 63 bytes", jwa.ES256, &keys.ec.PublicKey, input, ecSig[:63], false},
		{"ES256 65 bytes", jwa.ES256, &keys.ec.PublicKey, input, append(append([]byte(nil), ecSig...), 0), false},
		{"ES256 DER", jwa.ES256, &keys.ec.PublicKey, input, mustDER(t, keys.ec, input), false},
		{"ES256 empty", jwa.ES256, &keys.ec.PublicKey, input, nil, false},
		{"ES256 R = 0", jwa.ES256, &keys.ec.PublicKey, input, withR(ecSig, new(big.Int)), false},
		{"ES256 S = 0", jwa.ES256, &keys.ec.PublicKey, input, withS(ecSig, new(big.Int)), false},
		{"ES256 R = N", jwa.ES256, &keys.ec.PublicKey, input, withR(ecSig, n), false},
		{"ES256 S = N", jwa.ES256, &keys.ec.PublicKey, input, withS(ecSig, n), false},
		{"ES256 off-curve key", jwa.ES256, offCurve, input, ecSig, false},
		{"ES256 with an Ed25519 key", jwa.ES256, keys.ed.Public(), input, ecSig, false},
		{"ES256 nil key", jwa.ES256, (*ecdsa.PublicKey)(nil), input, ecSig, false},
		{"EdDSA valid", jwa.EdDSA, keys.ed.Public(), input, edSig, true},
		{"EdDSA tampered", jwa.EdDSA, keys.ed.Public(), input, tampered(edSig, 10), false},
		{"EdDSA tampered S", jwa.EdDSA, keys.ed.Public(), input, tampered(edSig, 40), false},
		{"EdDSA other message", jwa.EdDSA, keys.ed.Public(), other, edSig, false},
		{"EdDSA wrong key", jwa.EdDSA, keys.ed2.Public(), input, edSig, false},
		{"EdDSA 63 bytes", jwa.EdDSA, keys.ed.Public(), input, edSig[:63], false},
		{"EdDSA 65 bytes", jwa.EdDSA, keys.ed.Public(), input, append(append([]byte(nil), edSig...), 0), false},
		{"EdDSA with a P-256 key", jwa.EdDSA, &keys.ec.PublicKey, input, edSig, false},
		// The identity point verifies a constant signature for both: it is
		// CheckPublicKey, when the key enters, that keeps it out.
		{"EdDSA identity key, constant signature", jwa.EdDSA, identity, input, constSig, true},
		{"unaccepted algorithm", jwa.ES384, &keys.ec.PublicKey, input, ecSig, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := verifySignature(tt.alg, tt.raw, tt.input, tt.sig)
			var ref bool
			if tt.alg == jwa.ES256 || tt.alg == jwa.EdDSA {
				ref = jwxVerifies(t, tt.alg, tt.raw, tt.input, tt.sig)
			}
			// The one disagreement allowed is the stricter one, on a key
			// that cannot enter the registry.
			if got != ref && (got || CheckPublicKey(tt.raw) == nil) {
				t.Fatalf("verifySignature %v, jwx %v", got, ref)
			}
			if got != tt.want {
				t.Fatalf("both say %v, want %v", got, tt.want)
			}
			// A key's table (keytable.go) answers as the standard library.
			if tabled := tabledKey(t, tt.alg, tt.raw).verify(tt.input, tt.sig); tabled != got {
				t.Fatalf("with the key's table %v, without %v", tabled, got)
			}
		})
	}
}

func mustDER(t testing.TB, k *ecdsa.PrivateKey, input []byte) []byte {
	t.Helper()
	d := sha256.Sum256(input)
	sig, err := ecdsa.SignASN1(rand.Reader, k, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// FuzzVerifySignatureAgainstJWX: for any input and signature, under each
// key, the standard-library verification and jwx's agree. Seeds include a
// valid signature of each algorithm, so mutations start from one that
// verifies.
func FuzzVerifySignatureAgainstJWX(f *testing.F) {
	keys := newDiffKeys(f)
	input := []byte("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0")
	f.Add(input, es256(f, keys.ec, input), uint8(0))
	f.Add(input, []byte(ed25519.Sign(keys.ed, input)), uint8(2))
	f.Add([]byte{}, []byte{}, uint8(1))
	var tabled []*PublicKey // built on the first input, kept for the rest
	f.Fuzz(func(t *testing.T, input, sig []byte, which uint8) {
		cases := []struct {
			alg jwa.SignatureAlgorithm
			raw any
		}{
			{jwa.ES256, &keys.ec.PublicKey},
			{jwa.ES256, &keys.ec2.PublicKey},
			{jwa.EdDSA, keys.ed.Public()},
			{jwa.EdDSA, keys.ed2.Public()},
		}
		c := cases[int(which)%len(cases)]
		if tabled == nil {
			for _, c := range cases {
				tabled = append(tabled, tabledKey(t, c.alg, c.raw))
			}
		}
		got := verifySignature(c.alg, c.raw, input, sig)
		if ref := jwxVerifies(t, c.alg, c.raw, input, sig); got != ref {
			t.Fatalf("%s: verifySignature %v, jwx %v", c.alg, got, ref)
		}
		if tabled := tabled[int(which)%len(cases)].verify(input, sig); tabled != got {
			t.Fatalf("%s: with the key's table %v, without %v", c.alg, tabled, got)
		}
	})
}
