package adapters_test

import (
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/trust"
)

const typ = "nic+jwt"

func TestVerifyJWS(t *testing.T) {
	root := testkit.NewRoot(t)
	zjKey, revoked, stranger := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA), testkit.Key(t, jwa.ES256)
	reg := testkit.Registry(t, root, root.Endorse(zjKey, "330000", testkit.Spec{}),
		root.Endorse(revoked, "330000", testkit.Spec{}), root.Revoke(revoked.Kid()))
	env := adapters.Env{Trust: reg.Snapshot(), Skew: time.Minute}
	sign := func(k *testkit.TestKey, payload string) string {
		tok, err := k.SignCompact([]byte(payload), typ)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	iss := func(p []byte) string { return adapters.PeekString(p, "iss") }

	t.Run("an endorsed key's token returns its key and payload", func(t *testing.T) {
		k, p, err := adapters.VerifyJWS(env, sign(zjKey, `{"iss":"330000"}`), typ, iss)
		if err != nil || k.Kid != zjKey.Kid() || string(p) != `{"iss":"330000"}` {
			t.Fatalf("key %v payload %s err %v", k, p, err)
		}
		if err := adapters.Authorize(env, k, "330000", "330000", testkit.Now); err != nil {
			t.Fatal(err)
		}
	})
	tests := map[string]struct {
		token  string
		issOf  func([]byte) string
		reason fault.Kind
	}{
		"an unknown key claiming a region without keys is an unknown issuer": {
			token: sign(stranger, `{"iss":"440000"}`), issOf: iss, reason: fault.UnknownIssuer},
		"an unknown key claiming a region with keys is an unknown key": {
			token: sign(stranger, `{"iss":"330000"}`), issOf: iss, reason: fault.UnknownKey},
		"an unknown key claiming no region is an unknown key": {
			token: sign(stranger, `{"iss":"Guangdong"}`), issOf: iss, reason: fault.UnknownKey},
		"an unknown key whose payload is not JSON is an unknown key": {
			token: sign(stranger, `not json`), issOf: iss, reason: fault.UnknownKey},
		"without issOf an unknown key stays an unknown key": {
			token: sign(stranger, `{"iss":"440000"}`), reason: fault.UnknownKey},
		"a revoked key is revoked, whatever region it claims": {
			token: sign(revoked, `{"iss":"440000"}`), issOf: iss, reason: fault.RevokedKey},
		"a malformed token is malformed": {
			token: "a.b", issOf: iss, reason: fault.Malformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			k, p, err := adapters.VerifyJWS(env, tc.token, typ, tc.issOf)
			if k != nil || p != nil {
				t.Errorf("key %v and payload %q returned with an error", k, p)
			}
			if got := fault.ReasonOf(err); got != tc.reason {
				t.Fatalf("reason %s (%v), want %s", got, err, tc.reason)
			}
		})
	}
	t.Run("Authorize asks for the codes use", func(t *testing.T) {
		statusOnly := testkit.Key(t, jwa.ES256)
		reg := testkit.Registry(t, root, root.Endorse(statusOnly, "330000", testkit.Spec{Use: []trust.Use{trust.UseStatus}}))
		k := reg.Snapshot().Key(statusOnly.Kid())
		if got := fault.ReasonOf(adapters.Authorize(adapters.Env{Trust: reg.Snapshot()}, k, "330000", "330000", testkit.Now)); got != fault.ScopeViolation {
			t.Fatalf("reason %s, want scope_violation", got)
		}
	})
}

func TestPeekString(t *testing.T) {
	tests := map[string]struct {
		payload, want string
	}{
		"a region":                    {payload: `{"iss":"330000"}`, want: "330000"},
		"a region among other claims": {payload: `{"v":1,"iss":"310000","org":"330000"}`, want: "310000"},
		"not a region":                {payload: `{"iss":"zhejiang"}`},
		"a number":                    {payload: `{"iss":330000}`},
		"missing":                     {payload: `{"org":"330000"}`},
		"null":                        {payload: `{"iss":null}`},
		"not an object":               {payload: `["330000"]`},
		"not JSON":                    {payload: `iss=330000`},
		"empty":                       {payload: ``},
	}
	for name, tc := range tests {
		if got := adapters.PeekString([]byte(tc.payload), "iss"); got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
}
