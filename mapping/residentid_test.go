package mapping

import (
	"strings"
	"testing"
)

func TestParseResidentID(t *testing.T) {
	tests := map[string]struct {
		in, want string
		bad      bool
	}{
		"a number with a digit check":        {in: "110105194912310011", want: "110105194912310011"},
		"a number with an X check":           {in: "11010519491231002X", want: "11010519491231002X"},
		"a lowercase x is the same number":   {in: "11010519491231002x", want: "11010519491231002X"},
		"spaces around are not part of it":   {in: "  330102199001011234 ", want: "330102199001011234"},
		"a wrong check digit":                {in: "110105194912310012", bad: true},
		"a wrong check X":                    {in: "110105194912310021", bad: true},
		"17 digits":                          {in: "11010519491231002", bad: true},
		"19 characters":                      {in: "11010519491231002XX", bad: true},
		"a letter among the digits":          {in: "1101051949123100A1", bad: true},
		"separators":                         {in: "110105-19491231-0025", bad: true},
		"no such province (check is right)":  {in: "990105194912310023", bad: true},
		"no such date (check is right)":      {in: "110105194902300020", bad: true},
		"empty":                              {in: "", bad: true},
		"full-width digits are not digits":   {in: "１１０１０５１９４９１２３１００２５", bad: true},
		"a separator inside is not forgiven": {in: "11010519491231 002X", bad: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseResidentID(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("ParseResidentID(%q) = %q, want an error", tc.in, got)
				}
				if strings.Contains(err.Error(), strings.TrimSpace(tc.in)) && tc.in != "" {
					t.Fatalf("the error repeats the number: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseResidentID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// FuzzParseResidentID: whatever is accepted is 18 characters with a right
// check character, is found by HoldsIdentityNumber, and reads back as
// itself.
func FuzzParseResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "110105194912310011", "330102199001011234", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseResidentID(s)
		if err != nil {
			return
		}
		if len(got) != 18 || !HoldsIdentityNumber(got) {
			t.Fatalf("accepted %q as %q", s, got)
		}
		if again, err := ParseResidentID(got); err != nil || again != got {
			t.Fatalf("%q does not read back: %q %v", got, again, err)
		}
	})
}
