package trust_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// rfc7638RSA is the RSA public key of RFC 7638 §3.1: a key type hcgw never
// accepts.
const rfc7638RSA = `{"kty":"RSA","e":"AQAB","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}`

func TestParseEndorsementAccepts(t *testing.T) {
	root := testkit.NewRoot(t)
	edRoot := testkit.Key(t, jwa.EdDSA) // a second anchor, Ed25519
	anchors, err := trust.NewAnchors(root.PublicJWK(), testkit.JSON(t, edRoot.Public().JWK))
	if err != nil {
		t.Fatal(err)
	}
	es := testkit.Key(t, jwa.ES256)
	ed := testkit.Key(t, jwa.EdDSA)
	hub := testkit.Key(t, jwa.EdDSA)
	good := endorsementClaims(t, es, zj)
	typ := header(root, trust.TypEndorsement)

	tests := map[string]struct {
		token  string
		key    trust.Signer
		sub    string
		use    []trust.Use
		scope  []string
		anchor string
	}{
		"an ES256 key endorsed by the root with every use": {
			token: root.Endorse(es, zj, testkit.Spec{}), key: es, sub: zj,
			use: []trust.Use{trust.UseCodes, trust.UseStatus, trust.UseFederation}, scope: []string{zj}},
		"an Ed25519 key endorsed for status only": {
			token: root.Endorse(ed, sh, testkit.Spec{Use: []trust.Use{trust.UseStatus}}), key: ed, sub: sh,
			use: []trust.Use{trust.UseStatus}, scope: []string{sh}},
		"an endorsement signed by an Ed25519 anchor": {
			token: signClaims(t, edRoot, header(edRoot, trust.TypEndorsement), good), key: es, sub: zj,
			use: []trust.Use{trust.UseCodes}, scope: []string{zj}, anchor: edRoot.Kid()},
		"an endorsement without scope is scoped to its sub": {
			token: signClaims(t, root.TestKey, typ, with(good, func(c map[string]any) { delete(c, "scope") })),
			key:   es, sub: zj, use: []trust.Use{trust.UseCodes}, scope: []string{zj}},
		"the hub's endorsement with scope * covers every region": {
			token: root.Endorse(hub, mapping.NationalRegion, testkit.Spec{Scope: []string{trust.Wildcard}}), key: hub,
			sub: mapping.NationalRegion, use: []trust.Use{trust.UseCodes, trust.UseStatus, trust.UseFederation},
			scope: []string{trust.Wildcard}},
		"a scope naming other regions besides the sub": {
			token: root.Endorse(es, zj, testkit.Spec{Scope: []string{zj, sh}}), key: es, sub: zj,
			use: []trust.Use{trust.UseCodes, trust.UseStatus, trust.UseFederation}, scope: []string{zj, sh}},
		"a use listed twice counts once": {
			token: signClaims(t, root.TestKey, typ, with(good, func(c map[string]any) { c["use"] = []string{"codes", "status", "codes"} })),
			key:   es, sub: zj, use: []trust.Use{trust.UseCodes, trust.UseStatus}, scope: []string{zj}},
		"typ compares case-insensitively (it is a media type)": {
			token: signClaims(t, root.TestKey, header(root, "NIC-Endorsement+JWT"), good),
			key:   es, sub: zj, use: []trust.Use{trust.UseCodes}, scope: []string{zj}},
		"surrounding white space (a file's final newline) is ignored": {
			token: " " + root.Endorse(es, zj, testkit.Spec{}) + "\n", key: es, sub: zj,
			use: []trust.Use{trust.UseCodes, trust.UseStatus, trust.UseFederation}, scope: []string{zj}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e, err := anchors.ParseEndorsement(tc.token)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if e.Key.Kid != tc.key.Kid() || e.Key.Alg != tc.key.Alg() {
				t.Errorf("key %s/%s, want %s/%s", e.Key.Kid, e.Key.Alg, tc.key.Kid(), tc.key.Alg())
			}
			if e.Sub != tc.sub {
				t.Errorf("sub %q, want %q", e.Sub, tc.sub)
			}
			if !slices.Equal(e.Use, tc.use) {
				t.Errorf("use %v, want %v", e.Use, tc.use)
			}
			if !slices.Equal(e.Scope, tc.scope) {
				t.Errorf("scope %v, want %v", e.Scope, tc.scope)
			}
			wantAnchor := tc.anchor
			if wantAnchor == "" {
				wantAnchor = root.Kid()
			}
			if e.Anchor != wantAnchor {
				t.Errorf("anchor %s, want %s", e.Anchor, wantAnchor)
			}
			if e.JWS != strings.TrimSpace(tc.token) {
				t.Errorf("JWS is not the token as given (trimmed)")
			}
			if !e.NotBefore.Before(e.NotAfter) || e.JTI == "" || e.IssuedAt.IsZero() {
				t.Errorf("window %s..%s, iat %s, jti %q", e.NotBefore, e.NotAfter, e.IssuedAt, e.JTI)
			}
		})
	}
}

func TestParseEndorsementKeepsTheSignedWindow(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	from, to := testkit.Now.Add(-time.Hour), testkit.Now.Add(time.Hour)
	e, err := root.Anchors().ParseEndorsement(root.Endorse(k, zj, testkit.Spec{NotBefore: from, NotAfter: to, JTI: "e-window"}))
	if err != nil {
		t.Fatal(err)
	}
	if !e.NotBefore.Equal(from) || !e.NotAfter.Equal(to) || !e.IssuedAt.Equal(from) || e.JTI != "e-window" {
		t.Fatalf("got nbf %s exp %s iat %s jti %q", e.NotBefore, e.NotAfter, e.IssuedAt, e.JTI)
	}
	if e.NotBefore.Location() != time.UTC {
		t.Errorf("times are not UTC: %s", e.NotBefore.Location())
	}
}

func TestParseEndorsementRefuses(t *testing.T) {
	root := testkit.NewRoot(t)
	other := testkit.NewRoot(t)
	key := testkit.Key(t, jwa.ES256)
	anchors := root.Anchors()

	good := endorsementClaims(t, key, zj)
	h := header(root, trust.TypEndorsement)
	sign := func(claims map[string]any) string { return signClaims(t, root.TestKey, h, claims) }
	change := func(f func(map[string]any)) string { return sign(with(good, f)) }
	signPayload := func(p []byte) string { return testkit.SignRaw(t, root.TestKey, h, p) }

	valid := sign(good)
	parts := strings.Split(valid, ".")
	payload := testkit.JSON(t, good)
	rootJWK := root.PublicJWK()
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	tests := map[string]struct {
		token  string
		reason fault.Kind
	}{
		// The envelope.
		"a typ of nic+jwt is malformed": {
			token: signClaims(t, root.TestKey, header(root, "nic+jwt"), good), reason: fault.Malformed},
		"a revocation's typ is malformed": {
			token: signClaims(t, root.TestKey, header(root, trust.TypRevocation), good), reason: fault.Malformed},
		"a missing typ is malformed": {
			token: signClaims(t, root.TestKey, map[string]any{"alg": "ES256", "kid": root.Kid()}, good), reason: fault.Malformed},
		"a missing kid is malformed": {
			token: signClaims(t, root.TestKey, map[string]any{"alg": "ES256", "typ": trust.TypEndorsement}, good), reason: fault.Malformed},
		"a missing alg is malformed": {
			token: signClaims(t, root.TestKey, map[string]any{"kid": root.Kid(), "typ": trust.TypEndorsement}, good), reason: fault.Malformed},
		"a critical header is malformed": {
			token: signClaims(t, root.TestKey, map[string]any{"alg": "ES256", "kid": root.Kid(), "typ": trust.TypEndorsement,
				"crit": []string{"exp"}, "exp": 1}, good), reason: fault.Malformed},
		"an unencoded payload (b64 false) is malformed": {
			token: signClaims(t, root.TestKey, map[string]any{"alg": "ES256", "kid": root.Kid(), "typ": trust.TypEndorsement,
				"b64": false}, good), reason: fault.Malformed},
		"the JSON serialization is malformed": {
			token:  `{"payload":"` + parts[1] + `","signatures":[{"protected":"` + parts[0] + `","signature":"` + parts[2] + `"}]}`,
			reason: fault.Malformed},
		"the flattened JSON serialization is malformed": {
			token:  `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`,
			reason: fault.Malformed},
		"two parts are malformed":         {token: parts[0] + "." + parts[1], reason: fault.Malformed},
		"an empty signature is malformed": {token: parts[0] + "." + parts[1] + ".", reason: fault.Malformed},
		"four parts are malformed":        {token: valid + "." + parts[2], reason: fault.Malformed},
		"padding is malformed":            {token: valid + "==", reason: fault.Malformed},
		"data after the token is malformed": {
			token: valid + " " + valid, reason: fault.Malformed},
		"an empty token is malformed": {token: "", reason: fault.Malformed},
		"a token over 16 KiB is malformed": {
			token: sign(with(good, func(c map[string]any) { c["x"] = strings.Repeat("a", trust.MaxCompactJWS) })), reason: fault.Malformed},
		"a payload that is not JSON is malformed": {token: signPayload([]byte("not json")), reason: fault.Malformed},
		"a payload that is a JSON array is malformed": {
			token: signPayload([]byte(`[` + string(payload) + `]`)), reason: fault.Malformed},
		"a second JSON object after the claims is malformed": {
			token: signPayload(append(append([]byte{}, payload...), ` {"sub":"310000"}`...)), reason: fault.Malformed},
		"a stray value after the claims is malformed": {
			token: signPayload(append(append([]byte{}, payload...), ` 1`...)), reason: fault.Malformed},

		// null is not an absent member: a strict reader refuses it.
		"a scope of null is malformed": {
			token: change(func(c map[string]any) { c["scope"] = nil }), reason: fault.Malformed},

		// The signature.
		"an endorsement signed by another root is an unknown key": {
			token: other.Endorse(key, zj, testkit.Spec{}), reason: fault.UnknownKey},
		"an endorsement signed by the endorsed key itself is an unknown key": {
			token: signClaims(t, key, header(key, trust.TypEndorsement), good), reason: fault.UnknownKey},
		"the root's kid over another key's signature is a bad signature": {
			token: signClaims(t, other.TestKey, h, good), reason: fault.BadSignature},
		"alg none is a bad signature": {
			token: testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": root.Kid(), "typ": trust.TypEndorsement})) +
				"." + testkit.B64(payload) + ".AAAA",
			reason: fault.BadSignature},
		"alg none with an empty signature is malformed": {
			token: testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": root.Kid(), "typ": trust.TypEndorsement})) +
				"." + testkit.B64(payload) + ".",
			reason: fault.Malformed},
		"HS256 keyed with the root's public key (algorithm confusion) is a bad signature": {
			token: testkit.HMACToken(t, map[string]any{"alg": "HS256", "kid": root.Kid(), "typ": trust.TypEndorsement},
				payload, rootJWK),
			reason: fault.BadSignature},
		"a header claiming EdDSA for the ES256 root is a bad signature": {
			token:  signClaims(t, root.TestKey, map[string]any{"alg": "EdDSA", "kid": root.Kid(), "typ": trust.TypEndorsement}, good),
			reason: fault.BadSignature},
		"a header claiming ES384 is a bad signature": {
			token:  signClaims(t, root.TestKey, map[string]any{"alg": "ES384", "kid": root.Kid(), "typ": trust.TypEndorsement}, good),
			reason: fault.BadSignature},
		"an altered payload is a bad signature": {
			token:  parts[0] + "." + testkit.B64(testkit.JSON(t, with(good, func(c map[string]any) { c["scope"] = []string{"*"} }))) + "." + parts[2],
			reason: fault.BadSignature},
		"an altered signature is a bad signature": {
			token: parts[0] + "." + parts[1] + "." + flipFirst(parts[2]), reason: fault.BadSignature},
		"a truncated signature is a bad signature": {
			token: parts[0] + "." + parts[1] + "." + parts[2][:40], reason: fault.BadSignature},

		// The claims.
		"iss other than the national platform is malformed": {
			token: change(func(c map[string]any) { c["iss"] = zj }), reason: fault.Malformed},
		"a missing iss is malformed": {
			token: change(func(c map[string]any) { delete(c, "iss") }), reason: fault.Malformed},
		"a sub of five digits is malformed": {
			token: change(func(c map[string]any) { c["sub"] = "33000" }), reason: fault.Malformed},
		"a sub with a letter is malformed": {
			token: change(func(c map[string]any) { c["sub"] = "33000a" }), reason: fault.Malformed},
		"a sub of * is malformed": {
			token: change(func(c map[string]any) { c["sub"] = "*" }), reason: fault.Malformed},
		"a sub of full-width digits is malformed": {
			token: change(func(c map[string]any) { c["sub"] = "３３００００" }), reason: fault.Malformed},
		"a missing sub is malformed": {
			token: change(func(c map[string]any) { delete(c, "sub") }), reason: fault.Malformed},
		"a sub that is a number is malformed": {
			token: change(func(c map[string]any) { c["sub"] = 330000 }), reason: fault.Malformed},
		"a missing jwk is malformed": {
			token: change(func(c map[string]any) { delete(c, "jwk") }), reason: fault.Malformed},
		"a jwk of null is malformed": {
			token: change(func(c map[string]any) { c["jwk"] = nil }), reason: fault.Malformed},
		"a jwk that is a string is malformed": {
			token: change(func(c map[string]any) { c["jwk"] = string(testkit.JSON(t, key.Public().JWK)) }), reason: fault.Malformed},
		"a jwk carrying the private d is malformed": {
			token: change(func(c map[string]any) { c["jwk"] = json.RawMessage(key.JWK) }), reason: fault.Malformed},
		"a jwk of a P-384 key is malformed": {
			token: change(func(c map[string]any) { c["jwk"] = rawJWK(t, &p384.PublicKey) }), reason: fault.Malformed},
		"a jwk of an RSA key is malformed": {
			token: change(func(c map[string]any) { c["jwk"] = json.RawMessage(rfc7638RSA) }), reason: fault.Malformed},
		"a jwk of a symmetric key is malformed": {
			token: change(func(c map[string]any) { c["jwk"] = json.RawMessage(`{"kty":"oct","k":"c2VjcmV0"}`) }), reason: fault.Malformed},
		"a jwk whose kid is not its thumbprint is malformed": {
			token: change(func(c map[string]any) {
				c["jwk"] = jwkWith(t, key, func(m map[string]any) { m["kid"] = root.Kid() })
			}), reason: fault.Malformed},
		"a jwk whose point is off the curve is malformed": {
			token: change(func(c map[string]any) {
				c["jwk"] = jwkWith(t, key, func(m map[string]any) { m["y"] = m["x"] })
			}), reason: fault.Malformed},
		"an empty use is malformed": {
			token: change(func(c map[string]any) { c["use"] = []string{} }), reason: fault.Malformed},
		"a missing use is malformed": {
			token: change(func(c map[string]any) { delete(c, "use") }), reason: fault.Malformed},
		"an unknown use is malformed": {
			token: change(func(c map[string]any) { c["use"] = []string{"codes", "signing"} }), reason: fault.Malformed},
		"a use in upper case is malformed": {
			token: change(func(c map[string]any) { c["use"] = []string{"CODES"} }), reason: fault.Malformed},
		"a use that is a string, not a list, is malformed": {
			token: change(func(c map[string]any) { c["use"] = "codes" }), reason: fault.Malformed},
		"an empty scope is malformed": {
			token: change(func(c map[string]any) { c["scope"] = []string{} }), reason: fault.Malformed},
		"a scope naming a non-region is malformed": {
			token: change(func(c map[string]any) { c["scope"] = []string{zj, "zhejiang"} }), reason: fault.Malformed},
		"a scope with an empty entry is malformed": {
			token: change(func(c map[string]any) { c["scope"] = []string{""} }), reason: fault.Malformed},
		"a scope of ** is malformed": {
			token: change(func(c map[string]any) { c["scope"] = []string{"**"} }), reason: fault.Malformed},
		"nbf equal to exp is malformed": {
			token: change(func(c map[string]any) { c["exp"] = c["nbf"] }), reason: fault.Malformed},
		"nbf after exp is malformed": {
			token: change(func(c map[string]any) { c["nbf"], c["exp"] = c["exp"], c["nbf"] }), reason: fault.Malformed},
		"a missing nbf is malformed": {
			token: change(func(c map[string]any) { delete(c, "nbf") }), reason: fault.Malformed},
		"a missing exp is malformed": {
			token: change(func(c map[string]any) { delete(c, "exp") }), reason: fault.Malformed},
		"a missing iat is malformed": {
			token: change(func(c map[string]any) { delete(c, "iat") }), reason: fault.Malformed},
		"a fractional nbf is malformed": {
			token: change(func(c map[string]any) { c["nbf"] = 1795000000.5 }), reason: fault.Malformed},
		"an exp in exponent notation is malformed": {
			token: change(func(c map[string]any) { c["exp"] = json.Number("1.8e9") }), reason: fault.Malformed},
		"an exp beyond int64 is malformed": {
			token: change(func(c map[string]any) { c["exp"] = json.Number("9223372036854775808") }), reason: fault.Malformed},
		"a zero iat is malformed": {
			token: change(func(c map[string]any) { c["iat"] = 0 }), reason: fault.Malformed},
		"a negative nbf is malformed": {
			token: change(func(c map[string]any) { c["nbf"] = -1 }), reason: fault.Malformed},
		"an iat of null is malformed": {
			token: change(func(c map[string]any) { c["iat"] = nil }), reason: fault.Malformed},
		"an iat that is an object is malformed": {
			token: change(func(c map[string]any) { c["iat"] = map[string]any{} }), reason: fault.Malformed},
		"an empty jti is malformed": {
			token: change(func(c map[string]any) { c["jti"] = "" }), reason: fault.Malformed},
		"a missing jti is malformed": {
			token: change(func(c map[string]any) { delete(c, "jti") }), reason: fault.Malformed},
		"a jti of 129 characters is malformed": {
			token: change(func(c map[string]any) { c["jti"] = strings.Repeat("j", 129) }), reason: fault.Malformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e, err := anchors.ParseEndorsement(tc.token)
			if e != nil {
				t.Errorf("an endorsement was returned with the error")
			}
			wantReason(t, err, tc.reason)
		})
	}
}

// The claims decoder must refuse anything after the claims object; a JSON
// decoder's More() is not that test (it is false before '}' and ']').
func TestParseRefusesAStrayClosingBracketAfterTheClaims(t *testing.T) {
	root := testkit.NewRoot(t)
	key := testkit.Key(t, jwa.ES256)
	endorsement := testkit.JSON(t, endorsementClaims(t, key, zj))
	revocation := testkit.JSON(t, revocationClaims(key.Kid()))
	for _, tail := range []string{"}", "]", "}garbage"} {
		t.Run("endorsement followed by "+tail, func(t *testing.T) {
			tok := testkit.SignRaw(t, root.TestKey, header(root, trust.TypEndorsement), append(append([]byte{}, endorsement...), tail...))
			_, err := root.Anchors().ParseEndorsement(tok)
			if err == nil {
				t.Fatal("claims followed by a stray closing bracket were accepted")
			}
			wantReason(t, err, fault.Malformed)
		})
		t.Run("revocation followed by "+tail, func(t *testing.T) {
			tok := testkit.SignRaw(t, root.TestKey, header(root, trust.TypRevocation), append(append([]byte{}, revocation...), tail...))
			_, err := root.Anchors().ParseRevocation(tok)
			if err == nil {
				t.Fatal("claims followed by a stray closing bracket were accepted")
			}
			wantReason(t, err, fault.Malformed)
		})
	}
}

// Times are integers on the wire; a numeric string is another JSON type.
func TestParseRefusesTimesWrittenAsStrings(t *testing.T) {
	root := testkit.NewRoot(t)
	key := testkit.Key(t, jwa.ES256)
	const bug = "a time claim written as a string was taken as an integer"
	for _, name := range []string{"nbf", "exp", "iat"} {
		t.Run("endorsement "+name, func(t *testing.T) {
			claims := with(endorsementClaims(t, key, zj), func(c map[string]any) { c[name] = fmt.Sprint(c[name]) })
			_, err := root.Anchors().ParseEndorsement(signClaims(t, root.TestKey, header(root, trust.TypEndorsement), claims))
			if err == nil {
				t.Fatal(bug)
			}
			wantReason(t, err, fault.Malformed)
		})
	}
	for _, name := range []string{"revoked_at", "iat"} {
		t.Run("revocation "+name, func(t *testing.T) {
			claims := with(revocationClaims(key.Kid()), func(c map[string]any) { c[name] = fmt.Sprint(c[name]) })
			_, err := root.Anchors().ParseRevocation(signClaims(t, root.TestKey, header(root, trust.TypRevocation), claims))
			if err == nil {
				t.Fatal(bug)
			}
			wantReason(t, err, fault.Malformed)
		})
	}
}

func TestParseRevocation(t *testing.T) {
	root := testkit.NewRoot(t)
	other := testkit.NewRoot(t)
	key := testkit.Key(t, jwa.ES256)
	anchors := root.Anchors()
	good := revocationClaims(key.Kid())
	h := header(root, trust.TypRevocation)
	change := func(f func(map[string]any)) string { return signClaims(t, root.TestKey, h, with(good, f)) }

	t.Run("a revocation signed by the root is accepted", func(t *testing.T) {
		tok := root.Revoke(key.Kid())
		r, err := anchors.ParseRevocation(tok)
		if err != nil {
			t.Fatal(err)
		}
		if r.Kid != key.Kid() || !r.RevokedAt.Equal(testkit.Now) || r.Reason != "test" || r.Anchor != root.Kid() || r.JWS != tok {
			t.Fatalf("got %+v", r)
		}
		if r.JTI != "revoke-"+key.Kid() {
			t.Errorf("jti %q, want the default revoke-<kid>", r.JTI)
		}
	})
	t.Run("a hand-built revocation keeps its jti, reason and iat", func(t *testing.T) {
		r, err := anchors.ParseRevocation(signClaims(t, root.TestKey, h, good))
		if err != nil {
			t.Fatal(err)
		}
		if r.JTI != "r-hand-1" || r.Reason != "key compromise" || !r.IssuedAt.Equal(testkit.Now) {
			t.Fatalf("got %+v", r)
		}
	})
	t.Run("a revocation without iss, iat, jti or reason is accepted", func(t *testing.T) {
		r, err := anchors.ParseRevocation(change(func(c map[string]any) {
			delete(c, "iss")
			delete(c, "iat")
			delete(c, "jti")
			delete(c, "reason")
		}))
		if err != nil {
			t.Fatal(err)
		}
		if r.JTI != "revoke-"+key.Kid() || !r.IssuedAt.IsZero() {
			t.Fatalf("got %+v", r)
		}
	})
	t.Run("a reason of exactly 256 bytes is accepted", func(t *testing.T) {
		if _, err := anchors.ParseRevocation(change(func(c map[string]any) { c["reason"] = strings.Repeat("r", 256) })); err != nil {
			t.Fatal(err)
		}
	})

	tests := map[string]struct {
		token  string
		reason fault.Kind
	}{
		"an endorsement's typ is malformed": {
			token: signClaims(t, root.TestKey, header(root, trust.TypEndorsement), good), reason: fault.Malformed},
		"a typ of JWT is malformed": {
			token: signClaims(t, root.TestKey, header(root, "JWT"), good), reason: fault.Malformed},
		"a revocation signed by another root is an unknown key": {
			token: other.Revoke(key.Kid()), reason: fault.UnknownKey},
		"a key revoking itself is an unknown key": {
			token: signClaims(t, key, header(key, trust.TypRevocation), good), reason: fault.UnknownKey},
		"the root's kid over another key's signature is a bad signature": {
			token: signClaims(t, other.TestKey, h, good), reason: fault.BadSignature},
		"alg none is a bad signature": {
			token: testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": root.Kid(), "typ": trust.TypRevocation})) +
				"." + testkit.B64(testkit.JSON(t, good)) + ".AAAA",
			reason: fault.BadSignature},
		"a missing kid is malformed": {
			token: change(func(c map[string]any) { delete(c, "kid") }), reason: fault.Malformed},
		"an empty kid is malformed": {
			token: change(func(c map[string]any) { c["kid"] = "" }), reason: fault.Malformed},
		"a kid of 129 characters is malformed": {
			token: change(func(c map[string]any) { c["kid"] = strings.Repeat("k", 129) }), reason: fault.Malformed},
		"a missing revoked_at is malformed": {
			token: change(func(c map[string]any) { delete(c, "revoked_at") }), reason: fault.Malformed},
		"a fractional revoked_at is malformed": {
			token: change(func(c map[string]any) { c["revoked_at"] = 1.5 }), reason: fault.Malformed},
		"a zero revoked_at is malformed": {
			token: change(func(c map[string]any) { c["revoked_at"] = 0 }), reason: fault.Malformed},
		"a reason of 257 bytes is malformed": {
			token: change(func(c map[string]any) { c["reason"] = strings.Repeat("r", 257) }), reason: fault.Malformed},
		"iss other than the national platform is malformed": {
			token: change(func(c map[string]any) { c["iss"] = zj }), reason: fault.Malformed},
		"a fractional iat is malformed": {
			token: change(func(c map[string]any) { c["iat"] = 1.5 }), reason: fault.Malformed},
		"trailing data after the claims is malformed": {
			token: testkit.SignRaw(t, root.TestKey, h, append(testkit.JSON(t, good), ` {}`...)), reason: fault.Malformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := anchors.ParseRevocation(tc.token)
			if r != nil {
				t.Errorf("a revocation was returned with the error")
			}
			wantReason(t, err, tc.reason)
		})
	}
}

func TestNewAnchors(t *testing.T) {
	root := testkit.NewRoot(t)
	tests := map[string]struct {
		jwks [][]byte
		ok   bool
	}{
		"one public root is an anchor set":       {jwks: [][]byte{root.PublicJWK()}, ok: true},
		"no root at all is refused":              {},
		"a private root key is refused":          {jwks: [][]byte{root.JWK}},
		"an RSA root is refused":                 {jwks: [][]byte{[]byte(rfc7638RSA)}},
		"a good root next to a bad one fails":    {jwks: [][]byte{root.PublicJWK(), []byte(`{}`)}},
		"a root that is not JSON is refused":     {jwks: [][]byte{[]byte(`not json`)}},
		"the same root twice is one anchor only": {jwks: [][]byte{root.PublicJWK(), root.PublicJWK()}, ok: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a, err := trust.NewAnchors(tc.jwks...)
			if tc.ok != (err == nil) {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (len(a) != 1 || a[root.Kid()] == nil) {
				t.Fatalf("anchors %v", a)
			}
		})
	}
}

// flipFirst changes the first character of a base64url string.
func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}
