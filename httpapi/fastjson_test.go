package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeFastVerifyRequest(t *testing.T) {
	str := func(s string) *string { return &s }
	for name, tc := range map[string]struct {
		body string
		ok   bool // taken by the fast path
		want verifyRequest
	}{
		"code only":         {`{"code":"HC1:abc.def"}`, true, verifyRequest{Code: str("HC1:abc.def")}},
		"all three":         {`{"code":"a.b.c","scene":"transport","checkpoint":"gate-07"}`, true, verifyRequest{Code: str("a.b.c"), Scene: "transport", Checkpoint: "gate-07"}},
		"white space":       {" \t\r\n{ \"scene\" : \"s\" ,\n\"code\"\t:\"x\" } \n", true, verifyRequest{Code: str("x"), Scene: "s"}},
		"empty object":      {`{}`, true, verifyRequest{}},
		"empty code":        {`{"code":""}`, true, verifyRequest{Code: str("")}},
		"last repeat wins":  {`{"code":"first","code":"second"}`, true, verifyRequest{Code: str("second")}},
		"UTF-8":             {`{"checkpoint":"浦东机场","code":"x"}`, true, verifyRequest{Code: str("x"), Checkpoint: "浦东机场"}},
		"escape":            {`{"code":"a\u0041"}`, false, verifyRequest{}},
		"escaped quote":     {`{"code":"a\"b"}`, false, verifyRequest{}},
		"control character": {"{\"code\":\"a\tb\"}", false, verifyRequest{}},
		"invalid UTF-8":     {"{\"code\":\"a\xffb\"}", false, verifyRequest{}},
		"other key":         {`{"code":"x","extra":"y"}`, false, verifyRequest{}},
		"key in capitals":   {`{"CODE":"x"}`, false, verifyRequest{}},
		"null":              {`{"code":null}`, false, verifyRequest{}},
		"number":            {`{"code":1}`, false, verifyRequest{}},
		"array":             {`["code"]`, false, verifyRequest{}},
		"trailing data":     {`{"code":"x"} {}`, false, verifyRequest{}},
		"trailing comma":    {`{"code":"x",}`, false, verifyRequest{}},
		"missing colon":     {`{"code" "x"}`, false, verifyRequest{}},
		"unterminated":      {`{"code":"x`, false, verifyRequest{}},
		"unclosed object":   {`{"code":"x"`, false, verifyRequest{}},
		"empty":             {``, false, verifyRequest{}},
	} {
		t.Run(name, func(t *testing.T) {
			var got verifyRequest
			ok := got.decodeFast([]byte(tc.body))
			if ok != tc.ok {
				t.Fatalf("decodeFast(%q) took it: %v, want %v", tc.body, ok, tc.ok)
			}
			if !sameVerifyRequest(got, tc.want) {
				t.Fatalf("decodeFast(%q) = %s, want %s", tc.body, show(got), show(tc.want))
			}
		})
	}
}

// FuzzDecodeFast holds the fast path to json.Unmarshal: whatever it takes,
// json.Unmarshal must take too and decode to the same request.
func FuzzDecodeFast(f *testing.F) {
	for _, s := range []string{
		`{"code":"HC1:abc.def","scene":"transport","checkpoint":"gate-07"}`,
		`{"code":"a","code":"b"}`, `{"Code":"x"}`, `{"code":"\u00e9"}`, `{}`, ` { } `,
		`{"checkpoint":"浦东机场"}`, "{\"code\":\"\xed\xa0\x80\"}", `{"code":"x"}x`, `{"code":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast verifyRequest
		if !fast.decodeFast(b) {
			if fast != (verifyRequest{}) {
				t.Fatalf("declined %q but changed the request to %s", b, show(fast))
			}
			return
		}
		var std verifyRequest
		if err := json.Unmarshal(b, &std); err != nil {
			t.Fatalf("fast path took %q, json.Unmarshal refuses it: %v", b, err)
		}
		if !sameVerifyRequest(fast, std) {
			t.Fatalf("%q: fast path %s, json.Unmarshal %s", b, show(fast), show(std))
		}
	})
}

func sameVerifyRequest(a, b verifyRequest) bool {
	if (a.Code == nil) != (b.Code == nil) || a.Code != nil && *a.Code != *b.Code {
		return false
	}
	return a.Scene == b.Scene && a.Checkpoint == b.Checkpoint
}

func show(r verifyRequest) string {
	out, _ := json.Marshal(r)
	return string(out)
}

// refPlainString is plainString as it was, a byte at a time: the word-at-
// a-time plainString must accept exactly what it accepts.
func refPlainString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	start, ascii := i+1, true
	for j := start; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[start:j]
			if !ascii && !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, 0, false
}

func samePlainString(t *testing.T, b []byte, i int) {
	t.Helper()
	s, j, ok := plainString(b, i)
	rs, rj, rok := refPlainString(b, i)
	if ok != rok || j != rj || !bytes.Equal(s, rs) {
		t.Fatalf("plainString(%q, %d) = %q, %d, %v; byte by byte %q, %d, %v", b, i, s, j, ok, rs, rj, rok)
	}
}

// TestPlainStringWordBoundaries: strings of 0 to 40 bytes with one special
// byte (or character) at every position, so that it falls at the start,
// the middle and the end of an eight-byte word and in the tail after the
// last word, are accepted or refused as byte by byte.
func TestPlainStringWordBoundaries(t *testing.T) {
	specials := []string{
		`\`, `"`, "\x00", "\x1f", " ", "\x7f", "[", "]", "\x5d", "\x9c", "\xdc", "\x80", "\xff",
		"é", "浦", "😀", "\xe6\xb5", "\xed\xa0\x80", "\xf4\x90\x80\x80", `\"`, "\t", "\n",
	}
	accepted := 0
	for n := 0; n <= 40; n++ {
		plain := strings.Repeat("a", n)
		for _, tail := range []string{`"`, `","x":"y"}`, ``} {
			samePlainString(t, []byte(`"`+plain+tail), 0)
			for pos := 0; pos <= n; pos++ {
				for _, sp := range specials {
					b := []byte(`"` + plain[:pos] + sp + plain[pos:] + tail)
					samePlainString(t, b, 0)
					if _, _, ok := plainString(b, 0); ok {
						accepted++
					}
					// Not at the start of the body.
					samePlainString(t, append([]byte(`{"code":`), b...), 8)
				}
			}
		}
	}
	if accepted == 0 {
		t.Fatal("no case was accepted")
	}
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`"` + strings.Repeat("a", 7) + `"`, true},
		{`"` + strings.Repeat("a", 8) + `"`, true},
		{`"` + strings.Repeat("a", 8) + `\"`, false},
		{`"` + strings.Repeat("a", 16) + "\x1f" + `"`, false},
		{`"` + strings.Repeat("a", 15) + "\x7f" + `"`, true},
		{`"` + strings.Repeat("a", 7) + "浦" + strings.Repeat("a", 6) + `"`, true}, // a character across two words
		{`"` + strings.Repeat("a", 7) + "\xe6\xb5" + `"`, false},
		{`"` + strings.Repeat("a", 700) + `"`, true},
		{`"` + strings.Repeat("a", 699) + `\` + `"`, false},
		{`"`, false},
		{``, false},
	} {
		if _, _, ok := plainString([]byte(tc.in), 0); ok != tc.ok {
			t.Errorf("plainString(%q) took it: %v, want %v", tc.in, ok, tc.ok)
		}
		samePlainString(t, []byte(tc.in), 0)
	}
}

// FuzzPlainString holds plainString to the byte-by-byte reading.
func FuzzPlainString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"abcdefgh\ijk"`, "\"abcdefg\x1f\"", `"浦东机场"`, "\"abcdefg\xe6\xb5\"", `"abcdefgh`, `""`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { samePlainString(t, b, 0) })
}
