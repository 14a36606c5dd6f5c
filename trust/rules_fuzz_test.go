package trust_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// fuzzRule is a good rule object with fixed times, so that tokens signed
// by the fuzz world's anchor can be kept as corpus files.
func fuzzRule() map[string]any {
	return withRule(ruleObject("SH-FUZZ-1", "1.0.0"), func(r map[string]any) {
		r["ValidFrom"], r["ValidTo"] = fuzzNBF.Format(time.RFC3339), fuzzEXP.Format(time.RFC3339)
	})
}

func fuzzRuleClaims(rule any) map[string]any {
	return map[string]any{"iss": mapping.NationalRegion, "iat": fuzzNBF.Unix(), "jti": "fuzz-rule-1", "rule": rule}
}

// ruleSeeds are named seeds of FuzzParseRule; names starting with "valid"
// must be accepted.
func (w *fuzzWorld) ruleSeeds(t testing.TB) map[string]string {
	t.Helper()
	h := header(w.root, trust.TypRule)
	sign := func(c map[string]any) string { return testkit.SignRaw(t, w.root, h, testkit.JSON(t, c)) }
	raw := func(p string) string { return testkit.SignRaw(t, w.root, h, []byte(p)) }
	valid := sign(fuzzRuleClaims(fuzzRule()))
	good := string(testkit.JSON(t, fuzzRule()))
	return map[string]string{
		"valid_national":       valid,
		"valid_invalidation":   sign(fuzzRuleClaims(withRule(fuzzRule(), func(r map[string]any) { r["Type"] = "Invalidation"; delete(r, "Scenes") }))),
		"valid_eu_country":     sign(fuzzRuleClaims(withRule(fuzzRule(), func(r map[string]any) { r["Country"] = "DE"; r["CertificateType"] = "Test" }))),
		"unknown_member":       sign(fuzzRuleClaims(withRule(fuzzRule(), func(r map[string]any) { r["X"] = 1 }))),
		"duplicate_member":     raw(`{"iss":"000000","iat":1,"jti":"j","rule":` + strings.Replace(good, `"Type":"Acceptance"`, `"Type":"Acceptance","Type":"Acceptance"`, 1) + `}`),
		"lower_case_member":    raw(`{"iss":"000000","iat":1,"jti":"j","rule":` + strings.Replace(good, `"Type"`, `"type"`, 1) + `}`),
		"deep_logic":           sign(fuzzRuleClaims(withRule(fuzzRule(), func(r map[string]any) { r["Logic"] = deepLogic(80) }))),
		"bad_logic":            sign(fuzzRuleClaims(withRule(fuzzRule(), func(r map[string]any) { r["Logic"] = map[string]any{"nope": 1} }))),
		"bad_version":          sign(fuzzRuleClaims(withRule(fuzzRule(), func(r map[string]any) { r["Version"] = "1.0.0-rc1" }))),
		"window_inverted":      sign(fuzzRuleClaims(withRule(fuzzRule(), func(r map[string]any) { r["ValidFrom"], r["ValidTo"] = r["ValidTo"], r["ValidFrom"] }))),
		"not_signed_by_anchor": testkit.SignRaw(t, w.ed, header(w.ed, trust.TypRule), testkit.JSON(t, fuzzRuleClaims(fuzzRule()))),
		"endorsement_typ":      w.endorse(t, w.ec, zj, nil, "fuzz-ec"),
		"empty":                "",
		"not_json":             raw("not json"),
		"trailing_data":        raw(`{"iss":"000000","iat":1,"jti":"j","rule":` + good + `} {}`),
	}
}

func deepLogic(n int) any {
	var v any = true
	for range n {
		v = map[string]any{"!": []any{v}}
	}
	return v
}

var fuzzRuleID = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

func FuzzParseRule(f *testing.F) {
	w := newFuzzWorld(f)
	for _, s := range w.ruleSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		checkRuleInput(t, w, token)
	})
}

// FuzzRuleClaims reaches the shape rules, which a mutated token rarely
// does (it no longer verifies): the fuzzed claims are signed by the anchor
// first.
func FuzzRuleClaims(f *testing.F) {
	w := newFuzzWorld(f)
	for _, s := range w.ruleSeeds(f) {
		if _, payload, err := trust.SplitCompact(strings.TrimSpace(s)); err == nil {
			f.Add(string(payload))
		}
	}
	h := header(w.root, trust.TypRule)
	f.Fuzz(func(t *testing.T, payload string) {
		checkRuleInput(t, w, testkit.SignRaw(t, w.root, h, []byte(payload)))
	})
}

// checkRuleInput asserts what every answer to a rule guarantees: a refusal
// says why in one of the three vocabularies; an accepted rule keeps every
// rule of its shape.
func checkRuleInput(t *testing.T, w *fuzzWorld, token string) {
	t.Helper()
	reg := trust.NewRegistry(w.anchors, nil)
	r, added, err := reg.AddRule(t.Context(), token)
	if err != nil {
		if r != nil || added {
			t.Fatalf("rule returned with error %v", err)
		}
		if !errors.Is(err, trust.ErrBadRule) && !errors.Is(err, trust.ErrRuleForbidden) {
			t.Fatalf("error %v is neither ErrBadRule nor ErrRuleForbidden", err)
		}
		return
	}
	checkRule(t, r, token)
}

func checkRule(t *testing.T, r *trust.Rule, token string) {
	t.Helper()
	if !fuzzRuleID.MatchString(r.Identifier) || !trust.ValidRuleCountry(r.Country) {
		t.Fatalf("identifier %q, country %q", r.Identifier, r.Country)
	}
	if r.Type != trust.RuleAcceptance && r.Type != trust.RuleInvalidation || r.Engine != "CERTLOGIC" {
		t.Fatalf("type %q, engine %q", r.Type, r.Engine)
	}
	if !r.ValidFrom.Before(r.ValidTo) || len(r.Logic) == 0 || r.Logic[0] != '{' || len(r.Description) == 0 {
		t.Fatalf("window %s..%s, logic %q", r.ValidFrom, r.ValidTo, r.Logic)
	}
	if r.JWS != strings.TrimSpace(token) || len(r.JWS) > trust.MaxRuleJWS || !r.Anchor {
		t.Fatalf("jws or signer: anchor %v", r.Anchor)
	}
}
