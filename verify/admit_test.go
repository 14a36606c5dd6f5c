package verify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/admission"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// TestDefaultAdmission: with no rule in force, only a valid green code is
// admitted; every other verdict is denied, and the record keeps the decision.
func TestDefaultAdmission(t *testing.T) {
	w := newWorld(t)
	tests := map[string]struct {
		code        string
		want        admission.Decision
		wantDefault bool
		wantRule    string // the failed rule the checkpoint is shown
	}{
		"a valid green code is admitted by default": {
			code: code(t, w.zjKey, testkit.Claims(zj, mapping.Green)), want: admission.Admit, wantDefault: true},
		"a valid yellow code is denied by default": {
			code: code(t, w.zjKey, testkit.Claims(zj, mapping.Yellow)), want: admission.Deny, wantDefault: true, wantRule: admission.DefaultRuleID},
		"a valid grey code is denied by default": {
			code: code(t, w.zjKey, testkit.Claims(zj, mapping.Grey)), want: admission.Deny, wantDefault: true, wantRule: admission.DefaultRuleID},
		"a valid red code is denied by default": {
			code: code(t, w.zjEd, testkit.Claims(zj, mapping.Red)), want: admission.Deny, wantDefault: true, wantRule: admission.DefaultRuleID},
		"a code that does not verify is denied without a rule": {
			code: flip(code(t, w.zjKey, testkit.Claims(zj, mapping.Green))), want: admission.Deny},
		"an unreadable code is denied without a rule": {code: "junk", want: admission.Deny},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w.rec.recs = nil
			vd, err := w.v.Verify(context.Background(), verify.Request{Code: tc.code, Scene: "rail"})
			if err != nil {
				t.Fatal(err)
			}
			a := vd.Admission
			if a.Decision != tc.want || a.Default != tc.wantDefault {
				t.Fatalf("admission %+v (verdict %s/%s), want %s default %v", a, vd.Result, vd.Status, tc.want, tc.wantDefault)
			}
			failed := ""
			for _, r := range a.Rules {
				if r.Result == admission.Failed {
					failed = r.ID
				}
			}
			if failed != tc.wantRule {
				t.Fatalf("failed rule %q, want %q (%+v)", failed, tc.wantRule, a.Rules)
			}
			if len(w.rec.recs) != 1 || w.rec.recs[0].Admission != string(tc.want) {
				t.Fatalf("records %+v, want one with admission %s", w.rec.recs, tc.want)
			}
			js, err := vd.AppendJSON(nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := `"admission":{"decision":"` + string(tc.want) + `"`; !strings.Contains(string(js), want) {
				t.Fatalf("verdict JSON %s lacks %s", js, want)
			}
		})
	}
}
