package mapping_test

import (
	"testing"

	"github.com/hcgw/hcgw/mapping"
)

func TestStatusSeverity(t *testing.T) {
	tests := map[string]struct {
		st   mapping.Status
		want int
	}{
		"green is the least severe":              {mapping.Green, 0},
		"grey is more severe than green":         {mapping.Grey, 1},
		"yellow is more severe than grey":        {mapping.Yellow, 2},
		"red is the most severe national status": {mapping.Red, 3},
		"an unknown value is worse than red":     {mapping.Status("purple"), 4},
		"the empty status is worse than red":     {mapping.Status(""), 4},
		"a capitalised value is not a status":    {mapping.Status("Green"), 4},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.st.Severity(); got != tc.want {
				t.Errorf("%q.Severity() = %d, want %d", tc.st, got, tc.want)
			}
		})
	}
}

func TestMostSevereAllPairs(t *testing.T) {
	g, e, y, r := mapping.Green, mapping.Grey, mapping.Yellow, mapping.Red
	tests := map[string]struct {
		a, b, want mapping.Status
	}{
		"green and green stay green":    {g, g, g},
		"green and grey give grey":      {g, e, e},
		"green and yellow give yellow":  {g, y, y},
		"green and red give red":        {g, r, r},
		"grey and green give grey":      {e, g, e},
		"grey and grey stay grey":       {e, e, e},
		"grey and yellow give yellow":   {e, y, y},
		"grey and red give red":         {e, r, r},
		"yellow and green give yellow":  {y, g, y},
		"yellow and grey give yellow":   {y, e, y},
		"yellow and yellow stay yellow": {y, y, y},
		"yellow and red give red":       {y, r, r},
		"red and green give red":        {r, g, r},
		"red and grey give red":         {r, e, r},
		"red and yellow give red":       {r, y, r},
		"red and red stay red":          {r, r, r},
	}
	if len(tests) != 16 {
		t.Fatalf("%d pairs, want all 16", len(tests))
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := mapping.MostSevere(tc.a, tc.b); got != tc.want {
				t.Errorf("MostSevere(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestMostSevereNeverPicksGreenOverAnUnknownValue(t *testing.T) {
	bad := mapping.Status("")
	for _, s := range mapping.Statuses {
		if got := mapping.MostSevere(s, bad); got != bad {
			t.Errorf("MostSevere(%s, %q) = %s, want the unknown value", s, bad, got)
		}
		if got := mapping.MostSevere(bad, s); got != bad {
			t.Errorf("MostSevere(%q, %s) = %s, want the unknown value", bad, s, got)
		}
	}
}

func TestParseStatus(t *testing.T) {
	tests := map[string]struct {
		in     string
		want   mapping.Status
		wantOK bool
	}{
		"green parses":                          {"green", mapping.Green, true},
		"yellow parses":                         {"yellow", mapping.Yellow, true},
		"red parses":                            {"red", mapping.Red, true},
		"grey parses":                           {"grey", mapping.Grey, true},
		"the American spelling is not a status": {"gray", "", false},
		"upper case is not a status":            {"GREEN", "", false},
		"the empty string is not a status":      {"", "", false},
		"a local value is not a status":         {"G", "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := mapping.ParseStatus(tc.in)
			if ok != tc.wantOK || (ok && got != tc.want) {
				t.Errorf("ParseStatus(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestStatusesAreOrderedLeastSevereFirst(t *testing.T) {
	for i := 1; i < len(mapping.Statuses); i++ {
		if mapping.Statuses[i-1].Severity() >= mapping.Statuses[i].Severity() {
			t.Errorf("Statuses[%d]=%s is not less severe than Statuses[%d]=%s", i-1, mapping.Statuses[i-1], i, mapping.Statuses[i])
		}
	}
}
