package trust_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// TestApplicableRules is §11 "Which rules apply" as a table: each case is a
// set of rules and a query, and the rules (id@version) that must apply.
func TestApplicableRules(t *testing.T) {
	now := testkit.Now
	day := 24 * time.Hour
	type spec struct {
		id, version, typ, country, cert string
		scenes                          []string
		from, to                        time.Time
	}
	rule := func(s spec) map[string]any {
		return withRule(ruleObject(s.id, s.version), func(r map[string]any) {
			if s.typ != "" {
				r["Type"] = s.typ
			}
			if s.country != "" {
				r["Country"] = s.country
			}
			if s.cert != "" {
				r["CertificateType"] = s.cert
			}
			if s.scenes == nil {
				delete(r, "Scenes")
			} else {
				r["Scenes"] = s.scenes
			}
			if !s.from.IsZero() {
				r["ValidFrom"] = s.from.Format(time.RFC3339)
			}
			if !s.to.IsZero() {
				r["ValidTo"] = s.to.Format(time.RFC3339)
			}
		})
	}
	q := trust.RuleQuery{Region: sh, Org: zj, Scene: "hospital", CertType: trust.CertNational, Now: now}
	withQ := func(f func(*trust.RuleQuery)) trust.RuleQuery { c := q; f(&c); return c }
	tests := map[string]struct {
		rules []spec
		q     trust.RuleQuery
		want  []string
	}{
		"an acceptance rule of this region applies": {
			rules: []spec{{id: "A", version: "1.0.0"}}, q: q, want: []string{"A@1.0.0"}},
		"an acceptance rule of the code's org does not": {
			rules: []spec{{id: "A", version: "1.0.0", country: zj}}, q: q, want: nil},
		"an invalidation rule of the code's org applies": {
			rules: []spec{{id: "I", version: "1.0.0", typ: "Invalidation", country: zj}}, q: q, want: []string{"I@1.0.0"}},
		"an invalidation rule of this region does not apply to another org's code": {
			rules: []spec{{id: "I", version: "1.0.0", typ: "Invalidation"}}, q: q, want: nil},
		"a region's own code: its acceptance and invalidation rules both apply": {
			rules: []spec{{id: "A", version: "1.0.0"}, {id: "I", version: "1.0.0", typ: "Invalidation"}},
			q:     withQ(func(q *trust.RuleQuery) { q.Org = sh }), want: []string{"A@1.0.0", "I@1.0.0"}},
		"a rule of a third region applies nowhere here": {
			rules: []spec{{id: "A", version: "1.0.0", country: gd}, {id: "I", version: "1.0.0", typ: "Invalidation", country: gd}}, q: q, want: nil},
		"a scene listed applies; another scene not; no scene not": {
			rules: []spec{{id: "H", version: "1.0.0", scenes: []string{"hospital", "school"}}, {id: "S", version: "1.0.0", scenes: []string{"station"}}},
			q:     q, want: []string{"H@1.0.0"}},
		"a request without scene gets only the rules for every scene": {
			rules: []spec{{id: "H", version: "1.0.0", scenes: []string{"hospital"}}, {id: "E", version: "1.0.0", scenes: []string{}}, {id: "N", version: "1.0.0"}},
			q:     withQ(func(q *trust.RuleQuery) { q.Scene = "" }), want: []string{"E@1.0.0", "N@1.0.0"}},
		"General matches every credential; another type does not": {
			rules: []spec{{id: "G", version: "1.0.0", cert: "General"}, {id: "T", version: "1.0.0", cert: "Test"}, {id: "N", version: "1.0.0", cert: "National"}},
			q:     q, want: []string{"G@1.0.0", "N@1.0.0"}},
		"a DCC test certificate gets Test and General rules": {
			rules: []spec{{id: "G", version: "1.0.0", cert: "General"}, {id: "T", version: "1.0.0", cert: "Test"}, {id: "N", version: "1.0.0", cert: "National"}},
			q:     withQ(func(q *trust.RuleQuery) { q.CertType = trust.CertTest }), want: []string{"G@1.0.0", "T@1.0.0"}},
		"a newer version in force supersedes the older": {
			rules: []spec{{id: "A", version: "1.0.0"}, {id: "A", version: "1.10.0"}, {id: "A", version: "1.9.0"}}, q: q, want: []string{"A@1.10.0"}},
		"a newer version not yet valid leaves the older in force": {
			rules: []spec{{id: "A", version: "1.0.0"}, {id: "A", version: "2.0.0", from: now.Add(day), to: now.Add(2 * day)}}, q: q, want: []string{"A@1.0.0"}},
		"once valid, the newer version takes over": {
			rules: []spec{{id: "A", version: "1.0.0"}, {id: "A", version: "2.0.0", from: now.Add(day), to: now.Add(2 * day)}},
			q:     withQ(func(q *trust.RuleQuery) { q.Now = now.Add(day) }), want: []string{"A@2.0.0"}},
		"a newer version that expired leaves the older": {
			rules: []spec{{id: "A", version: "1.0.0"}, {id: "A", version: "2.0.0", from: now.Add(-2 * day), to: now.Add(-day)}}, q: q, want: []string{"A@1.0.0"}},
		"a rule not yet valid does not apply": {
			rules: []spec{{id: "A", version: "1.0.0", from: now.Add(time.Second), to: now.Add(day)}}, q: q, want: nil},
		"ValidFrom is inclusive": {
			rules: []spec{{id: "A", version: "1.0.0", from: now, to: now.Add(day)}}, q: q, want: []string{"A@1.0.0"}},
		"ValidTo is exclusive": {
			rules: []spec{{id: "A", version: "1.0.0", from: now.Add(-day), to: now}}, q: q, want: nil},
		"a newer version narrowed to other scenes leaves the older one here (DESIGN §11's order)": {
			rules: []spec{{id: "A", version: "1.0.0", scenes: []string{"hospital"}}, {id: "A", version: "1.1.0", scenes: []string{"station"}}}, q: q, want: []string{"A@1.0.0"}},
		"the newer version applies where it matches": {
			rules: []spec{{id: "A", version: "1.0.0", scenes: []string{"hospital"}}, {id: "A", version: "1.1.0", scenes: []string{"hospital", "station"}}}, q: q, want: []string{"A@1.1.0"}},
		"one Identifier in two regions is two rules": {
			rules: []spec{{id: "X", version: "1.0.0"}, {id: "X", version: "3.0.0", typ: "Invalidation", country: zj}}, q: q, want: []string{"X@1.0.0", "X@3.0.0"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			root := testkit.NewRoot(t)
			var toks []string
			for _, s := range tc.rules {
				toks = append(toks, signRule(t, root.TestKey, ruleClaimsFor(mapping.NationalRegion, rule(s))))
			}
			reg := ruleRegistry(t, root, nil, toks...)
			var got []string
			for _, r := range reg.Snapshot().ApplicableRules(nil, tc.q) {
				got = append(got, r.Identifier+"@"+r.Version)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("applicable %v, want %v", got, tc.want)
			}
		})
	}
}

// A rule signed by a key revoked since is applied no more; one signed by
// an anchor stays.
func TestRulesOfARevokedSignerStopApplying(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	reg := ruleRegistry(t, root, nil, root.Endorse(k, sh, testkit.Spec{Use: []trust.Use{trust.UseRules}}),
		signRule(t, k, ruleClaimsFor(sh, ruleObject("BYKEY", "1.0.0"))),
		signRule(t, root.TestKey, ruleClaimsFor(mapping.NationalRegion, ruleObject("BYROOT", "1.0.0"))))
	q := trust.RuleQuery{Region: sh, Org: sh, Scene: "hospital", CertType: trust.CertNational, Now: testkit.Now}
	if got := reg.Snapshot().ApplicableRules(nil, q); len(got) != 2 {
		t.Fatalf("before: %d rules", len(got))
	}
	if _, _, err := reg.AddRevocation(t.Context(), root.Revoke(k.Kid())); err != nil {
		t.Fatal(err)
	}
	got := reg.Snapshot().ApplicableRules(nil, q)
	if len(got) != 1 || got[0].Identifier != "BYROOT" {
		t.Fatalf("after the revocation: %v", got)
	}
}

// The selection reads memory only and, given room, allocates nothing.
func TestApplicableRulesAllocatesNothing(t *testing.T) {
	root := testkit.NewRoot(t)
	var toks []string
	for i := range 20 {
		toks = append(toks, signRule(t, root.TestKey, ruleClaimsFor(mapping.NationalRegion, ruleObject(fmt.Sprintf("R%d", i), "1.0.0"))))
	}
	snap := ruleRegistry(t, root, nil, toks...).Snapshot()
	q := trust.RuleQuery{Region: sh, Org: zj, Scene: "hospital", CertType: trust.CertNational, Now: testkit.Now}
	dst := make([]*trust.Rule, 0, 32)
	if n := testing.AllocsPerRun(100, func() { dst = snap.ApplicableRules(dst[:0], q) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
	if len(dst) != 20 {
		t.Fatalf("%d rules", len(dst))
	}
}
