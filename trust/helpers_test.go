package trust_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

const (
	zj = "330000"
	sh = "310000"
	gd = "440000"
)

// Endorsement windows used by hand-built endorsements.
var (
	nbf = testkit.Now.Add(-24 * time.Hour)
	exp = testkit.Now.Add(30 * 24 * time.Hour)
)

// endorsementClaims are the claims of a good endorsement of key for sub;
// tests change a copy (with) to make a bad one.
func endorsementClaims(t testing.TB, key trust.Signer, sub string) map[string]any {
	t.Helper()
	return map[string]any{
		"iss": mapping.NationalRegion, "sub": sub, "jwk": json.RawMessage(testkit.JSON(t, key.Public().JWK)),
		"use": []string{"codes"}, "scope": []string{sub},
		"nbf": nbf.Unix(), "exp": exp.Unix(), "iat": nbf.Unix(), "jti": "e-hand-1",
	}
}

// revocationClaims are the claims of a good revocation of kid.
func revocationClaims(kid string) map[string]any {
	return map[string]any{"iss": mapping.NationalRegion, "kid": kid, "revoked_at": testkit.Now.Unix(),
		"reason": "key compromise", "iat": testkit.Now.Unix(), "jti": "r-hand-1"}
}

// with returns a copy of m changed by f.
func with(m map[string]any, f func(map[string]any)) map[string]any {
	c := maps.Clone(m)
	f(c)
	return c
}

// header is the protected header an honest signer k would write.
func header(k trust.Signer, typ string) map[string]any {
	return map[string]any{"alg": string(k.Alg()), "kid": k.Kid(), "typ": typ}
}

// signClaims signs claims as JSON with k under header h.
func signClaims(t testing.TB, k *testkit.TestKey, h, claims map[string]any) string {
	t.Helper()
	return testkit.SignRaw(t, k, h, testkit.JSON(t, claims))
}

// jwkWith returns the public JWK of k as JSON with members changed by f.
func jwkWith(t testing.TB, k trust.Signer, f func(map[string]any)) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(testkit.JSON(t, k.Public().JWK), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	return testkit.JSON(t, m)
}

// rawJWK turns a raw key (public or private) into JWK JSON.
func rawJWK(t testing.TB, raw any) json.RawMessage {
	t.Helper()
	k, err := jwk.FromRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	return testkit.JSON(t, k)
}

// seedKey is an Ed25519 signing key derived from a fixed seed: the same key
// on every run, so that tokens it signs can be kept as files (fuzz corpora).
func seedKey(t testing.TB, seed byte) *testkit.TestKey {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	data := rawJWK(t, priv)
	s, err := trust.ParsePrivateJWK(data)
	if err != nil {
		t.Fatal(err)
	}
	return &testkit.TestKey{Signer: s, Priv: priv, JWK: data}
}

// wantReason fails unless err is a *fault.Error with reason want. A
// plain error would also map to malformed (ReasonOf's default), so the type
// is checked too: every refusal must say why in the shared vocabulary.
func wantReason(t testing.TB, err error, want fault.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want %s", want)
	}
	var p *fault.Error
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T) is not a *fault.Error, want %s", err, err, want)
	}
	if got := fault.ReasonOf(err); got != want {
		t.Fatalf("reason %s (%v), want %s", got, err, want)
	}
}
