package trust_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/trust"
)

// Published key vectors.
const (
	// RFC 8037 appendix A.1/A.2: an Ed25519 key, and (A.3) its thumbprint.
	rfc8037D          = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037X          = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
	// RFC 7638 §3.1: the thumbprint of rfc7638RSA.
	rfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
	// RFC 7515 appendix A.3: a P-256 public key.
	rfc7515X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
	rfc7515Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
	// RFC 8037 appendix A.6: an X25519 public key (key agreement, not signing).
	rfc8037X25519 = "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"
)

// thumbprintOf computes RFC 7638 by hand: SHA-256 of the required members
// in lexicographic order, no white space, base64url without padding. It
// shares no code with the package under test.
func thumbprintOf(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func ecCanonical(x, y string) string {
	return `{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`
}

func okpCanonical(x string) string { return `{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}` }

// canonicalOf builds the RFC 7638 input from a raw public key.
func canonicalOf(t *testing.T, raw any) string {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := raw.(type) {
	case *ecdsa.PublicKey:
		var x, y [32]byte
		k.X.FillBytes(x[:])
		k.Y.FillBytes(y[:])
		return ecCanonical(b64(x[:]), b64(y[:]))
	case ed25519.PublicKey:
		return okpCanonical(b64(k))
	}
	t.Fatalf("key %T", raw)
	return ""
}

func TestThumbprintIsRFC7638(t *testing.T) {
	fresh := func(alg jwa.SignatureAlgorithm) (string, string) {
		k := testkit.Key(t, alg)
		return string(testkit.JSON(t, k.Public().JWK)), thumbprintOf(canonicalOf(t, k.Public().Raw))
	}
	freshEC, freshECWant := fresh(jwa.ES256)
	freshEd, freshEdWant := fresh(jwa.EdDSA)

	tests := map[string]struct {
		jwk, want string
	}{
		"the RFC 7638 §3.1 RSA example": {
			jwk: rfc7638RSA, want: rfc7638Thumbprint},
		"the RFC 8037 A.3 Ed25519 example": {
			jwk: `{"kty":"OKP","crv":"Ed25519","x":"` + rfc8037X + `"}`, want: rfc8037Thumbprint},
		"the RFC 8037 Ed25519 example, computed by hand": {
			jwk: `{"kty":"OKP","crv":"Ed25519","x":"` + rfc8037X + `"}`, want: thumbprintOf(okpCanonical(rfc8037X))},
		"the RFC 7515 A.3 P-256 key, computed by hand": {
			jwk: `{"kty":"EC","crv":"P-256","x":"` + rfc7515X + `","y":"` + rfc7515Y + `"}`, want: thumbprintOf(ecCanonical(rfc7515X, rfc7515Y))},
		"members in another order and optional members change nothing": {
			jwk:  `{"use":"sig","y":"` + rfc7515Y + `","alg":"ES256","x":"` + rfc7515X + `","crv":"P-256","kty":"EC","kid":"whatever"}`,
			want: thumbprintOf(ecCanonical(rfc7515X, rfc7515Y))},
		"a fresh P-256 key, computed by hand from its coordinates": {jwk: freshEC, want: freshECWant},
		"a fresh Ed25519 key, computed by hand from its bytes":     {jwk: freshEd, want: freshEdWant},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			k, err := jwk.ParseKey([]byte(tc.jwk))
			if err != nil {
				t.Fatal(err)
			}
			got, err := trust.Thumbprint(k)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("thumbprint %s, want %s", got, tc.want)
			}
		})
	}
	// The sanity check of the hand computation itself: the RFC 8037 vector.
	if got := thumbprintOf(okpCanonical(rfc8037X)); got != rfc8037Thumbprint {
		t.Fatalf("hand-made thumbprint %s, want RFC 8037's %s", got, rfc8037Thumbprint)
	}
}

func TestParsePublicJWKAccepts(t *testing.T) {
	ec := testkit.Key(t, jwa.ES256)
	ed := testkit.Key(t, jwa.EdDSA)
	rfcEC := `{"kty":"EC","crv":"P-256","x":"` + rfc7515X + `","y":"` + rfc7515Y + `"}`

	tests := map[string]struct {
		jwk string
		alg jwa.SignatureAlgorithm
		kid string
	}{
		"a P-256 public key with its kid": {
			jwk: string(testkit.JSON(t, ec.Public().JWK)), alg: jwa.ES256, kid: ec.Kid()},
		"an Ed25519 public key with its kid": {
			jwk: string(testkit.JSON(t, ed.Public().JWK)), alg: jwa.EdDSA, kid: ed.Kid()},
		"a P-256 public key without kid": {
			jwk: rfcEC, alg: jwa.ES256, kid: thumbprintOf(ecCanonical(rfc7515X, rfc7515Y))},
		"an Ed25519 public key without kid": {
			jwk: `{"kty":"OKP","crv":"Ed25519","x":"` + rfc8037X + `"}`, alg: jwa.EdDSA, kid: rfc8037Thumbprint},
		"a P-256 key naming ES384 is still pinned to ES256": {
			jwk: rfcEC[:len(rfcEC)-1] + `,"alg":"ES384"}`, alg: jwa.ES256, kid: thumbprintOf(ecCanonical(rfc7515X, rfc7515Y))},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pk, err := trust.ParsePublicJWK([]byte(tc.jwk))
			if err != nil {
				t.Fatal(err)
			}
			if pk.Kid != tc.kid || pk.Alg != tc.alg {
				t.Fatalf("kid %s alg %s, want %s %s", pk.Kid, pk.Alg, tc.kid, tc.alg)
			}
			if pk.JWK.KeyID() != pk.Kid || pk.JWK.Algorithm().String() != tc.alg.String() {
				t.Errorf("JWK carries kid %q alg %q, want %q %q", pk.JWK.KeyID(), pk.JWK.Algorithm(), pk.Kid, tc.alg)
			}
			switch pk.Raw.(type) {
			case *ecdsa.PublicKey, ed25519.PublicKey:
			default:
				t.Errorf("raw key is a %T", pk.Raw)
			}
			if canonicalOf(t, pk.Raw) == "" || thumbprintOf(canonicalOf(t, pk.Raw)) != pk.Kid {
				t.Errorf("kid is not the hand-made thumbprint")
			}
			// What the key publishes parses back to the same key.
			back, err := trust.ParsePublicJWK(testkit.JSON(t, pk.JWK))
			if err != nil || back.Kid != pk.Kid {
				t.Errorf("re-parse of the published JWK: %v, kid %v", err, back)
			}
		})
	}
}

func TestParsePublicJWKRefuses(t *testing.T) {
	ec := testkit.Key(t, jwa.ES256)
	ed := testkit.Key(t, jwa.EdDSA)
	other := testkit.Key(t, jwa.ES256)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	noKid := func(k trust.Signer) json.RawMessage {
		return jwkWith(t, k, func(m map[string]any) { delete(m, "kid") })
	}

	tests := map[string]string{
		"a private P-256 key":                            string(ec.JWK),
		"a private Ed25519 key":                          string(ed.JWK),
		"a private key whose d is null":                  string(jwkWith(t, ec, func(m map[string]any) { m["d"] = nil })),
		"a P-256 key whose kid is another key's":         string(jwkWith(t, ec, func(m map[string]any) { m["kid"] = other.Kid() })),
		"an Ed25519 key whose kid is a name":             string(jwkWith(t, ed, func(m map[string]any) { m["kid"] = "zj-2026" })),
		"a P-256 key whose kid is its thumbprint in hex": string(jwkWith(t, ec, func(m map[string]any) { m["kid"] = fmt.Sprintf("%x", ec.Kid()) })),
		"a P-384 key":                                    string(rawJWK(t, &p384.PublicKey)),
		"a P-521 key":                                    string(rawJWK(t, &p521.PublicKey)),
		"an RSA key":                                     rfc7638RSA,
		"an X25519 key":                                  `{"kty":"OKP","crv":"X25519","x":"` + rfc8037X25519 + `"}`,
		"a symmetric key":                                `{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQ"}`,
		"a P-256 point that is not on the curve":         string(jwkWith(t, ec, func(m map[string]any) { m["y"] = m["x"] })),
		"a P-256 key with no y":                          string(jwkWith(t, ec, func(m map[string]any) { delete(m, "y") })),
		"an Ed25519 key of 31 bytes":                     `{"kty":"OKP","crv":"Ed25519","x":"` + rfc8037X[:41] + `"}`,
		"a key with no kty":                              string(jwkWith(t, ec, func(m map[string]any) { delete(m, "kty") })),
		"a key set instead of a key":                     `{"keys":[` + string(noKid(ec)) + `]}`,
		"an empty object":                                `{}`,
		"a JSON array":                                   `[` + string(noKid(ec)) + `]`,
		"null":                                           `null`,
		"not JSON at all":                                `not json`,
		"nothing":                                        ``,
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			pk, err := trust.ParsePublicJWK([]byte(data))
			if err == nil {
				t.Fatalf("accepted as %s %s", pk.Kid, pk.Alg)
			}
		})
	}
}

func TestAlgIsPinnedPerKeyType(t *testing.T) {
	ec := testkit.Key(t, jwa.ES256)
	ed := testkit.Key(t, jwa.EdDSA)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		raw  any
		want jwa.SignatureAlgorithm
	}{
		"a P-256 public key is ES256":     {raw: ec.Public().Raw, want: jwa.ES256},
		"a P-256 private key is ES256":    {raw: ec.Priv, want: jwa.ES256},
		"an Ed25519 public key is EdDSA":  {raw: ed.Public().Raw, want: jwa.EdDSA},
		"an Ed25519 private key is EdDSA": {raw: ed.Priv, want: jwa.EdDSA},
		"a P-384 key is refused":          {raw: &p384.PublicKey},
		"an HMAC secret is refused":       {raw: []byte("secret")},
		"nothing is refused":              {raw: nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := trust.Alg(tc.raw)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("accepted as %s", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func TestGenerateKeyRoundTrips(t *testing.T) {
	for _, alg := range []jwa.SignatureAlgorithm{jwa.ES256, jwa.EdDSA} {
		t.Run(alg.String(), func(t *testing.T) {
			s, data, err := trust.GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			if s.Alg() != alg || s.Public().Alg != alg {
				t.Fatalf("alg %s/%s, want %s", s.Alg(), s.Public().Alg, alg)
			}
			if want := thumbprintOf(canonicalOf(t, s.Public().Raw)); s.Kid() != want || s.Public().Kid != want {
				t.Fatalf("kid %s, want the thumbprint %s", s.Kid(), want)
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			if m["kid"] != s.Kid() || m["alg"] != alg.String() || m["d"] == nil {
				t.Fatalf("private JWK has kid %v alg %v d present %v", m["kid"], m["alg"], m["d"] != nil)
			}

			back, err := trust.ParsePrivateJWK(data)
			if err != nil {
				t.Fatal(err)
			}
			if back.Kid() != s.Kid() || back.Alg() != alg {
				t.Fatalf("round trip: kid %s alg %s, want %s %s", back.Kid(), back.Alg(), s.Kid(), alg)
			}

			path := filepath.Join(t.TempDir(), "key.jwk")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			loaded, err := trust.LoadPrivateJWK(path)
			if err != nil || loaded.Kid() != s.Kid() {
				t.Fatalf("LoadPrivateJWK: %v", err)
			}

			// Either copy signs what the other's public half verifies.
			for name, pair := range map[string][2]trust.Signer{"original→parsed": {s, back}, "parsed→original": {back, s}} {
				tok, err := pair[0].SignCompact([]byte(`{"x":1}`), "test+jwt")
				if err != nil {
					t.Fatal(err)
				}
				payload, err := trust.VerifyWithKey(tok, "test+jwt", pair[1].Public())
				if err != nil || string(payload) != `{"x":1}` {
					t.Errorf("%s: %v", name, err)
				}
				h, _, err := trust.SplitCompact(tok)
				if err != nil || h.Alg != alg.String() || h.Kid != s.Kid() || h.Typ != "test+jwt" || h.Crit {
					t.Errorf("%s: header %+v, %v", name, h, err)
				}
			}
		})
	}
}

func TestGenerateKeyRefusesOtherAlgorithms(t *testing.T) {
	for _, alg := range []jwa.SignatureAlgorithm{jwa.RS256, jwa.HS256, jwa.ES384, jwa.NoSignature, ""} {
		if _, _, err := trust.GenerateKey(alg); err == nil {
			t.Errorf("GenerateKey(%q) succeeded", alg)
		}
	}
}

func TestParsePrivateJWK(t *testing.T) {
	ec := testkit.Key(t, jwa.ES256)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rfc8037 := `{"kty":"OKP","crv":"Ed25519","d":"` + rfc8037D + `","x":"` + rfc8037X + `"}`

	t.Run("the RFC 8037 private key has the RFC's thumbprint as kid", func(t *testing.T) {
		s, err := trust.ParsePrivateJWK([]byte(rfc8037))
		if err != nil {
			t.Fatal(err)
		}
		if s.Kid() != rfc8037Thumbprint || s.Alg() != jwa.EdDSA {
			t.Fatalf("kid %s alg %s", s.Kid(), s.Alg())
		}
		// Ed25519 is deterministic: RFC 8037 A.4 signs "Example of Ed25519
		// signing" under {"alg":"EdDSA"}; ours has kid and typ too, so only
		// check that it verifies.
		tok, err := s.SignCompact([]byte("Example of Ed25519 signing"), "x")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := trust.VerifyWithKey(tok, "x", s.Public()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a P-256 private key with its kid", func(t *testing.T) {
		s, err := trust.ParsePrivateJWK(privateWith(t, ec, func(m map[string]any) { m["kid"] = ec.Kid() }))
		if err != nil || s.Kid() != ec.Kid() {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a P-256 private key naming EdDSA still signs ES256", func(t *testing.T) {
		s, err := trust.ParsePrivateJWK(privateWith(t, ec, func(m map[string]any) { m["alg"] = "EdDSA" }))
		if err != nil {
			t.Fatal(err)
		}
		if s.Alg() != jwa.ES256 {
			t.Fatalf("alg %s taken from the JWK, want ES256 pinned by the key type", s.Alg())
		}
	})

	refused := map[string]string{
		"a public key":                     string(testkit.JSON(t, ec.Public().JWK)),
		"a private key whose kid is wrong": string(privateWith(t, ec, func(m map[string]any) { m["kid"] = "zj-2026" })),
		"a P-384 private key":              string(rawJWK(t, p384)),
		"an RSA private key":               string(rawJWK(t, rsaKey)),
		"not JSON":                         `{`,
	}
	for name, data := range refused {
		t.Run(name+" is refused", func(t *testing.T) {
			if s, err := trust.ParsePrivateJWK([]byte(data)); err == nil {
				t.Fatalf("accepted as %s", s.Kid())
			}
		})
	}
	t.Run("a missing file names its path", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "absent.jwk")
		if _, err := trust.LoadPrivateJWK(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("err %v does not name %s", err, path)
		}
	})
	t.Run("a bad file names its path", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "public.jwk")
		if err := os.WriteFile(path, testkit.JSON(t, ec.Public().JWK), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := trust.LoadPrivateJWK(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("err %v does not name %s", err, path)
		}
	})
}

// privateWith returns the private JWK of k as JSON with members changed by f.
func privateWith(t *testing.T, k *testkit.TestKey, f func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(k.JWK, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	return testkit.JSON(t, m)
}

// TestSplitCompactRefusesOtherShapes: every refusal is malformed and says
// which rule the token broke.
func TestSplitCompactRefusesOtherShapes(t *testing.T) {
	s := testkit.Key(t, jwa.EdDSA)
	tok, err := s.SignCompact([]byte(`{"x":1}`), "test+jwt")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	for name, tc := range map[string]struct{ token, want string }{
		"four parts":             {tok + ".AA", "three non-empty parts"},
		"two parts":              {parts[0] + "." + parts[1], "three non-empty parts"},
		"an empty header":        {"." + parts[1] + "." + parts[2], "three non-empty parts"},
		"an empty signature":     {parts[0] + "." + parts[1] + ".", "three non-empty parts"},
		"a CR in the payload":    {parts[0] + ".\r" + parts[1] + "." + parts[2], "outside base64url at offset " + fmt.Sprint(len(parts[0])+1)},
		"padding in the header":  {parts[0] + "=." + parts[1] + "." + parts[2], "outside base64url at offset " + fmt.Sprint(len(parts[0]))},
		"a '+' in the signature": {parts[0] + "." + parts[1] + ".+" + parts[2], "outside base64url at offset " + fmt.Sprint(len(parts[0])+len(parts[1])+2)},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := trust.SplitCompact(tc.token)
			if fault.ReasonOf(err) != fault.Malformed || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("SplitCompact: %v, want malformed, %q", err, tc.want)
			}
		})
	}
}
