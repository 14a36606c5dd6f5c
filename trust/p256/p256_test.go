package p256_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/hcgw/hcgw/trust/p256"
)

var n = elliptic.P256().Params().N

// fixedKey is one key for the whole package, so that the fuzz target's
// table is built once; fixed, so that a corpus entry means the same on
// every run.
var fixedKey = func() *ecdsa.PrivateKey {
	d := sha256.Sum256([]byte("trust/p256 test key"))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	if err != nil {
		panic(err)
	}
	return k
}()

var fixedTable = func() *p256.Table {
	t, err := p256.NewTable(&fixedKey.PublicKey)
	if err != nil {
		panic(err)
	}
	return t
}()

func raw(r, s *big.Int) []byte {
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out
}

func sign(t testing.TB, k *ecdsa.PrivateKey, digest []byte) []byte {
	r, s, err := ecdsa.Sign(rand.Reader, k, digest)
	if err != nil {
		t.Fatal(err)
	}
	return raw(r, s)
}

// stdlib is the reference: crypto/ecdsa on the same inputs.
func stdlib(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	return ecdsa.Verify(pub, digest, new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

// TestVerifyAgreesWithCryptoECDSA: valid signatures, each kind of damage and
// every boundary of R and S give crypto/ecdsa's answer, and the answer
// expected.
func TestVerifyAgreesWithCryptoECDSA(t *testing.T) {
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := sha256.Sum256([]byte("NIC1 signing input"))
	good := sign(t, fixedKey, digest[:])
	r, s := new(big.Int).SetBytes(good[:32]), new(big.Int).SetBytes(good[32:])
	one, nm1 := big.NewInt(1), new(big.Int).Sub(n, big.NewInt(1))
	flip := func(b []byte, i int) []byte { c := append([]byte(nil), b...); c[i] ^= 1; return c }
	// A digest equal to n, and one of zero: u1 is 0 and u1·G the point at
	// infinity, which must be handled, not refused.
	nDigest := n.FillBytes(make([]byte, 32))
	zero := make([]byte, 32)
	for _, tc := range []struct {
		name        string
		digest, sig []byte
		want        bool
	}{
		{"a valid signature", digest[:], good, true},
		{"its other S (n - S), which ECDSA accepts too", digest[:], raw(r, new(big.Int).Sub(n, s)), true},
		{"another digest", flip(digest[:], 31), good, false},
		{"R damaged", digest[:], flip(good, 5), false},
		{"S damaged", digest[:], flip(good, 40), false},
		{"R and S swapped", digest[:], raw(s, r), false},
		{"by another key", digest[:], sign(t, other, digest[:]), false},
		{"R = 0", digest[:], raw(new(big.Int), s), false},
		{"S = 0", digest[:], raw(r, new(big.Int)), false},
		{"R = n", digest[:], raw(n, s), false},
		{"S = n", digest[:], raw(r, n), false},
		{"R = n + 1 (1 mod n)", digest[:], raw(new(big.Int).Add(n, one), s), false},
		{"R = 1, S = 1", digest[:], raw(one, one), false},
		{"R = n-1, S = n-1", digest[:], raw(nm1, nm1), false},
		{"all ones", digest[:], bytesOf(0xff, 64), false},
		{"63 bytes", digest[:], good[:63], false},
		{"65 bytes", digest[:], append(append([]byte(nil), good...), 0), false},
		{"a digest of 31 bytes", digest[:31], good, false},
		{"a zero digest, signed", zero, sign(t, fixedKey, zero), true},
		{"a digest equal to n, signed", nDigest, sign(t, fixedKey, nDigest), true},
		{"a digest equal to n, checked as zero's", zero, sign(t, fixedKey, nDigest), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fixedTable.Verify(tc.digest, tc.sig)
			ref := len(tc.digest) == 32 && stdlib(&fixedKey.PublicKey, tc.digest, tc.sig)
			if got != tc.want || got != ref {
				t.Fatalf("Verify = %v, crypto/ecdsa = %v, want %v", got, ref, tc.want)
			}
		})
	}
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// TestManyKeysAndSignatures: across keys (so across tables) and digests,
// every valid signature verifies and every one-bit change does not, as with
// crypto/ecdsa.
func TestManyKeysAndSignatures(t *testing.T) {
	for k := range 8 {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tab, err := p256.NewTable(&key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 40 {
			d := sha256.Sum256([]byte{byte(k), byte(i)})
			sig := sign(t, key, d[:])
			if !tab.Verify(d[:], sig) {
				t.Fatalf("key %d signature %d does not verify", k, i)
			}
			bit := (k*40 + i) % 512
			sig[bit/8] ^= 1 << (bit % 8)
			if got, ref := tab.Verify(d[:], sig), stdlib(&key.PublicKey, d[:], sig); got != ref || got {
				t.Fatalf("key %d signature %d, bit %d changed: Verify = %v, crypto/ecdsa = %v", k, i, bit, got, ref)
			}
		}
	}
}

func TestNewTableRefusesWhatIsNotAP256Point(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	off := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).Set(fixedKey.X), Y: new(big.Int).Add(fixedKey.Y, big.NewInt(1))}
	big257 := new(big.Int).Lsh(big.NewInt(1), 256)
	for name, pub := range map[string]*ecdsa.PublicKey{
		"nil":                   nil,
		"a P-384 key":           &p384.PublicKey,
		"a point off the curve": off,
		"no coordinates":        {Curve: elliptic.P256()},
		"a negative X":          {Curve: elliptic.P256(), X: big.NewInt(-1), Y: fixedKey.Y},
		"a 257-bit X":           {Curve: elliptic.P256(), X: big257, Y: fixedKey.Y},
		"X = p + X":             {Curve: elliptic.P256(), X: new(big.Int).Add(fixedKey.X, elliptic.P256().Params().P), Y: fixedKey.Y},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := p256.NewTable(pub); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// signDeterministic is an ECDSA signature of digest by k whose nonce is
// derived from the digest, so that a fuzz input means the same signature on
// every run (crypto/ecdsa's Sign is randomised). Test use only: a nonce that
// is a public function of the message would give the key away.
func signDeterministic(k *ecdsa.PrivateKey, digest []byte) []byte {
	h := sha256.Sum256(append([]byte("nonce"), digest...))
	nonce := new(big.Int).SetBytes(h[:])
	nonce.Mod(nonce, new(big.Int).Sub(n, big.NewInt(1))).Add(nonce, big.NewInt(1))
	x, _ := elliptic.P256().ScalarBaseMult(nonce.FillBytes(make([]byte, 32)))
	r := new(big.Int).Mod(x, n)
	e := new(big.Int).SetBytes(digest)
	s := new(big.Int).Mul(r, k.D)
	s.Add(s, e).Mul(s, new(big.Int).ModInverse(nonce, n)).Mod(s, n)
	return raw(r, s)
}

// FuzzVerifyAgainstCryptoECDSA: for any digest and signature, and for a
// valid signature of the digest changed by any mask, the table's answer is
// crypto/ecdsa's.
func FuzzVerifyAgainstCryptoECDSA(f *testing.F) {
	d := sha256.Sum256([]byte("seed"))
	f.Add(d[:], signDeterministic(fixedKey, d[:]), false)
	f.Add(d[:], make([]byte, 64), true)
	f.Add(make([]byte, 32), bytesOf(0xff, 64), false)
	f.Add(n.FillBytes(make([]byte, 32)), raw(n, n), false)
	f.Fuzz(func(t *testing.T, digest, sig []byte, signFirst bool) {
		if len(digest) != 32 {
			return // the callers hash with SHA-256; other lengths are refused alike
		}
		if signFirst {
			// sig is a mask over a valid signature: zero keeps it valid.
			valid := signDeterministic(fixedKey, digest)
			for i := range min(len(sig), 64) {
				valid[i] ^= sig[i]
			}
			sig = valid
		}
		got, ref := fixedTable.Verify(digest, sig), stdlib(&fixedKey.PublicKey, digest, sig)
		if got != ref {
			t.Fatalf("Verify = %v, crypto/ecdsa = %v (digest %x, sig %x)", got, ref, digest, sig)
		}
	})
}
