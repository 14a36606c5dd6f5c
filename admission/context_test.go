package admission

import (
	"testing"
	"time"

	"github.com/hcgw/hcgw/certlogic"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/mapping"
)

// TestNationalContext: rules read the national model through the paths of
// DESIGN §11, times as RFC 3339, as the reference reads a JSON context.
func TestNationalContext(t *testing.T) {
	sets, err := ParseValueSets(configs.EUValueSets())
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	vac := 3
	full := &National{Status: mapping.Green, StatusAt: clock.Add(-time.Hour), Org: "330000", Format: "nic-v1",
		Source: "online", NAT: &mapping.NAT{Result: "negative", Time: clock.Add(-30 * time.Hour).Unix()}, Vac: &vac,
		Clock: clock, Country: "310000", Scene: "hospital", Expires: clock.Add(time.Hour), IssuedAt: clock.Add(-2 * time.Hour),
		ValueSets: sets, IT: &mapping.Itinerary{Regions: []string{"330100", "420100"}, Star: true, Time: clock.Add(-3 * time.Hour).Unix()}}
	bare := &National{Status: mapping.Yellow, Org: "440000", Format: "zj-v1", Source: "online", Degraded: true, Clock: clock, Country: "310000"}
	tests := map[string]struct {
		data *National
		expr string
		want any
	}{
		"the status":                        {full, `{"===":[{"var":"payload.st"},"green"]}`, true},
		"the org and this region":           {full, `{"and":[{"===":[{"var":"payload.org"},"330000"]},{"===":[{"var":"external.countryCode"},"310000"]},{"===":[{"var":"external.issuerCountryCode"},"330000"]}]}`, true},
		"a test within 48 h":                {full, `{"not-after":[{"plusTime":[{"var":"external.validationClock"},0,"day"]},{"plusTime":[{"var":"payload.nat.t"},48,"hour"]}]}`, true},
		"a test within 24 h fails":          {full, `{"not-after":[{"plusTime":[{"var":"external.validationClock"},0,"day"]},{"plusTime":[{"var":"payload.nat.t"},24,"hour"]}]}`, false},
		"the test result":                   {full, `{"===":[{"var":"payload.nat.r"},"negative"]}`, true},
		"the doses":                         {full, `{"<":[2,{"var":"payload.vac"}]}`, true},
		"the scene":                         {full, `{"var":"external.scene"}`, "hospital"},
		"the status time as RFC 3339":       {full, `{"var":"payload.sa"}`, "2026-12-01T11:00:00Z"},
		"exp and iat":                       {full, `{"before":[{"plusTime":[{"var":"external.iat"},0,"day"]},{"plusTime":[{"var":"external.exp"},0,"day"]}]}`, true},
		"a value set":                       {full, `{"in":["CN",{"var":"external.valueSets.country-2-codes"}]}`, true},
		"an object read whole":              {full, `{"var":"payload.nat"}`, map[string]any{"r": "negative", "t": "2026-11-30T06:00:00Z"}},
		"without a test, nat is null":       {bare, `{"var":"payload.nat.t"}`, nil},
		"the itinerary's star":              {full, `{"var":"payload.it.star"}`, true},
		"a region of the itinerary":         {full, `{"in":["420100",{"var":"payload.it.r"}]}`, true},
		"the itinerary's time":              {full, `{"var":"payload.it.t"}`, "2026-12-01T09:00:00Z"},
		"a venue rule: no star":             {full, `{"!":[{"var":"payload.it.star"}]}`, false},
		"without an itinerary, no star":     {bare, `{"!":[{"var":"payload.it.star"}]}`, true},
		"without a test the rule is falsy":  {bare, `{"if":[{"var":"payload.nat"},true,false]}`, false},
		"degraded":                          {bare, `{"var":"payload.degraded"}`, true},
		"an unknown member is null":         {bare, `{"var":"payload.nothing"}`, nil},
		"below a scalar is null":            {bare, `{"var":"payload.st.x"}`, nil},
		"an unknown root is null":           {bare, `{"var":"other.st"}`, nil},
		"a value set absent is null":        {bare, `{"var":"external.valueSets.country-2-codes"}`, nil},
		"a token has no exp":                {bare, `{"var":"external.exp"}`, nil},
		"the whole payload reads as object": {bare, `{"var":"payload.format"}`, "zj-v1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			x, err := certlogic.Compile([]byte(tc.expr))
			if err != nil {
				t.Fatal(err)
			}
			v, err := x.Eval(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Interface(); !equal(got, tc.want) {
				t.Fatalf("%s = %#v, want %#v", tc.expr, got, tc.want)
			}
		})
	}
}

func equal(a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok || bok {
		if !aok || !bok || len(am) != len(bm) {
			return false
		}
		for k := range am {
			if !equal(am[k], bm[k]) {
				return false
			}
		}
		return true
	}
	return a == b
}

func TestParseValueSets(t *testing.T) {
	for name, in := range map[string]string{
		"not JSON":          `{`,
		"not an object":     `[]`,
		"null":              `null`,
		"a duplicate id":    `{"a":["x"],"a":["y"]}`,
		"codes not strings": `{"a":[1]}`,
		"an empty id":       `{"":["x"]}`,
		"invalid UTF-8":     "{\"a\":[\"\xff\"]}",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseValueSets([]byte(in)); err == nil {
				t.Fatalf("ParseValueSets(%q) accepted", in)
			}
		})
	}
	v, err := ParseValueSets(configs.EUValueSets())
	if err != nil || v.Kind() != certlogic.KindObject {
		t.Fatalf("the EU's value sets: %v %v", v.Kind(), err)
	}
}
