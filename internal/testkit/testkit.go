package testkit

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Now is the fixed instant tests run at.
var Now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// Clock returns Now.
func Clock() time.Time { return Now }

// TestKey is a signing key whose private half the test can reach (to sign
// hostile tokens by hand).
type TestKey struct {
	trust.Signer
	Priv any // *ecdsa.PrivateKey or ed25519.PrivateKey
	JWK  []byte
}

// Root is a national root key (an anchor) with its signer.
type Root struct {
	*TestKey
	t testing.TB
}

// NewRoot makes a fresh ES256 national root.
func NewRoot(t testing.TB) *Root {
	t.Helper()
	return &Root{TestKey: Key(t, jwa.ES256), t: t}
}

// Anchors returns the root as the only anchor.
func (r *Root) Anchors() trust.Anchors { return trust.Anchors{r.Kid(): r.Public()} }

// PublicJWK returns the root's public JWK as JSON.
func (r *Root) PublicJWK() []byte {
	b, err := json.Marshal(r.Public().JWK)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// Spec describes an endorsement for Endorse; zero fields take defaults:
// uses codes, status and federation; scope [sub]; window Now-1d .. Now+30d.
type Spec struct {
	Use       []trust.Use
	Scope     []string
	NotBefore time.Time
	NotAfter  time.Time
	JTI       string
}

// Endorse signs an endorsement of key for region sub.
func (r *Root) Endorse(key trust.Signer, sub string, sp Spec) string {
	r.t.Helper()
	if sp.Use == nil {
		sp.Use = []trust.Use{trust.UseCodes, trust.UseStatus, trust.UseFederation}
	}
	if sp.NotBefore.IsZero() {
		sp.NotBefore = Now.Add(-24 * time.Hour)
	}
	if sp.NotAfter.IsZero() {
		sp.NotAfter = Now.Add(30 * 24 * time.Hour)
	}
	if sp.JTI == "" {
		sp.JTI = "e-" + key.Kid()[:8] + "-" + sub
	}
	tok, err := trust.SignEndorsement(r.Signer, trust.EndorsementSpec{Key: key.Public(), Sub: sub, Use: sp.Use,
		Scope: sp.Scope, NotBefore: sp.NotBefore, NotAfter: sp.NotAfter, IssuedAt: sp.NotBefore, JTI: sp.JTI})
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

// Revoke signs a revocation of kid.
func (r *Root) Revoke(kid string) string {
	r.t.Helper()
	tok, err := trust.SignRevocation(r.Signer, kid, "test", "", Now)
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

// Rule signs an admission rule object (a JSON object) with the root, as the
// national region.
func (r *Root) Rule(rule string) string {
	r.t.Helper()
	tok, err := trust.SignRule(r.Signer, mapping.NationalRegion, json.RawMessage(rule), fmt.Sprintf("rule-%x", time.Now().UnixNano()), Now)
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

// Key makes a fresh signing key (ES256 or EdDSA).
func Key(t testing.TB, alg jwa.SignatureAlgorithm) *TestKey {
	t.Helper()
	var priv any
	var err error
	switch alg {
	case jwa.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jwa.EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("alg %s", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	jk, err := jwk.FromRaw(priv)
	if err != nil {
		t.Fatal(err)
	}
	data := JSON(t, jk)
	s, err := trust.ParsePrivateJWK(data)
	if err != nil {
		t.Fatal(err)
	}
	return &TestKey{Signer: s, Priv: priv, JWK: data}
}

// Registry makes an in-memory registry anchored in root holding tokens.
func Registry(t testing.TB, root *Root, tokens ...string) *trust.Registry {
	t.Helper()
	reg := trust.NewRegistry(root.Anchors(), nil)
	n, bad, err := reg.AddAny(context.Background(), tokens)
	if err != nil || len(bad) > 0 || n != len(tokens) {
		t.Fatalf("registry: added %d of %d, refused %v, err %v", n, len(tokens), bad, err)
	}
	return reg
}

// Claims returns valid NIC claims of region org issued at Now.
func Claims(org string, st mapping.Status) *mapping.Claims { return ClaimsAt(org, st, Now) }

// ClaimsAt is Claims issued (and its status set) a minute before now,
// expiring an hour after it: tests against a running gateway pass
// time.Now().
func ClaimsAt(org string, st mapping.Status, now time.Time) *mapping.Claims {
	return &mapping.Claims{V: 1, Iss: org, Org: org, JTI: "code-1", IAT: now.Add(-time.Minute).Unix(),
		EXP: now.Add(time.Hour).Unix(), St: st, SA: now.Add(-time.Minute).Unix(), HN: "张*三", HID: "3301**********1234"}
}

// B64 is base64url without padding.
func B64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// JSON marshals v or fails the test.
func JSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SignRaw builds a compact JWS with an arbitrary header, signed by s with
// the algorithm s pins (regardless of what header says). Use it to make
// hostile tokens: a header lying about alg, carrying crit, jwk, jku ...
func SignRaw(t testing.TB, s *TestKey, header map[string]any, payload []byte) string {
	t.Helper()
	signingInput := B64(JSON(t, header)) + "." + B64(payload)
	return signingInput + "." + B64(rawSign(t, s, []byte(signingInput)))
}

// HMACToken builds an HS256 token keyed with secret (algorithm confusion:
// an attacker uses a public key's bytes as the HMAC secret).
func HMACToken(t testing.TB, header map[string]any, payload, secret []byte) string {
	signingInput := B64(JSON(t, header)) + "." + B64(payload)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signingInput))
	return signingInput + "." + B64(m.Sum(nil))
}

func rawSign(t testing.TB, s *TestKey, input []byte) []byte {
	t.Helper()
	switch k := s.Priv.(type) {
	case *ecdsa.PrivateKey:
		h := sha256.Sum256(input)
		r, ss, err := ecdsa.Sign(rand.Reader, k, h[:])
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		ss.FillBytes(out[32:])
		return out
	case ed25519.PrivateKey:
		return ed25519.Sign(k, input)
	}
	t.Fatalf("unsupported key %T", s.Priv)
	return nil
}
