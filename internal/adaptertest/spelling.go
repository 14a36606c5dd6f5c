package adaptertest

import (
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/trust"
)

// Respell returns a JWS-based code (a prefix ending in ':', then a compact
// JWS) with the other spelling of its ES256 signature, (r, n − s), and
// whether s was above n/2. It is written with math/big, independently of
// adapters.LowS. A code that is not ES256 comes back as it is.
func Respell(t testing.TB, code string) (string, bool) {
	t.Helper()
	start := strings.IndexByte(code, ':') + 1
	last := strings.LastIndexByte(code, '.')
	if last < start {
		return code, false
	}
	h, _, err := trust.SplitCompact(code[start:])
	if err != nil || h.Alg != "ES256" {
		return code, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(code[last+1:])
	if err != nil || len(sig) != 64 {
		t.Fatalf("an ES256 signature of %d bytes (%v)", len(sig), err)
	}
	n := elliptic.P256().Params().N
	s := new(big.Int).SetBytes(sig[32:])
	high := s.Cmp(new(big.Int).Rsh(n, 1)) > 0
	s.Sub(n, s).FillBytes(sig[32:])
	return code[:last+1] + base64.RawURLEncoding.EncodeToString(sig), high
}

// CanonicalDigest is the Code.Digest of a JWS-based code that decoded: the
// SHA-256 of its spelling with s ≤ n/2.
func CanonicalDigest(t testing.TB, code string) [sha256.Size]byte {
	t.Helper()
	if other, high := Respell(t, code); high {
		code = other
	}
	return sha256.Sum256([]byte(code))
}

// CanonicalSHA256 is CanonicalDigest in hex, as records hold it.
func CanonicalSHA256(t testing.TB, code string) string {
	t.Helper()
	sum := CanonicalDigest(t, code)
	return hex.EncodeToString(sum[:])
}
