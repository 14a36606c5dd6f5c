package mapping_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

func TestMaskName(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		"a one-character name stays as it is":                       {"张", "张"},
		"a two-character name keeps its first character":            {"张三", "张*"},
		"a three-character name keeps first and last":               {"张小三", "张*三"},
		"a compound surname gets no special case":                   {"欧阳锋", "欧*锋"},
		"a four-character name masks the two in the middle":         {"欧阳娜娜", "欧**娜"},
		"a four-character compound surname is masked per character": {"司马相如", "司**如"},
		"a middle dot counts and is masked":                         {"买买提·艾力", "买****力"},
		"a long name with a middle dot":                             {"爱新觉罗·溥仪", "爱*****仪"},
		"a Latin name masks its space":                              {"John Smith", "J********h"},
		"accents, apostrophes and spaces are characters":            {"Zoë O'Neil", "Z********l"},
		"a single Latin letter stays as it is":                      {"A", "A"},
		"a combining mark counts as a character of its own":         {"Zoe\u0308", "Z**\u0308"},
		"characters outside the BMP are single characters":          {"𠀀𠀁", "𠀀*"},
		"three characters outside the BMP":                          {"𠀀𠀁𠀂", "𠀀*𠀂"},
		"surrounding white space is trimmed":                        {"  张三 \n", "张*"},
		"surrounding ideographic spaces are trimmed":                {"\u3000张三\u3000", "张*"},
		"a masked two-character name is its own mask":               {"张*", "张*"},
		"a masked three-character name is its own mask":             {"欧*锋", "欧*锋"},
		"a masked four-character name is its own mask":              {"欧**娜", "欧**娜"},
		"a name of exactly 64 characters is accepted":               {strings.Repeat("名", 64), "名" + strings.Repeat("*", 62) + "名"},
		"a single star is its own mask":                             {"*", "*"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := mapping.MaskName(tc.in)
			if err != nil {
				t.Fatalf("MaskName(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("MaskName(%q) = %q, want %q", tc.in, got, tc.want)
			}
			again, err := mapping.MaskName(got)
			if err != nil || again != got {
				t.Errorf("MaskName(%q) = %q, %v; masking is not idempotent", got, again, err)
			}
			if !mapping.IsMaskedName(got) {
				t.Errorf("IsMaskedName(%q) = false for MaskName's own output", got)
			}
		})
	}
}

func TestMaskNameRefuses(t *testing.T) {
	tests := map[string]struct {
		in string
	}{
		"an empty name":                     {""},
		"a name of white space only":        {" \t\u3000 "},
		"invalid UTF-8":                     {"张\xff三"},
		"a truncated UTF-8 sequence":        {"张三"[:4]},
		"a NUL inside":                      {"张\x00三"},
		"a newline inside":                  {"张\n三"},
		"a tab inside":                      {"张\t三"},
		"a DEL inside":                      {"张\x7f三"},
		"a C1 control character":            {"张\u0085三"},
		"a right-to-left override":          {"张\u202e三"},
		"a zero-width space":                {"张\u200b三"},
		"a byte order mark":                 {"\ufeff张三"},
		"a line separator":                  {"张\u2028三"},
		"the replacement character":         {"张\ufffd三"},
		"65 characters":                     {strings.Repeat("名", 65)},
		"65 Latin letters":                  {strings.Repeat("a", 65)},
		"a lone surrogate encoded in UTF-8": {"张\xed\xa0\x80"},
		"an overlong encoding of a slash":   {"a\xc0\xafb"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := mapping.MaskName(tc.in)
			if err == nil {
				t.Fatalf("MaskName(%q) = %q, want an error", tc.in, got)
			}
			assertMalformedWithout(t, err, strings.TrimSpace(tc.in))
			if mapping.IsMaskedName(tc.in) {
				t.Errorf("IsMaskedName(%q) = true for a refused name", tc.in)
			}
		})
	}
}

func TestMaskID(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		"an 18-digit resident number keeps 4 and 4":           {"330102199001011234", "3301**********1234"},
		"an 18-character number ending in X keeps the X":      {"11010519491231002X", "1101**********002X"},
		"a trailing lower-case x is upper-cased":              {"11010519491231002x", "1101**********002X"},
		"a 15-digit legacy number keeps 4 and 4":              {"110105491231002", "1101*******1002"},
		"a passport of 9 characters keeps 2 and 2":            {"E12345678", "E1*****78"},
		"a passport of 8 characters keeps 2 and 2":            {"G1234567", "G1****67"},
		"a Hong Kong/Macau travel permit keeps 2 and 2":       {"C12345678", "C1*****78"},
		"a home-return permit of 11 characters keeps 2 and 2": {"H1234567890", "H1*******90"},
		"a Taiwan permit of 8 digits keeps 2 and 2":           {"12345678", "12****78"},
		"five characters keep 1 and 1":                        {"A1234", "A***4"},
		"seven characters keep 1 and 1":                       {"A123456", "A*****6"},
		"fourteen characters keep 3 and 3":                    {"AB123456789012", "AB1********012"},
		"thirty-two characters keep 4 and 4":                  {strings.Repeat("1", 32), "1111" + strings.Repeat("*", 24) + "1111"},
		"surrounding white space is trimmed":                  {" 330102199001011234\n", "3301**********1234"},
		"a trailing x after white space is upper-cased":       {"11010519491231002x ", "1101**********002X"},
		"a masked resident number is its own mask":            {"3301**********1234", "3301**********1234"},
		"a masked number ending in X is its own mask":         {"1101**********002X", "1101**********002X"},
		"a masked passport is its own mask":                   {"E1*****78", "E1*****78"},
		"a half-masked number is masked further":              {"33010219900101****", "3301**************"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := mapping.MaskID(tc.in)
			if err != nil {
				t.Fatalf("MaskID(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("MaskID(%q) = %q, want %q", tc.in, got, tc.want)
			}
			again, err := mapping.MaskID(got)
			if err != nil || again != got {
				t.Errorf("MaskID(%q) = %q, %v; masking is not idempotent", got, again, err)
			}
			if !mapping.IsMaskedID(got) {
				t.Errorf("IsMaskedID(%q) = false for MaskID's own output", got)
			}
			if n := len(got); n < 15 && 2*strings.Count(got, "*") < n {
				t.Errorf("MaskID(%q) = %q masks less than half", tc.in, got)
			}
		})
	}
}

func TestMaskIDRefuses(t *testing.T) {
	tests := map[string]struct {
		in string
	}{
		"an empty number":                            {""},
		"white space only":                           {"   "},
		"four characters are too short":              {"1234"},
		"thirty-three characters are too long":       {strings.Repeat("1", 33)},
		"lower-case letters other than a trailing x": {"e12345678"},
		"a lower-case x that is not trailing":        {"1101051949123100x2"},
		"a hyphen":                                   {"E-1234567"},
		"a space inside":                             {"3301 02199001011234"},
		"full-width digits":                          {"３３０１０２１９９００１０１１２３４"},
		"a NUL inside":                               {"330102\x00199001011234"},
		"invalid UTF-8":                              {"330102\xff199001011234"},
		"a Chinese name in the number field":         {"张三张三张三"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := mapping.MaskID(tc.in)
			if err == nil {
				t.Fatalf("MaskID(%q) = %q, want an error", tc.in, got)
			}
			assertMalformedWithout(t, err, strings.TrimSpace(tc.in))
			if mapping.IsMaskedID(tc.in) {
				t.Errorf("IsMaskedID(%q) = true for a refused number", tc.in)
			}
		})
	}
}

func TestIsMaskedName(t *testing.T) {
	tests := map[string]struct {
		in   string
		want bool
	}{
		"a masked two-character name":               {"张*", true},
		"a masked compound surname":                 {"欧*锋", true},
		"a masked Latin name":                       {"J********h", true},
		"a one-character name is its own mask":      {"张", true},
		"a full two-character name is not masked":   {"张三", false},
		"a full three-character name is not masked": {"欧阳锋", false},
		"a full Latin name is not masked":           {"John Smith", false},
		"a star in the wrong place is not a mask":   {"*三", false},
		"too few stars is not a mask":               {"欧*娜娜", false},
		"the empty string is not a masked name":     {"", false},
		"surrounding space is not a masked name":    {" 张*", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := mapping.IsMaskedName(tc.in); got != tc.want {
				t.Errorf("IsMaskedName(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestIsMaskedID(t *testing.T) {
	tests := map[string]struct {
		in   string
		want bool
	}{
		"a masked resident number":                 {"3301**********1234", true},
		"a masked resident number ending in X":     {"1101**********002X", true},
		"a masked passport":                        {"E1*****78", true},
		"a full resident number is not masked":     {"330102199001011234", false},
		"a full passport number is not masked":     {"E12345678", false},
		"a lower-case x is not the masked form":    {"1101**********002x", false},
		"too few stars is not a mask":              {"330102********1234", false},
		"the empty string is not a masked number":  {"", false},
		"surrounding space is not a masked number": {"3301**********1234 ", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := mapping.IsMaskedID(tc.in); got != tc.want {
				t.Errorf("IsMaskedID(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestNewHolder(t *testing.T) {
	tests := map[string]struct {
		name, id string
		want     mapping.Holder
		wantErr  bool
	}{
		"full values are masked": {
			name: "欧阳娜娜", id: "11010519491231002x",
			want: mapping.Holder{Name: "欧**娜", ID: "1101**********002X"},
		},
		"masked values pass unchanged": {
			name: "张*", id: "3301**********1234",
			want: mapping.Holder{Name: "张*", ID: "3301**********1234"},
		},
		"a bad name is refused":      {name: "张\x00三", id: "330102199001011234", wantErr: true},
		"a bad number is refused":    {name: "张三", id: "3301-0219900101123", wantErr: true},
		"an empty name is refused":   {name: "", id: "330102199001011234", wantErr: true},
		"an empty number is refused": {name: "张三", id: "", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := mapping.NewHolder(tc.name, tc.id)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("NewHolder = %v, want an error", got)
				}
				if got != (mapping.Holder{}) {
					t.Errorf("NewHolder returned %#v with its error, want the zero Holder", got)
				}
				assertMalformedWithout(t, err, tc.name)
				assertMalformedWithout(t, err, tc.id)
				return
			}
			if err != nil {
				t.Fatalf("NewHolder: %v", err)
			}
			if got != tc.want {
				t.Errorf("NewHolder = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestHolderNeverPrintsFullValues(t *testing.T) {
	const fullName, fullID = "张小三", "330102199001011234"
	leaky := mapping.Holder{Name: fullName, ID: fullID} // built by hand, bypassing NewHolder
	tests := map[string]struct {
		got  string
		want string
	}{
		"String masks":                     {leaky.String(), "name=张*三 id=3301**********1234"},
		"%v masks":                         {fmt.Sprintf("%v", leaky), "name=张*三 id=3301**********1234"},
		"%+v masks":                        {fmt.Sprintf("%+v", leaky), "name=张*三 id=3301**********1234"},
		"%s of a pointer masks":            {fmt.Sprintf("%s", &leaky), "name=张*三 id=3301**********1234"},
		"%#v masks":                        {fmt.Sprintf("%#v", leaky), `mapping.Holder{Name:"张*三", ID:"3301**********1234"}`},
		"a field of a struct masks":        {fmt.Sprintf("%v", struct{ H mapping.Holder }{leaky}), "{name=张*三 id=3301**********1234}"},
		"the zero Holder shows dashes":     {mapping.Holder{}.String(), "name=- id=-"},
		"an unmaskable value is not shown": {mapping.Holder{Name: "张\n三", ID: "not an id"}.String(), "name=? id=?"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
			if strings.Contains(tc.got, fullName) || strings.Contains(tc.got, fullID) {
				t.Errorf("%q contains a full value", tc.got)
			}
		})
	}
}

func TestHolderJSON(t *testing.T) {
	tests := map[string]struct {
		h    mapping.Holder
		want string
	}{
		"masked values are written as they are": {
			mapping.Holder{Name: "张*", ID: "3301**********1234"}, `{"name":"张*","id":"3301**********1234"}`,
		},
		"full values set by hand are masked": {
			mapping.Holder{Name: "欧阳锋", ID: "330102199001011234"}, `{"name":"欧*锋","id":"3301**********1234"}`,
		},
		"the zero Holder is written empty": {
			mapping.Holder{}, `{"name":"","id":""}`,
		},
		"unmaskable values are written empty": {
			mapping.Holder{Name: "张\x00三", ID: "e12345678"}, `{"name":"","id":""}`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(tc.h)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("json.Marshal = %s, want %s", b, tc.want)
			}
			// A pointer and a struct field marshal the same way.
			b2, err := json.Marshal(struct {
				H *mapping.Holder `json:"h"`
			}{&tc.h})
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"h":` + tc.want + `}`; string(b2) != want {
				t.Errorf("json.Marshal(pointer) = %s, want %s", b2, want)
			}
			var back mapping.Holder
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("json.Unmarshal(%s): %v", b, err)
			}
		})
	}
}

// assertMalformedWithout checks that err is a *fault.Error with Reason fault.Malformed
// whose text does not contain secret.
func assertMalformedWithout(t *testing.T, err error, secret string) {
	t.Helper()
	var p *fault.Error
	if !errors.As(err, &p) {
		t.Fatalf("error %v is a %T, want *fault.Error", err, err)
	}
	if p.Kind != fault.Malformed {
		t.Errorf("reason %q, want %q", p.Kind, fault.Malformed)
	}
	if p.Message == "" {
		t.Errorf("no detail in %v", err)
	}
	if secret != "" && strings.Contains(err.Error(), secret) {
		t.Errorf("error %q echoes its input", err)
	}
}
