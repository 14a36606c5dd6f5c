// Package p256 checks ECDSA P-256 signatures (ES256) against one public key
// with a table of that key's multiples, built once.
//
// crypto/ecdsa computes u1·G + u2·Q for every signature. G's multiples are
// precomputed in the standard library, Q's are not, and the variable-base
// multiplication u2·Q is most of a verification. A key that signs many
// codes is worth a table (43 windows of 6 bits, 63 points each), after
// which u2·Q is at most 43 point additions (figures: docs/PERFORMANCE.md).
//
// Everything here is public (the key, the digest, the signature), so the
// table lookups and the skipped zero windows need not be constant-time. The
// point arithmetic is filippo.io/nistec (the standard library's nistec,
// exported); this package only chooses which points to add. The result is
// checked against crypto/ecdsa by differential tests and a fuzz target, and
// against Wycheproof's vectors.
package p256

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"math/big"

	"filippo.io/nistec"
)

const (
	window  = 6
	windows = (256 + window - 1) / window // 43
	perRow  = 1<<window - 1               // 63: the multiples 1..63
)

var order = elliptic.P256().Params().N

// Table is a public key with its precomputed multiples:
// points[i*perRow+d-1] = d · 2^(6i) · Q.
type Table struct {
	points []nistec.P256Point
}

// NewTable builds the table of pub, which must be a P-256 point: 2,666
// point additions and 258 doublings.
func NewTable(pub *ecdsa.PublicKey) (*Table, error) {
	if pub == nil || pub.Curve != elliptic.P256() || pub.X == nil || pub.Y == nil {
		return nil, errors.New("p256: not a P-256 public key")
	}
	var enc [65]byte
	enc[0] = 4
	if pub.X.Sign() < 0 || pub.Y.Sign() < 0 || pub.X.BitLen() > 256 || pub.Y.BitLen() > 256 {
		return nil, errors.New("p256: coordinates out of range")
	}
	pub.X.FillBytes(enc[1:33])
	pub.Y.FillBytes(enc[33:])
	// SetBytes refuses a point off the curve or a coordinate not below p.
	q, err := nistec.NewP256Point().SetBytes(enc[:])
	if err != nil {
		return nil, err
	}
	t := &Table{points: make([]nistec.P256Point, windows*perRow)}
	base := nistec.NewP256Point().Set(q)
	for i := range windows {
		row := t.points[i*perRow : (i+1)*perRow]
		row[0].Set(base)
		for d := 1; d < perRow; d++ {
			row[d].Add(&row[d-1], base)
		}
		for range window {
			base.Double(base)
		}
	}
	return t, nil
}

// Verify reports whether sig (R and S, 32 bytes each, big-endian: the JWS
// form of RFC 7518 §3.4) is a signature of digest (SHA-256's 32 bytes) by the
// table's key, with the checks of SEC 1 §4.1.4: R and S in [1, n-1], and the
// x coordinate of u1·G + u2·Q, reduced mod n, equal to R.
func (t *Table) Verify(digest, sig []byte) bool {
	if len(sig) != 64 || len(digest) != 32 || len(t.points) != windows*perRow {
		return false // the last: a Table not made by NewTable
	}
	var r, s, e, w, u1, u2 big.Int
	r.SetBytes(sig[:32])
	s.SetBytes(sig[32:])
	if r.Sign() == 0 || s.Sign() == 0 || r.Cmp(order) >= 0 || s.Cmp(order) >= 0 {
		return false
	}
	// A 256-bit digest is the integer e whole (no truncation for a 256-bit
	// n); it may exceed n, which the products below reduce.
	e.SetBytes(digest)
	if w.ModInverse(&s, order) == nil {
		return false
	}
	u1.Mul(&e, &w).Mod(&u1, order)
	u2.Mul(&r, &w).Mod(&u2, order)

	var b1 [32]byte
	u1.FillBytes(b1[:])
	acc := nistec.NewP256Point()
	if _, err := acc.ScalarBaseMult(b1[:]); err != nil {
		return false
	}
	var limbs [4]uint64
	for i, word := range u2.Bits() {
		// On 32-bit platforms big.Word is 32 bits: the words pair up.
		if bitsPerWord == 64 {
			limbs[i] = uint64(word)
		} else {
			limbs[i/2] |= uint64(word) << (32 * (i % 2))
		}
	}
	for i := range windows {
		if d := digit(&limbs, i); d != 0 {
			acc.Add(acc, &t.points[i*perRow+d-1])
		}
	}
	x, err := acc.BytesX() // an error is the point at infinity
	if err != nil {
		return false
	}
	var v big.Int
	v.SetBytes(x)
	if v.Cmp(order) >= 0 {
		v.Sub(&v, order) // x < p < 2n
	}
	return v.Cmp(&r) == 0
}

const bitsPerWord = 32 << (^big.Word(0) >> 63)

// digit is bits [6i, 6i+6) of the 256-bit little-endian limbs.
func digit(limbs *[4]uint64, i int) int {
	off := i * window
	l, sh := off/64, uint(off%64)
	v := limbs[l] >> sh
	if sh > 64-window && l < 3 {
		v |= limbs[l+1] << (64 - sh)
	}
	return int(v & perRow)
}
