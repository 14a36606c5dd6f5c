package verify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hcgw/hcgw/admission"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// rule is a national rule object for region country (DESIGN §11).
func rule(id, typ, country, version string, from time.Time, scenes, logic string) string {
	return fmt.Sprintf(`{"Identifier":%q,"Type":%q,"Country":%q,"Version":%q,"SchemaVersion":"1.0.0","Engine":"CERTLOGIC",
"EngineVersion":"1.3.0","CertificateType":"National","Description":[{"lang":"en","desc":"rule %s in English"},{"lang":"zh","desc":"规则 %s"}],
"ValidFrom":%q,"ValidTo":%q,"AffectedFields":["st"],"Logic":%s,"Scenes":%s}`,
		id, typ, country, version, id, id, from.Format(time.RFC3339), testkit.Now.Add(365*24*time.Hour).Format(time.RFC3339), logic, scenes)
}

// The demo's hospital rule: green, and a negative test within 48 hours.
const hospitalLogic = `{"and":[{"===":[{"var":"payload.st"},"green"]},{"===":[{"var":"payload.nat.r"},"negative"]},
{"not-after":[{"plusTime":[{"var":"external.validationClock"},0,"day"]},{"plusTime":[{"var":"payload.nat.t"},48,"hour"]}]}]}`

// rulesWorld is newWorld with Shanghai's scene rules and a Zhejiang
// invalidation rule in its registry, signed by the root.
func rulesWorld(t testing.TB) *world {
	w := newWorld(t)
	past, future := testkit.Now.Add(-24*time.Hour), testkit.Now.Add(24*time.Hour)
	for _, r := range []string{
		rule("SH-HOSP", "Acceptance", sh, "1.0.0", past, `["hospital"]`, hospitalLogic),
		rule("SH-RAIL", "Acceptance", sh, "1.0.0", past, `["rail"]`, `{"===":[{"var":"payload.st"},"green"]}`),
		// A newer version in force lets yellow through; one not yet valid
		// would refuse everyone.
		rule("SH-RAIL", "Acceptance", sh, "1.1.0", past, `["rail"]`, `{"in":[{"var":"payload.st"},["green","yellow"]]}`),
		rule("SH-RAIL", "Acceptance", sh, "2.0.0", future, `["rail"]`, `{"===":[1,2]}`),
		// An expression that cannot be evaluated on this data: open.
		rule("SH-LAB", "Acceptance", sh, "1.0.0", past, `["lab"]`, `{"reduce":[{"var":"payload.st"},{"+":[{"var":"accumulator"},1]},0]}`),
		// Zhejiang invalidates its own codes at venues, wherever they are
		// scanned; Guangdong's rule for its own checkpoints never applies here.
		rule("ZJ-VENUE", "Invalidation", zj, "1.0.0", past, `["venue"]`, `{"===":[1,2]}`),
		rule("GD-RAIL", "Acceptance", gd, "1.0.0", past, `["rail"]`, `{"===":[1,2]}`),
	} {
		if _, _, err := w.reg.AddRule(context.Background(), w.root.Rule(r)); err != nil {
			t.Fatalf("rule: %v\n%s", err, r)
		}
	}
	return w
}

func TestAdmissionRules(t *testing.T) {
	w := rulesWorld(t)
	tested := func(st mapping.Status, r string, ago time.Duration) string {
		c := testkit.Claims(zj, st)
		c.NAT = &mapping.NAT{Result: r, Time: testkit.Now.Add(-ago).Unix()}
		return code(t, w.zjKey, c)
	}
	tests := map[string]struct {
		code, scene string
		want        admission.Decision
		dflt        bool
		rules       map[string]admission.Result // id → result
	}{
		"hospital: green and a negative test 30 h ago":    {code: tested(mapping.Green, "negative", 30*time.Hour), scene: "hospital", want: admission.Admit, rules: map[string]admission.Result{"SH-HOSP": admission.Passed}},
		"hospital: green and a negative test 50 h ago":    {code: tested(mapping.Green, "negative", 50*time.Hour), scene: "hospital", want: admission.Deny, rules: map[string]admission.Result{"SH-HOSP": admission.Failed}},
		"hospital: green without a test":                  {code: code(t, w.zjKey, greenClaims()), scene: "hospital", want: admission.Deny, rules: map[string]admission.Result{"SH-HOSP": admission.Failed}},
		"hospital: green and a positive test":             {code: tested(mapping.Green, "positive", time.Hour), scene: "hospital", want: admission.Deny, rules: map[string]admission.Result{"SH-HOSP": admission.Failed}},
		"rail: the newest version in force admits yellow": {code: code(t, w.zjKey, testkit.Claims(zj, mapping.Yellow)), scene: "rail", want: admission.Admit, rules: map[string]admission.Result{"SH-RAIL": admission.Passed}},
		"rail: red is denied by the rule":                 {code: code(t, w.zjEd, testkit.Claims(zj, mapping.Red)), scene: "rail", want: admission.Deny, rules: map[string]admission.Result{"SH-RAIL": admission.Failed}},
		"lab: a rule that errors is a check, never admit": {code: code(t, w.zjKey, greenClaims()), scene: "lab", want: admission.Check, rules: map[string]admission.Result{"SH-LAB": admission.Open}},
		"venue: the issuer's invalidation denies green":   {code: code(t, w.zjKey, greenClaims()), scene: "venue", want: admission.Deny, dflt: true, rules: map[string]admission.Result{"ZJ-VENUE": admission.Failed}},
		"a scene without a rule: green by default":        {code: code(t, w.zjKey, greenClaims()), scene: "school", want: admission.Admit, dflt: true, rules: map[string]admission.Result{}},
		"a scene without a rule: yellow by default":       {code: code(t, w.zjKey, testkit.Claims(zj, mapping.Yellow)), scene: "school", want: admission.Deny, dflt: true, rules: map[string]admission.Result{admission.DefaultRuleID: admission.Failed}},
		"no scene: only rules for every scene apply":      {code: code(t, w.zjKey, greenClaims()), want: admission.Admit, dflt: true, rules: map[string]admission.Result{}},
		"an invalid code is denied without a rule":        {code: flip(tested(mapping.Green, "negative", time.Hour)), scene: "hospital", want: admission.Deny, rules: map[string]admission.Result{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w.rec.recs = nil
			vd, err := w.v.Verify(context.Background(), verify.Request{Code: tc.code, Scene: tc.scene})
			if err != nil {
				t.Fatal(err)
			}
			a := vd.Admission
			got := map[string]admission.Result{}
			for _, r := range a.Rules {
				got[r.ID] = r.Result
				if r.ID != admission.DefaultRuleID && (r.Description.ZH != "规则 "+r.ID || r.Description.EN != "rule "+r.ID+" in English") {
					t.Errorf("rule %s described %+v", r.ID, r.Description)
				}
			}
			if a.Decision != tc.want || a.Default != tc.dflt || fmt.Sprint(got) != fmt.Sprint(tc.rules) {
				t.Fatalf("admission %+v (verdict %s/%s), want %s default %v rules %v", a, vd.Result, vd.Status, tc.want, tc.dflt, tc.rules)
			}
			if len(w.rec.recs) != 1 || w.rec.recs[0].Admission != string(tc.want) {
				t.Fatalf("record %+v", w.rec.recs)
			}
		})
	}
}

// TestARuleOfARevokedSignerNoLongerApplies: rules are trust data; a key
// revoked since it signed a rule vouches for it no more.
func TestARuleOfARevokedSignerNoLongerApplies(t *testing.T) {
	w := newWorld(t)
	shRules := testkit.Key(t, "ES256")
	if _, _, err := w.reg.AddEndorsement(context.Background(), w.root.Endorse(shRules, sh, testkit.Spec{Use: []trust.Use{trust.UseRules}})); err != nil {
		t.Fatal(err)
	}
	tok, err := trust.SignRule(shRules, sh, []byte(rule("SH-RAIL", "Acceptance", sh, "1.0.0", testkit.Now.Add(-time.Hour), `["rail"]`, `{"===":[1,1]}`)), "r1", testkit.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.reg.AddRule(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	yellow := code(t, w.zjKey, testkit.Claims(zj, mapping.Yellow))
	if vd, _ := w.v.Verify(context.Background(), verify.Request{Code: yellow, Scene: "rail"}); vd.Admission.Decision != admission.Admit {
		t.Fatalf("before the revocation: %+v", vd.Admission)
	}
	if _, _, err := w.reg.AddRevocation(context.Background(), w.root.Revoke(shRules.Kid())); err != nil {
		t.Fatal(err)
	}
	if vd, _ := w.v.Verify(context.Background(), verify.Request{Code: yellow, Scene: "rail"}); vd.Admission.Decision != admission.Deny || !vd.Admission.Default {
		t.Fatalf("after the revocation: %+v", vd.Admission)
	}
}

// TestAVenueRuleDeniesAStar: the itinerary mark reaches the verdict, the
// record and the rules (DESIGN §12); a code without it is judged as before.
func TestAVenueRuleDeniesAStar(t *testing.T) {
	w := newWorld(t)
	venue := rule("SH-VENUE", "Acceptance", sh, "1.0.0", testkit.Now.Add(-time.Hour), `["venue"]`,
		`{"and":[{"===":[{"var":"payload.st"},"green"]},{"!":[{"var":"payload.it.star"}]}]}`)
	if _, _, err := w.reg.AddRule(context.Background(), w.root.Rule(venue)); err != nil {
		t.Fatal(err)
	}
	withIt := func(star bool) string {
		c := testkit.Claims(zj, mapping.Green)
		c.IT = &mapping.Itinerary{Regions: []string{"330100", "420100"}, Star: star, Time: testkit.Now.Add(-2 * time.Hour).Unix()}
		return code(t, w.zjKey, c)
	}
	for name, tc := range map[string]struct {
		code string
		want admission.Decision
		star bool
		it   bool
	}{
		"a star is denied at a venue":     {withIt(true), admission.Deny, true, true},
		"no star is admitted":             {withIt(false), admission.Admit, false, true},
		"a code without an itinerary too": {code(t, w.zjKey, greenClaims()), admission.Admit, false, false},
	} {
		t.Run(name, func(t *testing.T) {
			w.rec.recs = nil
			vd, err := w.v.Verify(context.Background(), verify.Request{Code: tc.code, Scene: "venue"})
			if err != nil {
				t.Fatal(err)
			}
			if vd.Admission.Decision != tc.want || (vd.Itinerary != nil) != tc.it || w.rec.recs[0].Star != tc.star {
				t.Fatalf("admission %+v itinerary %+v record star %v", vd.Admission, vd.Itinerary, w.rec.recs[0].Star)
			}
			if tc.it && (vd.Itinerary.Star != tc.star || len(vd.Itinerary.Regions) != 2 || !vd.Itinerary.AsOf.Equal(testkit.Now.Add(-2*time.Hour))) {
				t.Fatalf("itinerary %+v", vd.Itinerary)
			}
		})
	}
}
