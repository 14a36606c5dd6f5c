package trust_test

import (
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"

	"filippo.io/edwards25519"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// The forgery of issue 15 item 3, end to end: the root endorses the
// Ed25519 identity point, and a code "signed" with the constant signature
// R = B, S = 1 (no private key anywhere) verifies for every message under
// that key. The endorsement must be refused, on every way it could arrive,
// and the code must not be valid, let alone green.
func TestIdentityPointForgeryIsRefused(t *testing.T) {
	identity, _ := hex.DecodeString(smallOrderEd25519[0])
	sig := append(edwards25519.NewGeneratorPoint().Bytes(), make([]byte, 32)...)
	sig[32] = 1 // S = 1, little-endian
	// The attack is real: the standard library's verification accepts it.
	if !ed25519.Verify(identity, []byte("any message at all"), sig) {
		t.Fatal("the constant signature does not verify under the identity point: the test proves nothing")
	}

	pubJWK := okpJWK(identity)
	jk, err := jwk.ParseKey(pubJWK)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := jk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	kid := base64.RawURLEncoding.EncodeToString(tp)

	root := testkit.NewRoot(t)
	claims := endorsementClaims(t, testkit.Key(t, "EdDSA"), zj)
	claims["jwk"] = json.RawMessage(pubJWK)
	claims["use"] = []string{"codes", "status", "federation"}
	endorsement := signClaims(t, root.TestKey, header(root, trust.TypEndorsement), claims)

	// Zhejiang has a sound key too, so the region is known and the forged
	// kid is what is unknown.
	reg := testkit.Registry(t, root, root.Endorse(testkit.Key(t, "ES256"), zj, testkit.Spec{}))
	if _, _, err := reg.AddEndorsement(t.Context(), endorsement); err == nil {
		t.Error("an admin's endorsement of the identity point was accepted")
	}
	if n, bad, _ := reg.AddAny(t.Context(), []string{endorsement}); n != 0 || len(bad) != 1 {
		t.Errorf("AddAny: %d added, %d refused", n, len(bad))
	}
	if added, refused, _ := reg.Merge(t.Context(), []string{endorsement}); added != 0 || refused != 1 {
		t.Errorf("a pulled trust list: %d added, %d refused", added, refused)
	}

	hdr, _ := json.Marshal(map[string]string{"alg": "EdDSA", "kid": kid, "typ": nic.Typ})
	input := testkit.B64(hdr) + "." + testkit.B64(testkit.JSON(t, testkit.Claims(zj, mapping.Green)))
	code := nic.Prefix + input + "." + testkit.B64(sig)
	if !ed25519.Verify(identity, []byte(input), sig) {
		t.Fatal("the forged code's signature does not verify under the identity point")
	}

	ads, err := adapters.NewRegistry(nic.New())
	if err != nil {
		t.Fatal(err)
	}
	v := &verify.Verifier{Adapters: ads, Trust: reg, Clock: testkit.Clock, Skew: trust.DefaultSkew, Region: sh}
	vd, err := v.Verify(t.Context(), verify.Request{Code: code})
	if err != nil {
		t.Fatal(err)
	}
	if vd.Result == fault.Valid || vd.Status == mapping.Green {
		t.Fatalf("the forged code is %s/%s", vd.Result, vd.Status)
	}
	if vd.Result != fault.Invalid || vd.Reason != fault.UnknownKey {
		t.Fatalf("the forged code is %s/%s, want invalid/unknown_key", vd.Result, vd.Reason)
	}
}
