package p256_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
	"testing"

	"github.com/hcgw/hcgw/trust/p256"
)

// Signatures built for their u1 and u2, so that the table's every digit,
// limb boundary and partial sum is reached on purpose, not by chance. The
// point arithmetic of the construction is crypto/elliptic's generic code,
// independent of nistec's.

var (
	curve = elliptic.P256()
	pMod  = curve.Params().P
)

func modN(x *big.Int) *big.Int { return x.Mod(x, n) }

func randScalar(t testing.TB) *big.Int {
	k, err := rand.Int(rand.Reader, new(big.Int).Sub(n, big.NewInt(1)))
	if err != nil {
		t.Fatal(err)
	}
	return k.Add(k, big.NewInt(1))
}

// u2Patterns are scalars whose 6-bit windows are extreme: each single bit,
// runs of ones from the bottom, all ones (reduced mod n), alternations, one
// 64-bit limb of ones at a time, n - 1.
func u2Patterns() []*big.Int {
	var out []*big.Int
	for b := range 256 {
		out = append(out, new(big.Int).Lsh(big.NewInt(1), uint(b)))
	}
	for _, l := range []uint{5, 6, 7, 59, 60, 61, 63, 64, 65, 127, 128, 251, 252, 255} {
		out = append(out, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), l), big.NewInt(1)))
	}
	ones := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	fives, _ := new(big.Int).SetString("5555555555555555555555555555555555555555555555555555555555555555", 16)
	as, _ := new(big.Int).SetString("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 16)
	out = append(out, ones, fives, as, new(big.Int).Sub(n, big.NewInt(1)))
	for limb := range 4 {
		l := new(big.Int).Lsh(new(big.Int).SetUint64(^uint64(0)), uint(64*limb))
		out = append(out, l)
	}
	for i, u := range out {
		out[i] = modN(u)
	}
	return out
}

// withU is a valid signature whose verification computes exactly u1·G +
// u2·Q: R = u1·G + u2·Q, r = x(R) mod n, s = r / u2, e = u1·s. ok is false
// when R is the point at infinity or r is 0.
func withU(pub *ecdsa.PublicKey, u1, u2 *big.Int) (digest, sig []byte, ok bool) {
	x1, y1 := curve.ScalarBaseMult(u1.FillBytes(make([]byte, 32)))
	x2, y2 := curve.ScalarMult(pub.X, pub.Y, u2.FillBytes(make([]byte, 32)))
	x, _ := addPoints(x1, y1, x2, y2)
	if x == nil {
		return nil, nil, false
	}
	r := modN(new(big.Int).Set(x))
	if r.Sign() == 0 {
		return nil, nil, false
	}
	s := modN(new(big.Int).Mul(r, new(big.Int).ModInverse(u2, n)))
	e := modN(new(big.Int).Mul(u1, s))
	return e.FillBytes(make([]byte, 32)), raw(r, s), true
}

// addPoints is P + Q with the identity as (0, 0) in and nil out, which
// crypto/elliptic's Add does not handle for P = -Q.
func addPoints(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	if x1.Sign() == 0 && y1.Sign() == 0 {
		return x2, y2
	}
	if x2.Sign() == 0 && y2.Sign() == 0 {
		return x1, y1
	}
	if x1.Cmp(x2) == 0 && new(big.Int).Add(y1, y2).Cmp(pMod) == 0 {
		return nil, nil
	}
	return curve.Add(x1, y1, x2, y2)
}

func TestChosenU2(t *testing.T) {
	k, _ := ecdsa.GenerateKey(curve, rand.Reader)
	tab, err := p256.NewTable(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i, u2 := range u2Patterns() {
		for _, u1 := range []*big.Int{randScalar(t), new(big.Int), big.NewInt(1), new(big.Int).Sub(n, big.NewInt(1))} {
			digest, sig, ok := withU(&k.PublicKey, u1, u2)
			if !ok {
				continue
			}
			want := []struct {
				name   string
				digest []byte
			}{{"e", digest}}
			if e := new(big.Int).Add(new(big.Int).SetBytes(digest), n); e.BitLen() <= 256 {
				want = append(want, struct {
					name   string
					digest []byte
				}{"e + n", e.FillBytes(make([]byte, 32))})
			}
			for _, w := range want {
				got, ref := tab.Verify(w.digest, sig), stdlib(&k.PublicKey, w.digest, sig)
				if !got || !ref {
					t.Fatalf("pattern %d (u2 %x), u1 %x, digest %s: Verify %v, crypto/ecdsa %v, want both true", i, u2, u1, w.name, got, ref)
				}
				checked++
			}
			// The same u2 with a damaged R: another point, refused alike.
			bad := flipBit(sig, 7)
			if got, ref := tab.Verify(digest, bad), stdlib(&k.PublicKey, digest, bad); got || ref {
				t.Fatalf("pattern %d damaged: Verify %v, crypto/ecdsa %v", i, got, ref)
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d constructed signatures", checked)
	}
	t.Logf("%d constructed signatures of %d u2 patterns verified", checked, len(u2Patterns()))
}

func flipBit(b []byte, bit int) []byte {
	c := append([]byte(nil), b...)
	c[bit/8] ^= 1 << (bit % 8)
	return c
}

// TestSPlusN: a valid signature with a small S and the same with S + n
// (still 32 bytes): crypto/ecdsa refuses S ≥ n, so does the table.
func TestSPlusN(t *testing.T) {
	d := randScalar(t)
	x, y := curve.ScalarBaseMult(d.FillBytes(make([]byte, 32)))
	pub := &ecdsa.PublicKey{Curve: curve, X: x, Y: y}
	tab, err := p256.NewTable(pub)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 64 {
		k := randScalar(t)
		kx, _ := curve.ScalarBaseMult(k.FillBytes(make([]byte, 32)))
		r := modN(new(big.Int).Set(kx))
		s := new(big.Int).Lsh(big.NewInt(1), uint(1+i*3)) // small: s + n < 2^256
		s.Add(s, big.NewInt(int64(i)))
		// s = (e + r·d) / k, so e = s·k − r·d.
		e := modN(new(big.Int).Sub(new(big.Int).Mul(s, k), new(big.Int).Mul(r, d)))
		digest := e.FillBytes(make([]byte, 32))
		if !tab.Verify(digest, raw(r, s)) || !stdlib(pub, digest, raw(r, s)) {
			t.Fatalf("small S %d does not verify", i)
		}
		sn := new(big.Int).Add(s, n)
		if tab.Verify(digest, raw(r, sn)) || stdlib(pub, digest, raw(r, sn)) {
			t.Fatalf("S + n verifies (S %d)", i)
		}
	}
}

// TestSpecialKeys: keys d·G whose table's points equal, or negate, the
// partial sums (d = 1, 2, 64, 2^200, n − 1), valid and damaged signatures,
// and a signature whose u1·G + u2·Q is the point at infinity.
func TestSpecialKeys(t *testing.T) {
	for _, d := range []*big.Int{big.NewInt(1), big.NewInt(2), big.NewInt(64), new(big.Int).Lsh(big.NewInt(1), 200), new(big.Int).Sub(n, big.NewInt(1))} {
		t.Run(fmt.Sprintf("d=%x", d), func(t *testing.T) {
			x, y := curve.ScalarBaseMult(d.FillBytes(make([]byte, 32)))
			pub := &ecdsa.PublicKey{Curve: curve, X: x, Y: y}
			tab, err := p256.NewTable(pub)
			if err != nil {
				t.Fatal(err)
			}
			priv := &ecdsa.PrivateKey{PublicKey: *pub, D: d}
			for i := range 16 {
				digest := sha256.Sum256([]byte{byte(i)})
				sig := sign(t, priv, digest[:])
				if !tab.Verify(digest[:], sig) {
					t.Fatalf("signature %d does not verify", i)
				}
				if bad := flipBit(sig, 300+i); tab.Verify(digest[:], bad) || stdlib(pub, digest[:], bad) {
					t.Fatalf("damaged signature %d verifies", i)
				}
			}
			for _, u2 := range u2Patterns()[:64] {
				// u1 = −u2·d: u1·G + u2·Q = (u2·d − u2·d)·G, the infinity.
				u1 := modN(new(big.Int).Neg(new(big.Int).Mul(u2, d)))
				r := randScalar(t)
				s := modN(new(big.Int).Mul(r, new(big.Int).ModInverse(u2, n)))
				e := modN(new(big.Int).Mul(u1, s))
				digest := e.FillBytes(make([]byte, 32))
				if tab.Verify(digest, raw(r, s)) || stdlib(pub, digest, raw(r, s)) {
					t.Fatalf("a sum at infinity verifies (u2 %x)", u2)
				}
				// Constructed valid ones for the same u2.
				if dg, sig, ok := withU(pub, randScalar(t), u2); ok && (!tab.Verify(dg, sig) || !stdlib(pub, dg, sig)) {
					t.Fatalf("constructed signature for u2 %x does not verify", u2)
				}
			}
		})
	}
}

// TestXAboveN: a point R whose x lies in [n, p) (one in 2^128 at random,
// so built: x = n + i, y from the curve equation), a key made for it, and
// a signature whose R is that point: r = x − n verifies, r = x is out of
// range.
func TestXAboveN(t *testing.T) {
	b := curve.Params().B
	found := 0
	for i := int64(0); found < 8 && i < 200; i++ {
		x := new(big.Int).Add(n, big.NewInt(i))
		// y² = x³ − 3x + b mod p
		rhs := new(big.Int).Exp(x, big.NewInt(3), pMod)
		rhs.Sub(rhs, new(big.Int).Mul(big.NewInt(3), x))
		rhs.Add(rhs, b).Mod(rhs, pMod)
		y := new(big.Int).ModSqrt(rhs, pMod)
		if y == nil || !curve.IsOnCurve(x, y) {
			continue
		}
		found++
		u1, u2 := randScalar(t), randScalar(t)
		// Q = (R − u1·G) / u2
		gx, gy := curve.ScalarBaseMult(u1.FillBytes(make([]byte, 32)))
		mx, my := addPoints(x, y, gx, new(big.Int).Sub(pMod, gy))
		if mx == nil {
			continue
		}
		qx, qy := curve.ScalarMult(mx, my, new(big.Int).ModInverse(u2, n).FillBytes(make([]byte, 32)))
		pub := &ecdsa.PublicKey{Curve: curve, X: qx, Y: qy}
		tab, err := p256.NewTable(pub)
		if err != nil {
			t.Fatal(err)
		}
		r := new(big.Int).Sub(x, n)
		s := modN(new(big.Int).Mul(r, new(big.Int).ModInverse(u2, n)))
		e := modN(new(big.Int).Mul(u1, s))
		digest := e.FillBytes(make([]byte, 32))
		if !tab.Verify(digest, raw(r, s)) || !stdlib(pub, digest, raw(r, s)) {
			t.Fatalf("x = n + %d: r = x − n does not verify", i)
		}
		// r = x itself (≥ n) with s and e for it: out of range.
		s2 := modN(new(big.Int).Mul(x, new(big.Int).ModInverse(u2, n)))
		e2 := modN(new(big.Int).Mul(u1, s2))
		if tab.Verify(e2.FillBytes(make([]byte, 32)), raw(x, s2)) {
			t.Fatalf("x = n + %d: r = x verifies", i)
		}
	}
	if found < 8 {
		t.Fatalf("only %d points with x in [n, p)", found)
	}
}

// TestATableNotMadeByNewTable refuses instead of panicking.
func TestATableNotMadeByNewTable(t *testing.T) {
	d := sha256.Sum256([]byte("x"))
	if new(p256.Table).Verify(d[:], sign(t, fixedKey, d[:])) {
		t.Fatal("the zero Table verified")
	}
}
