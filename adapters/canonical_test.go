package adapters_test

import (
	"bytes"
	"crypto/elliptic"
	"crypto/sha256"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/internal/testkit"
)

// lowSReference is LowS with math/big.
func lowSReference(sig []byte) ([]byte, bool) {
	out := bytes.Clone(sig)
	if len(sig) != 64 {
		return out, false
	}
	n := elliptic.P256().Params().N
	s := new(big.Int).SetBytes(sig[32:])
	if s.Cmp(new(big.Int).Rsh(n, 1)) <= 0 {
		return out, false
	}
	s.Sub(n, s).FillBytes(out[32:])
	return out, true
}

func TestLowS(t *testing.T) {
	n := elliptic.P256().Params().N
	half := new(big.Int).Rsh(n, 1)
	sig := func(s *big.Int) []byte {
		b := make([]byte, 64)
		b[0] = 0x42 // r is never looked at
		s.FillBytes(b[32:])
		return b
	}
	rng := rand.New(rand.NewPCG(6, 6))
	cases := map[string][]byte{
		"s = 1":         sig(big.NewInt(1)),
		"s = n/2":       sig(half),
		"s = n/2 + 1":   sig(new(big.Int).Add(half, big.NewInt(1))),
		"s = n - 1":     sig(new(big.Int).Sub(n, big.NewInt(1))),
		"s = 2^255":     sig(new(big.Int).Lsh(big.NewInt(1), 255)),
		"63 bytes":      make([]byte, 63),
		"an RSA length": make([]byte, 256),
	}
	for i := 0; i < 1000; i++ {
		b := make([]byte, 64)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if new(big.Int).SetBytes(b[32:]).Cmp(n) < 0 {
			cases[fmt.Sprintf("random %d", i)] = b
		}
	}
	for name, in := range cases {
		want, wantChanged := lowSReference(in)
		got := bytes.Clone(in)
		if changed := adapters.LowS(got); changed != wantChanged || !bytes.Equal(got, want) {
			t.Fatalf("%s: LowS changed=%v to %x, want changed=%v %x", name, changed, got, wantChanged, want)
		}
		// The canonical spelling is a fixed point.
		if adapters.LowS(got) {
			t.Fatalf("%s: LowS of a low-S signature changed it", name)
		}
	}
}

func FuzzLowS(f *testing.F) {
	f.Add(make([]byte, 64))
	f.Add(bytes.Repeat([]byte{0xff}, 64))
	f.Fuzz(func(t *testing.T, sig []byte) {
		if len(sig) == 64 && new(big.Int).SetBytes(sig[32:]).Cmp(elliptic.P256().Params().N) >= 0 {
			return // not a signature ECDSA verifies
		}
		want, wantChanged := lowSReference(sig)
		if changed := adapters.LowS(sig); changed != wantChanged || !bytes.Equal(sig, want) {
			t.Fatalf("LowS changed=%v to %x, want changed=%v %x", changed, sig, wantChanged, want)
		}
	})
}

// TestJWSDigest: both spellings of an ES256 signature have the digest of
// the low-S one; an EdDSA code, whose signature is also 64 bytes, is hashed
// as it is.
func TestJWSDigest(t *testing.T) {
	es, ed := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA)
	var high, low int
	for i := 0; i < 64 && (high == 0 || low == 0); i++ {
		tok, err := es.SignCompact([]byte(`{"n":`+string(rune('0'+i%10))+`}`), "nic+jwt")
		if err != nil {
			t.Fatal(err)
		}
		code := "NIC1:" + tok
		other, wasHigh := adaptertest.Respell(t, code)
		if wasHigh {
			high++
		} else {
			low++
		}
		d1, d2 := adapters.JWSDigest(code, jwa.ES256), adapters.JWSDigest(other, jwa.ES256)
		if d1 != d2 {
			t.Fatalf("the two spellings have two digests")
		}
		canonical := code
		if wasHigh {
			canonical = other
		}
		if d1 != sha256.Sum256([]byte(canonical)) {
			t.Fatalf("the digest is not the SHA-256 of the low-S spelling")
		}
	}
	if high == 0 || low == 0 {
		t.Fatalf("64 signatures gave %d high-S and %d low-S: the test saw one kind only", high, low)
	}
	tok, err := ed.SignCompact([]byte(`{}`), "nic+jwt")
	if err != nil {
		t.Fatal(err)
	}
	if code := "NIC1:" + tok; adapters.JWSDigest(code, jwa.EdDSA) != sha256.Sum256([]byte(code)) {
		t.Fatal("an EdDSA code is not hashed as it is")
	}
}

// TestJWSDigestConcurrent: high-S codes of different lengths hashed at
// once each get the digest of their own low-S spelling (the spelling's
// buffer is reused across calls and must never mix two codes).
func TestJWSDigestConcurrent(t *testing.T) {
	es := testkit.Key(t, jwa.ES256)
	type pair struct {
		code string
		want [sha256.Size]byte
	}
	var codes []pair
	for i := 0; len(codes) < 8 && i < 256; i++ {
		tok, err := es.SignCompact([]byte(fmt.Sprintf(`{"n":%d,"pad":"%0*d"}`, i, 1+i*37%700, 0)), "nic+jwt")
		if err != nil {
			t.Fatal(err)
		}
		code := "NIC1:" + tok
		other, wasHigh := adaptertest.Respell(t, code)
		if wasHigh {
			codes = append(codes, pair{code, sha256.Sum256([]byte(other))})
		}
	}
	if len(codes) < 8 {
		t.Fatalf("%d high-S codes of 256", len(codes))
	}
	errs := make(chan string, len(codes))
	for i := range codes {
		go func() {
			p := codes[i]
			for range 200 {
				if adapters.JWSDigest(p.code, jwa.ES256) != p.want {
					errs <- fmt.Sprintf("code %d (%d bytes): not its low-S spelling's digest", i, len(p.code))
					return
				}
			}
			errs <- ""
		}()
	}
	for range codes {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

// TestJWSDigestOfOtherShapes: an ES256 code whose last part is not a
// 64-byte signature in strict base64url after a dot is hashed as it is.
func TestJWSDigestOfOtherShapes(t *testing.T) {
	sig := strings.Repeat("A", 43) + strings.Repeat("_", 43) // 86 characters
	for name, code := range map[string]string{
		"empty":                        "",
		"a dot":                        ".",
		"short":                        "NIC1:a.b.c",
		"86 characters, no dot before": "NIC1:ab" + sig,
		"85 characters after the dot":  "NIC1:a.b." + sig[1:],
		"87 characters after the dot":  "NIC1:a.b." + sig + "A",
		"a dot among the 86":           "NIC1:a.b." + sig[:40] + "." + sig[41:],
		"padding among the 86":         "NIC1:a.b." + sig[:84] + "==",
		"a standard base64 character":  "NIC1:a.b." + "+" + sig[1:],
		"only the signature and a dot": "." + sig,
	} {
		if got := adapters.JWSDigest(code, jwa.ES256); got != sha256.Sum256([]byte(code)) {
			t.Errorf("%s: %q is not hashed as it is", name, code)
		}
	}
}
