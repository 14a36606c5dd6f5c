package mapping_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// The seed corpora under testdata/fuzz/ hold the same kind of inputs on disk,
// plus anything a fuzzer once found.

func FuzzParseClaims(f *testing.F) {
	for _, p := range [][]byte{
		payload(),
		payload(set("nat", `{"r":"negative","t":`+itoa(iat-60)+`}`), set("vac", "2")),
		payload(set("exp", itoa(iat+week))),
		payload(set("exp", itoa(iat+week+1))),
		payload(set("hn", `"张小三"`)),
		payload(set("hn", `"\u5f20*"`)),
		payload(set("v", "1.0")),
		payload(set("iat", "9223372036854775808")),
		payload(add("st", `"red"`)),
		payload(set("x", "[[[[{}]]]]")),
		payload(set("nat", `{"r":"positive","t":1,"t":1}`)),
		append(payload(), " {}"...),
		[]byte(`[]`),
		[]byte(`{}`),
		[]byte(``),
		[]byte("{\"hn\":\"\xff\"}"),
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		c, err := mapping.ParseClaims(p)
		if err != nil {
			if c != nil {
				t.Fatalf("claims returned with error %v", err)
			}
			var prob *fault.Error
			if !errors.As(err, &prob) || prob.Kind != fault.Malformed {
				t.Fatalf("error %v (%T) is not a malformed *fault.Error", err, err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted claims fail Validate: %v", err)
		}
		if !mapping.IsMaskedName(c.HN) || !mapping.IsMaskedID(c.HID) {
			t.Fatalf("accepted claims carry an unmasked holder")
		}
		// What was accepted survives a round trip through encoding/json.
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal accepted claims: %v", err)
		}
		back, err := mapping.ParseClaims(b)
		if err != nil {
			t.Fatalf("re-parse %s: %v", b, err)
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("round trip changed the claims: %+v → %+v", c, back)
		}
	})
}

func FuzzMaskName(f *testing.F) {
	for _, s := range []string{"张", "张三", "欧阳锋", "欧阳娜娜", "买买提·艾力", "John Smith", "Zoë O'Neil",
		"Zoe\u0308", " 张三 ", "\u3000张三", "张*", "欧*锋", "", " ", "张\x00三", "张\xff", "张\u202e三",
		strings.Repeat("名", 64), strings.Repeat("名", 65), "*", "a*", "**"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := mapping.MaskName(in)
		if want := err == nil && out == in; mapping.IsMaskedName(in) != want {
			t.Fatalf("IsMaskedName(%q) = %v, want %v (MaskName: %q, %v)", in, !want, want, out, err)
		}
		if err != nil {
			assertTemplated(t, err, nameErrors)
			return
		}
		again, err := mapping.MaskName(out)
		if err != nil || again != out {
			t.Fatalf("MaskName(%q) = %q, %v; not idempotent", out, again, err)
		}
		if !mapping.IsMaskedName(out) {
			t.Fatalf("IsMaskedName(%q) = false", out)
		}
		if utf8.RuneCountInString(in) >= 2 && !strings.Contains(in, "*") && out == in {
			t.Fatalf("MaskName(%q) returned its input", in)
		}
		trimmed := strings.TrimSpace(in)
		if n := utf8.RuneCountInString(trimmed); utf8.RuneCountInString(out) != n {
			t.Fatalf("MaskName(%q) = %q changed the length", in, out)
		}
		if n := utf8.RuneCountInString(out); n >= 2 && strings.Count(out, "*") < n-2+boolInt(n == 2) {
			t.Fatalf("MaskName(%q) = %q masks too little", in, out)
		}
	})
}

func FuzzMaskID(f *testing.F) {
	for _, s := range []string{"330102199001011234", "11010519491231002X", "11010519491231002x", "110105491231002",
		"E12345678", "G1234567", "H1234567890", "A1234", "3301**********1234", "E1*****78", "1234",
		strings.Repeat("1", 32), strings.Repeat("1", 33), "e12345678", " 330102199001011234 ", "x", "*****"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := mapping.MaskID(in)
		if want := err == nil && out == in; mapping.IsMaskedID(in) != want {
			t.Fatalf("IsMaskedID(%q) = %v, want %v (MaskID: %q, %v)", in, !want, want, out, err)
		}
		if err != nil {
			assertTemplated(t, err, idErrors)
			return
		}
		again, err := mapping.MaskID(out)
		if err != nil || again != out {
			t.Fatalf("MaskID(%q) = %q, %v; not idempotent", out, again, err)
		}
		if !mapping.IsMaskedID(out) {
			t.Fatalf("IsMaskedID(%q) = false", out)
		}
		if len(in) >= 2 && !strings.Contains(in, "*") && out == in {
			t.Fatalf("MaskID(%q) returned its input", in)
		}
		n := len(out)
		kept := n - strings.Count(out, "*")
		if n < 15 && 2*kept > n || n >= 15 && kept > 8 {
			t.Fatalf("MaskID(%q) = %q keeps %d of %d characters", in, out, kept, n)
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The error details of the masking functions: a detail is one of these
// templates, compared with digits removed, so it cannot carry any part of the
// input but a length or a position.
var (
	nameErrors = []string{
		"name: invalid UTF-8",
		"name: empty",
		"name: longer than 64 characters",
		"name: contains a control, format or separator character",
	}
	idErrors = []string{
		"identity number: must be 5 to 32 characters",
		"identity number: only digits, upper-case letters and '*' are allowed (position 1)",
	}
)

func assertTemplated(t *testing.T, err error, templates []string) {
	t.Helper()
	var p *fault.Error
	if !errors.As(err, &p) || p.Kind != fault.Malformed {
		t.Fatalf("error %v (%T) is not a malformed *fault.Error", err, err)
	}
	for _, tpl := range templates {
		if stripDigits(p.Message) == stripDigits(tpl) {
			return
		}
	}
	t.Fatalf("detail %q is not one of the fixed templates", p.Message)
}

func stripDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return -1
		}
		return r
	}, s)
}
