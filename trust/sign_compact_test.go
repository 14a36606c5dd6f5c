package trust

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// TestSignCompactIsWhatJWXWrites: SignCompact writes the bytes jws.Sign
// writes for the same key, payload, kid and typ (Ed25519 is deterministic:
// the whole JWS; ES256 is not: header and payload, and jwx verifies the
// signature), and what it signs verifies with jwx and with this package.
func TestSignCompactIsWhatJWXWrites(t *testing.T) {
	payloads := []string{`{"v":1,"iss":"330000"}`, ``, `{"hn":"张*丰","x":"</script>&"}`}
	typs := []string{"hcgw-status-request+jwt", `x"y</&`, "张"}
	for _, alg := range []jwa.SignatureAlgorithm{jwa.EdDSA, jwa.ES256} {
		s, _, err := GenerateKey(alg)
		if err != nil {
			t.Fatal(err)
		}
		fs := s.(*fileSigner)
		for _, typ := range typs {
			for _, payload := range payloads {
				for round := 0; round < 2; round++ { // the second from the header cache
					ours, err := s.SignCompact([]byte(payload), typ)
					if err != nil {
						t.Fatal(err)
					}
					hdr := jws.NewHeaders()
					_ = hdr.Set(jws.KeyIDKey, fs.pub.Kid)
					_ = hdr.Set(jws.TypeKey, typ)
					theirs, err := jws.Sign([]byte(payload), jws.WithKey(alg, fs.priv, jws.WithProtectedHeaders(hdr)))
					if err != nil {
						t.Fatal(err)
					}
					o, th := strings.Split(ours, "."), strings.Split(string(theirs), ".")
					if len(o) != 3 || o[0] != th[0] || o[1] != th[1] || alg == jwa.EdDSA && o[2] != th[2] {
						t.Fatalf("%s typ %q payload %q:\nours   %s\ntheirs %s", alg, typ, payload, ours, theirs)
					}
					got, err := jws.Verify([]byte(ours), jws.WithKey(alg, fs.pub.Raw))
					if err != nil || string(got) != payload {
						t.Fatalf("%s: jwx does not verify %s: %v", alg, ours, err)
					}
				}
			}
		}
	}
}

// TestES256SignatureIsPadded: an r or s shorter than 32 bytes (one signature
// in 128 has a leading zero byte) is left-padded: the JWS signature is
// always 64 bytes, and jwx verifies it.
func TestES256SignatureIsPadded(t *testing.T) {
	s, _, err := GenerateKey(jwa.ES256)
	if err != nil {
		t.Fatal(err)
	}
	fs := s.(*fileSigner)
	for i := 0; i < 20000; i++ {
		tok, err := s.SignCompact([]byte(`{"n":1}`), "t")
		if err != nil {
			t.Fatal(err)
		}
		sig, err := base64.RawURLEncoding.DecodeString(tok[strings.LastIndexByte(tok, '.')+1:])
		if err != nil || len(sig) != 64 {
			t.Fatalf("signature of %d bytes (%v)", len(sig), err)
		}
		if sig[0] != 0 && sig[32] != 0 {
			continue
		}
		if _, err := jws.Verify([]byte(tok), jws.WithKey(jwa.ES256, fs.pub.Raw)); err != nil {
			t.Fatalf("a padded signature does not verify: %v", err)
		}
		return
	}
	t.Fatal("no signature with a leading zero byte in 20,000")
}
