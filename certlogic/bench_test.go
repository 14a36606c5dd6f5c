package certlogic

import (
	"encoding/json"
	"os"
	"testing"
)

// BenchmarkEvaluate measures one evaluation per op: the admission check's
// kind of rule over a struct Data, and an EU rule over a decoded DCC.
func BenchmarkEvaluate(b *testing.B) {
	national := &national{st: "green", natT: "2026-12-01T09:00:00+08:00", clock: "2026-12-02T08:00:00+08:00"}
	b.Run("national green and test within 48h", func(b *testing.B) {
		x, err := Compile([]byte(greenAndRecentTest))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if v, err := x.Eval(national); err != nil || v.Interface() != true {
				b.Fatal(v, err)
			}
		}
	})
	b.Run("national three rules", func(b *testing.B) {
		var xs []*Expr
		for _, src := range []string{
			greenAndRecentTest,
			`{"in":[{"var":"payload.st"},["green","yellow"]]}`,
			`{"if":[{"var":"payload.nat.t"},{"before":[{"plusTime":[{"var":"payload.nat.t"},0,"day"]},{"plusTime":[{"var":"external.validationClock"},0,"day"]}]},false]}`,
		} {
			x, err := Compile([]byte(src))
			if err != nil {
				b.Fatal(err)
			}
			xs = append(xs, x)
		}
		b.ReportAllocs()
		for b.Loop() {
			for _, x := range xs {
				if v, err := x.Eval(national); err != nil || v.Interface() != true {
					b.Fatal(v, err)
				}
			}
		}
	})
	b.Run("EU VR-EU-0001 on a DCC map", func(b *testing.B) {
		rule, err := os.ReadFile("../testdata/dcc-business-rules/EU/VR-EU-0001/rule.json")
		if err != nil {
			b.Skip(err)
		}
		var r struct{ Logic json.RawMessage }
		if err := json.Unmarshal(rule, &r); err != nil {
			b.Fatal(err)
		}
		x, err := Compile(r.Logic)
		if err != nil {
			b.Fatal(err)
		}
		d := &AnyData{V: map[string]any{
			"payload": map[string]any{"v": []any{map[string]any{"mp": "EU/1/20/1528", "dn": 2.0, "sd": 2.0, "dt": "2021-06-01"}}},
			"external": map[string]any{
				"validationClock": "2021-07-01T00:00:00Z",
				"valueSets":       map[string]any{"vaccines-covid-19-names": []any{"EU/1/20/1507", "EU/1/20/1525", "EU/1/20/1528", "EU/1/21/1529"}},
			},
		}}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := x.Eval(d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
