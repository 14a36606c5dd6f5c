package admission

import (
	"encoding/json"
	"testing"

	"github.com/hcgw/hcgw/mapping"
)

func TestDecide(t *testing.T) {
	pass := RuleResult{ID: "R-1", Version: "1.0.0", Type: Acceptance, Result: Passed}
	fail := RuleResult{ID: "R-2", Version: "1.0.0", Type: Acceptance, Result: Failed}
	open := RuleResult{ID: "R-3", Version: "1.0.0", Type: Acceptance, Result: Open}
	inval := RuleResult{ID: "I-1", Version: "2.0.0", Type: Invalidation, Result: Failed}
	tests := map[string]struct {
		status     mapping.Status
		acceptance bool
		rules      []RuleResult
		want       Decision
		wantDef    bool
		wantRules  int
	}{
		"no rule, green passes by default":            {mapping.Green, false, nil, Admit, true, 0},
		"no rule, yellow is refused by default":       {mapping.Yellow, false, nil, Deny, true, 1},
		"no rule, grey is refused by default":         {mapping.Grey, false, nil, Deny, true, 1},
		"no rule, red is refused by default":          {mapping.Red, false, nil, Deny, true, 1},
		"an acceptance rule passing admits yellow":    {mapping.Yellow, true, []RuleResult{pass}, Admit, false, 1},
		"a failed rule denies":                        {mapping.Green, true, []RuleResult{pass, fail}, Deny, false, 2},
		"an open rule is a check, never an admit":     {mapping.Green, true, []RuleResult{pass, open}, Check, false, 2},
		"a failed rule wins over an open one":         {mapping.Green, true, []RuleResult{open, fail}, Deny, false, 2},
		"an invalidation rule denies under default":   {mapping.Green, false, []RuleResult{inval}, Deny, true, 1},
		"an open invalidation under default is check": {mapping.Green, false, []RuleResult{{Type: Invalidation, Result: Open}}, Check, true, 1},
		"an unknown result never passes":              {mapping.Green, true, []RuleResult{{Result: "maybe"}}, Check, false, 1},
		"default fails next to an open invalidation":  {mapping.Yellow, false, []RuleResult{{Type: Invalidation, Result: Open}}, Deny, true, 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Decide(tc.status, tc.acceptance, tc.rules)
			if got.Decision != tc.want || got.Default != tc.wantDef || len(got.Rules) != tc.wantRules {
				t.Fatalf("Decide = %+v; want decision %s, default %v, %d rules", got, tc.want, tc.wantDef, tc.wantRules)
			}
		})
	}
	if r := Refused(); r.Decision != Deny || r.Default || len(r.Rules) != 0 {
		t.Fatalf("Refused = %+v", r)
	}
}

// plain is Outcome without its MarshalJSON, for encoding/json's own view.
type plain struct {
	Decision Decision     `json:"decision"`
	Default  bool         `json:"default"`
	Rules    []RuleResult `json:"rules"`
}

func TestAppendJSONIsEncodingJSON(t *testing.T) {
	tests := map[string]Outcome{
		"refused":  Refused(),
		"default":  Decide(mapping.Yellow, false, nil),
		"rules":    Decide(mapping.Green, true, []RuleResult{{ID: "a", Version: "1.0.0", Type: Acceptance, Result: Passed, Description: Description{ZH: "核酸<48小时>", EN: `"quoted" & \ back`}}, {ID: "b", Result: Open}}),
		"no rules": {Decision: Admit, Rules: []RuleResult{}},
	}
	for name, o := range tests {
		t.Run(name, func(t *testing.T) {
			p := plain(o)
			if p.Rules == nil {
				p.Rules = []RuleResult{}
			}
			want, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.AppendJSON(nil); string(got) != string(want) {
				t.Fatalf("AppendJSON\n got %s\nwant %s", got, want)
			}
			viaJSON, _ := json.Marshal(o)
			if string(viaJSON) != string(want) {
				t.Fatalf("json.Marshal\n got %s\nwant %s", viaJSON, want)
			}
		})
	}
}
