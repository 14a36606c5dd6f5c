package mapping_test

import (
	"strings"
	"testing"

	"github.com/hcgw/hcgw/mapping"
)

func TestFreeTextProblem(t *testing.T) {
	cases := map[string]struct {
		in string
		ok bool
	}{
		"empty":                                     {"", true},
		"an English sentence":                       {"green on the code, yellow on the platform since Monday", true},
		"the form's words":                          {"核酸阴性，平台显示黄码", true},
		"a long sentence":                           {"核酸阴性但平台一直显示黄码", true},
		"a newline is text":                         {"绿码\n黄码", true},
		"a masked name is not a name":               {"张*三", true},
		"a flight number and a date":                {"MU5137 2026-11-30 航班", true},
		"a two-character name":                      {"张三", false},
		"a three-character name":                    {"王小明 核酸阴性", false},
		"a four-character name":                     {"欧阳娜娜", false},
		"a name inside a sentence with a cue":       {"我叫王小明核酸阴性", false},
		"我是 before a name":                          {"我是王小明，显示黄码", false},
		"a minority name with a middle dot":         {"买买提·艾力", false},
		"an identity number":                        {"my id 11010519491231002X", false},
		"an identity number spaced":                 {"110105 19491231 002X", false},
		"an identity number in full-width digits":   {"１１０１０５１９４９１２３１００２Ｘ", false},
		"an identity number between Han characters": {"身份证11010519491231002X号", false},
		"a legacy 15-digit number":                  {"110105491231002", false},
		"a bidi override":                           {"abc\u202edef", false},
		"a NUL":                                     {"a\x00b", false},
		"invalid UTF-8":                             {"\xff", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			why := mapping.FreeTextProblem(tc.in)
			if (why == "") != tc.ok {
				t.Fatalf("FreeTextProblem(%q) = %q, want ok=%v", tc.in, why, tc.ok)
			}
			if why != "" && tc.in != "" && strings.Contains(why, tc.in) {
				t.Fatalf("the answer repeats the text: %q", why)
			}
		})
	}
}

func TestFreeTextWordsAreAllowed(t *testing.T) {
	for _, w := range mapping.FreeTextWords {
		if why := mapping.FreeTextProblem(w); why != "" {
			t.Errorf("the form's word %q is refused: %s", w, why)
		}
	}
}

func FuzzFreeTextProblem(f *testing.F) {
	for _, s := range []string{"", "张三", "核酸阴性，平台显示黄码", "11010519491231002X", "买买提·艾力", "１１０", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		why := mapping.FreeTextProblem(s)
		if why == "" && mapping.HoldsIdentityNumber(s) {
			t.Fatalf("%q holds an identity number and passes", s)
		}
		if why != "" && len(s) > 8 && strings.Contains(why, s) {
			t.Fatalf("the answer repeats the text")
		}
	})
}
