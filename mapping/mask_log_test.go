package mapping_test

import (
	"testing"

	"github.com/hcgw/hcgw/mapping"
)

func TestMaskIdentityNumbers(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"nothing to mask":                 {"dial tcp 10.0.0.7:3306: refused", "dial tcp 10.0.0.7:3306: refused"},
		"an identity number":              {"row of 330102199001011234 taken", "row of ****************** taken"},
		"one ending in X":                 {"id 33010219900101123X.", "id ******************."},
		"a legacy 15-digit number":        {"n=330102900101123", "n=***************"},
		"fourteen digits are no number":   {"t=20261201235959", "t=20261201235959"},
		"two numbers":                     {"330102199001011234,110101199003074477", "******************,******************"},
		"a number at the end of the text": {"x 330102199001011234", "x ******************"},
		"a number spelt with separators":  {"id 330102-19900101-1234 at 10.0.0.7", "id ******-********-**** at **.*.*.*"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := mapping.MaskIdentityNumbers(tc.in); got != tc.want {
				t.Errorf("mapping.MaskIdentityNumbers(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzMaskIdentityNumbers: whatever the text, what is logged holds no
// identity number and keeps the text's length.
func FuzzMaskIdentityNumbers(f *testing.F) {
	f.Add("row of 330102199001011234 taken")
	f.Add("330102-19900101-123X")
	f.Add("n=330102900101123;")
	f.Fuzz(func(t *testing.T, s string) {
		got := mapping.MaskIdentityNumbers(s)
		if mapping.HoldsIdentityNumber(got) || len(got) != len(s) {
			t.Fatalf("MaskIdentityNumbers(%q) = %q", s, got)
		}
	})
}
