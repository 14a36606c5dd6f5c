package trust_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

func TestRuleShapeRefused(t *testing.T) {
	root := testkit.NewRoot(t)
	reg := ruleRegistry(t, root, nil)
	good := ruleObject("SH-HOSPITAL-1", "1.0.0")
	nat := mapping.NationalRegion
	hdr := header(root, trust.TypRule)
	raw := func(payload string) string { return testkit.SignRaw(t, root.TestKey, hdr, []byte(payload)) }
	goodJSON := string(testkit.JSON(t, good))
	deep := strings.Repeat(`{"!":[`, 70) + "true" + strings.Repeat("]}", 70)

	tests := map[string]struct {
		token string
		want  string // in the error
	}{
		"a member missing (ValidTo)": {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { delete(r, "ValidTo") }))), `"ValidTo" is missing`},
		"a member that is null":      {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Country"] = nil }))), `"Country": must be a string, not null`},
		"an unknown member":          {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Priority"] = 1 }))), "Priority"},
		"a member in another case": {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) {
			r["identifier"] = r["Identifier"]
			delete(r, "Identifier")
		}))), "identifier"},
		"a member given twice":           {raw(`{"iss":"000000","iat":1,"jti":"j","rule":` + strings.Replace(goodJSON, `"Type":"Acceptance"`, `"Type":"Acceptance","Type":"Invalidation"`, 1) + `}`), "duplicate"},
		"an unknown claim":               {raw(`{"iss":"000000","iat":1,"jti":"j","rule":` + goodJSON + `,"extra":true}`), "extra"},
		"a claim given twice":            {raw(`{"iss":"000000","iss":"000000","iat":1,"jti":"j","rule":` + goodJSON + `}`), "duplicate"},
		"iat a string":                   {raw(`{"iss":"000000","iat":"1","jti":"j","rule":` + goodJSON + `}`), "iat"},
		"no jti":                         {raw(`{"iss":"000000","iat":1,"rule":` + goodJSON + `}`), "jti"},
		"no rule":                        {raw(`{"iss":"000000","iat":1,"jti":"j"}`), `"rule"`},
		"a rule that is an array":        {raw(`{"iss":"000000","iat":1,"jti":"j","rule":[]}`), `"rule"`},
		"an Identifier with a space":     {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Identifier"] = "a b" }))), "Identifier"},
		"an Identifier of 65":            {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Identifier"] = strings.Repeat("a", 65) }))), "Identifier"},
		"a Type of neither kind":         {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Type"] = "acceptance" }))), "Type"},
		"a Country of five digits":       {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Country"] = "31000" }))), "Country"},
		"a Country in lower case":        {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Country"] = "de" }))), "Country"},
		"a Version of two parts":         {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Version"] = "1.0" }))), "Version"},
		"a Version with a leading 0":     {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Version"] = "01.0.0" }))), "Version"},
		"an EngineVersion not semver":    {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["EngineVersion"] = "latest" }))), "EngineVersion"},
		"an Engine other than CERTLOGIC": {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Engine"] = "JSONLOGIC" }))), "Engine"},
		"a CertificateType unknown":      {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["CertificateType"] = "Nat" }))), "CertificateType"},
		"no Description":                 {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Description"] = []any{} }))), "Description"},
		"no English description": {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) {
			r["Description"] = []map[string]string{{"lang": "zh", "desc": "绿码"}}
		}))), "English"},
		"a region's rule without Chinese": {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) {
			r["Description"] = []map[string]string{{"lang": "en", "desc": "green only"}}
		}))), "Chinese"},
		"a description with an unknown member": {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) {
			r["Description"] = []map[string]string{{"lang": "en", "desc": "green", "text": "x"}, {"lang": "zh", "desc": "绿"}}
		}))), "text"},
		"a ValidFrom with fractions": {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["ValidFrom"] = "2026-01-01T00:00:00.5Z" }))), "ValidFrom"},
		"a ValidTo without a zone":   {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["ValidTo"] = "2027-01-01T00:00:00" }))), "ValidTo"},
		"ValidTo before ValidFrom": {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) {
			r["ValidFrom"], r["ValidTo"] = r["ValidTo"], r["ValidFrom"]
		}))), "ValidFrom is not before ValidTo"},
		"AffectedFields not a list": {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["AffectedFields"] = "st" }))), "AffectedFields"},
		"Logic a string":            {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Logic"] = "true" }))), "Logic"},
		"Logic an empty object":     {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Logic"] = map[string]any{} }))), "Logic"},
		"invalid CertLogic":         {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Logic"] = map[string]any{"frobnicate": []any{}} }))), "not a valid CertLogic expression"},
		"a scene with a space":      {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Scenes"] = []string{"a b"} }))), "scene"},
		"Scenes not a list":         {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Scenes"] = "hospital" }))), "Scenes"},
		"a rule of more than 64 KiB": {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) {
			r["AffectedFields"] = []string{strings.Repeat("f", 200)}
			r["Description"] = bigDescriptions()
		}))), "more than 65536"},
		"a JWS far over the bound":      {strings.Repeat("A", trust.MaxRuleJWS+1), "more than"},
		"nested more than 64 deep":      {signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(good, func(r map[string]any) { r["Logic"] = json.RawMessage(deep) }))), "nested more than 64"},
		"a typ other than nic-rule+jwt": {signClaims(t, root.TestKey, header(root, "JWT"), ruleClaimsFor(nat, good)), "typ"},
		"a signature that does not verify": {func() string {
			tok := signRule(t, root.TestKey, ruleClaimsFor(nat, good))
			return tok[:len(tok)-4] + flipB64(tok[len(tok)-4:])
		}(), "signature"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, added, err := reg.AddRule(t.Context(), tc.token)
			if err == nil || added {
				t.Fatalf("accepted (added %v)", added)
			}
			if !errors.Is(err, trust.ErrBadRule) {
				t.Fatalf("error %v is not ErrBadRule", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not name %q", err, tc.want)
			}
		})
	}
	if n := len(reg.Snapshot().Rules()); n != 0 {
		t.Fatalf("%d rules kept", n)
	}
}

// bigDescriptions pushes a rule past 64 KiB with descriptions that are
// each in bounds.
func bigDescriptions() []map[string]string {
	out := []map[string]string{{"lang": "en", "desc": "big"}, {"lang": "zh", "desc": "大"}}
	for i := 0; i < 33; i++ {
		out = append(out, map[string]string{"lang": "fr", "desc": strings.Repeat("x", 2000)})
	}
	return out
}

func flipB64(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func TestRuleAccepted(t *testing.T) {
	root := testkit.NewRoot(t)
	shKey := testkit.Key(t, jwa.ES256)
	hub := testkit.Key(t, jwa.EdDSA)
	reg := ruleRegistry(t, root, nil,
		root.Endorse(shKey, sh, testkit.Spec{Use: []trust.Use{trust.UseRules}}),
		root.Endorse(hub, mapping.NationalRegion, testkit.Spec{Use: []trust.Use{trust.UseCodes, trust.UseRules}, Scope: []string{trust.Wildcard}}))
	de, err := os.ReadFile(filepath.Join("testdata", "rules", "TR-DE-0002.json"))
	if err != nil {
		t.Fatalf("the EU rule: %v", err)
	}
	tests := map[string]struct {
		token   string
		id      string
		country string
		anchor  bool
	}{
		"Shanghai's rule signed by its rules key": {signRule(t, shKey, ruleClaimsFor(sh, ruleObject("SH-1", "1.0.0"))), "SH-1", sh, false},
		"Zhejiang's rule signed by the hub (scope *)": {signRule(t, hub, ruleClaimsFor(mapping.NationalRegion,
			withRule(ruleObject("ZJ-1", "1.0.0"), func(r map[string]any) { r["Country"] = zj }))), "ZJ-1", zj, false},
		"an invalidation rule signed by an anchor": {signRule(t, root.TestKey, ruleClaimsFor(mapping.NationalRegion,
			withRule(ruleObject("GD-INV-1", "2.1.3"), func(r map[string]any) { r["Type"] = "Invalidation"; r["Country"] = gd; delete(r, "Scenes") }))), "GD-INV-1", gd, true},
		"an EU rule (Country DE) as published, signed by an anchor": {signRule(t, root.TestKey, ruleClaimsFor(mapping.NationalRegion, json.RawMessage(de))), "TR-DE-0002", "DE", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, added, err := reg.AddRule(t.Context(), tc.token)
			if err != nil || !added {
				t.Fatalf("added %v, err %v", added, err)
			}
			if r.Identifier != tc.id || r.Country != tc.country || r.Anchor != tc.anchor || r.JWS != tc.token {
				t.Fatalf("rule %+v", r)
			}
			if _, added, err := reg.AddRule(t.Context(), tc.token); err != nil || added {
				t.Fatalf("again: added %v, err %v", added, err)
			}
		})
	}
	if got := len(reg.Snapshot().Rules()); got != len(tests) {
		t.Fatalf("%d rules, want %d", got, len(tests))
	}
}

func TestRuleSignerRefused(t *testing.T) {
	root := testkit.NewRoot(t)
	codesOnly := testkit.Key(t, jwa.ES256)
	zjRules := testkit.Key(t, jwa.ES256)
	revoked := testkit.Key(t, jwa.EdDSA)
	late := testkit.Key(t, jwa.EdDSA)
	stranger := testkit.Key(t, jwa.ES256)
	rules := []trust.Use{trust.UseRules}
	reg := ruleRegistry(t, root, nil,
		root.Endorse(codesOnly, sh, testkit.Spec{}),
		root.Endorse(zjRules, zj, testkit.Spec{Use: rules}),
		root.Endorse(revoked, sh, testkit.Spec{Use: rules}),
		root.Revoke(revoked.Kid()),
		root.Endorse(late, sh, testkit.Spec{Use: rules, NotBefore: testkit.Now.Add(24 * time.Hour), NotAfter: testkit.Now.Add(48 * time.Hour)}))
	shRule := ruleObject("SH-1", "1.0.0")
	tests := map[string]string{
		"a key without use rules":               signRule(t, codesOnly, ruleClaimsFor(sh, shRule)),
		"a rules key of another region":         signRule(t, zjRules, ruleClaimsFor(zj, shRule)),
		"a rules key claiming another iss":      signRule(t, zjRules, ruleClaimsFor(sh, shRule)),
		"a revoked rules key":                   signRule(t, revoked, ruleClaimsFor(sh, shRule)),
		"a rules key before its endorsement":    signRule(t, late, ruleClaimsFor(sh, shRule)),
		"a key nobody endorsed":                 signRule(t, stranger, ruleClaimsFor(sh, shRule)),
		"an anchor whose rule names iss 310000": signRule(t, root.TestKey, ruleClaimsFor(sh, shRule)),
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			_, added, err := reg.AddRule(t.Context(), tok)
			if !errors.Is(err, trust.ErrRuleForbidden) || added {
				t.Fatalf("added %v, err %v, want ErrRuleForbidden", added, err)
			}
		})
	}
	if n := len(reg.Snapshot().Rules()); n != 0 {
		t.Fatalf("%d rules kept", n)
	}
}

func TestRuleVersionConflict(t *testing.T) {
	root := testkit.NewRoot(t)
	reg := ruleRegistry(t, root, nil)
	nat := mapping.NationalRegion
	v1 := signRule(t, root.TestKey, ruleClaimsFor(nat, ruleObject("SH-1", "1.0.0")))
	if _, added, err := reg.AddRule(t.Context(), v1); err != nil || !added {
		t.Fatalf("v1: %v %v", added, err)
	}
	// The same rule signed again (another jti, same content) is known.
	again := signRule(t, root.TestKey, ruleClaimsFor(nat, ruleObject("SH-1", "1.0.0")))
	if _, added, err := reg.AddRule(t.Context(), again); err != nil || added {
		t.Fatalf("re-signed: %v %v", added, err)
	}
	other := signRule(t, root.TestKey, ruleClaimsFor(nat, withRule(ruleObject("SH-1", "1.0.0"), func(r map[string]any) { r["Scenes"] = []string{"station"} })))
	if _, _, err := reg.AddRule(t.Context(), other); !errors.Is(err, trust.ErrConflict) {
		t.Fatalf("another content under a known version: %v", err)
	}
	if n := len(reg.Snapshot().Rules()); n != 1 {
		t.Fatalf("%d rules", n)
	}
}
