package adapters

import (
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"unsafe"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// One code, one identity. An ECDSA signature (r, s) verifies as (r, n−s)
// too, and the libraries provinces sign with emit either half; refusing
// one half would refuse codes signed correctly. So every spelling is
// accepted, and whatever keys on a code (the record's code hash, through
// Code.Digest) sees one canonical spelling: the signature with s ≤ n/2.
// Ed25519 signatures have one spelling (the verifier refuses S ≥ L) and
// base64url is read strictly, so ES256 is the only malleable part of a
// JWS-based code.

// p256Order is n, the order of P-256, and p256HalfOrder is ⌊n/2⌋, both
// big-endian.
var (
	p256Order = [32]byte{
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51}
	p256HalfOrder = [32]byte{
		0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8}
)

// LowS rewrites a raw ES256 signature r‖s (64 bytes, as JWS and COSE write
// it) with s' = n − s when s > n/2, and reports whether it did. Both
// spellings verify; the rewritten one is the canonical one. A signature of
// another length is left alone.
func LowS(sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	s := sig[32:]
	if string(s) <= string(p256HalfOrder[:]) { // big-endian, same length
		return false
	}
	// s' = n − s, byte by byte with borrow; s < n, so s' > 0.
	borrow := 0
	for i := 31; i >= 0; i-- {
		d := int(p256Order[i]) - int(s[i]) - borrow
		borrow = 0
		if d < 0 {
			d += 256
			borrow = 1
		}
		s[i] = byte(d)
	}
	return true
}

// Digest is the SHA-256 of a code that has one spelling (Code.Digest).
// It hashes the string's own bytes: []byte(code) would copy the code to
// the heap on every verification, and SHA-256 only reads its input.
func Digest(code string) [sha256.Size]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(code), len(code)))
}

// JWSDigest is the SHA-256 of a code made of a prefix and a compact JWS
// signed with alg, in its canonical spelling: the code as it is, except an
// ES256 signature with s > n/2, which is written with n − s. The JWS must
// have been verified (three parts, strict base64url): nothing is checked
// here.
func JWSDigest(code string, alg jwa.SignatureAlgorithm) [sha256.Size]byte {
	// The signature is the last rawES256Len characters, after a dot; one
	// holding a dot itself fails the strict decoding below.
	last := len(code) - rawES256Len - 1
	if alg != jwa.ES256 || last < 0 || code[last] != '.' {
		return Digest(code)
	}
	var sig [64]byte
	if n, err := base64.RawURLEncoding.Strict().Decode(sig[:], []byte(code[last+1:])); err != nil || n != len(sig) {
		return Digest(code)
	}
	if !LowS(sig[:]) {
		return Digest(code)
	}
	return respelt(code[:last+1], &sig)
}

// rawES256Len is the base64url length of a 64-byte signature.
const rawES256Len = 86

// respelt hashes head followed by the base64url of sig, spelt in a
// reused buffer: a new string, or a hash.Hash, would be garbage on every
// verification of such a code.
func respelt(head string, sig *[64]byte) [sha256.Size]byte {
	bp := spellings.Get().(*[]byte)
	b := append((*bp)[:0], head...)
	b = base64.RawURLEncoding.AppendEncode(b, sig[:])
	out := sha256.Sum256(b)
	if cap(b) <= maxSpelling {
		*bp = b
		spellings.Put(bp)
	}
	return out
}

// spellings hold the canonical spellings respelt hashes.
var spellings = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxSpelling is the largest buffer kept for reuse.
const maxSpelling = 64 << 10
