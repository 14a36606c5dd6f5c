package mapping_test

import (
	"testing"

	"github.com/hcgw/hcgw/mapping"
)

func TestValidRegion(t *testing.T) {
	tests := map[string]struct {
		in   string
		want bool
	}{
		"a province is a region":                       {"330000", true},
		"the national platform is a region":            {mapping.NationalRegion, true},
		"a city-level code has the same shape":         {"330102", true},
		"five digits are too few":                      {"33000", false},
		"seven digits are too many":                    {"3300000", false},
		"the empty string is not a region":             {"", false},
		"a letter is not a digit":                      {"33000a", false},
		"a sign is not a digit":                        {"-33000", false},
		"surrounding space is not trimmed":             {" 330000", false},
		"full-width digits are not ASCII digits":       {"３３００００", false},
		"Arabic-Indic digits are not ASCII digits":     {"٣٣٠٠٠٠", false},
		"six bytes of a multi-byte string are refused": {"张三", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := mapping.ValidRegion(tc.in); got != tc.want {
				t.Errorf("ValidRegion(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}
