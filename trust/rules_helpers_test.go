package trust_test

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/trust"
)

// ruleRegistry is a registry for the rules tests.
func ruleRegistry(t testing.TB, root *testkit.Root, st trust.Store, tokens ...string) *trust.Registry {
	t.Helper()
	reg := trust.NewRegistry(root.Anchors(), st)
	if len(tokens) > 0 {
		n, bad, err := reg.AddAny(t.Context(), tokens)
		if err != nil || len(bad) > 0 || n != len(tokens) {
			t.Fatalf("registry: %d of %d added, refused %v, err %v", n, len(tokens), bad, err)
		}
	}
	return reg
}

var (
	ruleFrom = testkit.Now.Add(-24 * time.Hour)
	ruleTo   = testkit.Now.Add(365 * 24 * time.Hour)
)

// ruleObject is a good national acceptance rule of Shanghai; tests change
// a copy (with).
func ruleObject(id, version string) map[string]any {
	return map[string]any{
		"Identifier": id, "Type": "Acceptance", "Country": sh, "Version": version,
		"SchemaVersion": "1.0.0", "Engine": "CERTLOGIC", "EngineVersion": "1.3.0", "CertificateType": "National",
		"Description": []map[string]string{
			{"lang": "en", "desc": "Green status and a negative test within 48 hours"},
			{"lang": "zh", "desc": "绿码且 48 小时内核酸阴性"},
		},
		"ValidFrom": ruleFrom.Format(time.RFC3339), "ValidTo": ruleTo.Format(time.RFC3339),
		"AffectedFields": []string{"st", "nat.r"},
		"Logic":          map[string]any{"===": []any{map[string]any{"var": "payload.st"}, "green"}},
		"Scenes":         []string{"hospital"},
	}
}

// ruleClaimsFor are the claims of a rule JWS signed by region iss.
func ruleClaimsFor(iss string, rule any) map[string]any {
	return map[string]any{"iss": iss, "iat": testkit.Now.Unix(), "jti": fmt.Sprintf("rule-%x", time.Now().UnixNano()), "rule": rule}
}

// signRule signs rule claims with k.
func signRule(t testing.TB, k *testkit.TestKey, claims map[string]any) string {
	t.Helper()
	return signClaims(t, k, header(k, trust.TypRule), claims)
}

// withRule returns a copy of a rule object changed by f.
func withRule(r map[string]any, f func(map[string]any)) map[string]any {
	c := maps.Clone(r)
	f(c)
	return c
}
