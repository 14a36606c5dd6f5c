package mapping

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// refPlainJSONString is plainString as it was, a byte at a time: the word-at-
// a-time plainString must accept exactly what it accepts.
func refPlainJSONString(b []byte, i int) ([]byte, int, bool) {
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

func samePlainJSONString(t *testing.T, b []byte, i int) {
	t.Helper()
	s, j, ok := PlainJSONString(b, i)
	rs, rj, rok := refPlainJSONString(b, i)
	if ok != rok || j != rj || !bytes.Equal(s, rs) {
		t.Fatalf("PlainJSONString(%q, %d) = %q, %d, %v; byte by byte %q, %d, %v", b, i, s, j, ok, rs, rj, rok)
	}
}

// TestPlainJSONStringWordBoundaries: strings of 0 to 40 bytes with one special
// byte (or character) at every position, so that it falls at the start,
// the middle and the end of an eight-byte word and in the tail after the
// last word, are accepted or refused as byte by byte.
func TestPlainJSONStringWordBoundaries(t *testing.T) {
	specials := []string{
		`\`, `"`, "\x00", "\x1f", " ", "\x7f", "[", "]", "\x5d", "\x9c", "\xdc", "\x80", "\xff",
		"é", "浦", "😀", "\xe6\xb5", "\xed\xa0\x80", "\xf4\x90\x80\x80", `\"`, "\t", "\n",
	}
	accepted := 0
	for n := 0; n <= 40; n++ {
		plain := strings.Repeat("a", n)
		for _, tail := range []string{`"`, `","x":"y"}`, ``} {
			samePlainJSONString(t, []byte(`"`+plain+tail), 0)
			for pos := 0; pos <= n; pos++ {
				for _, sp := range specials {
					b := []byte(`"` + plain[:pos] + sp + plain[pos:] + tail)
					samePlainJSONString(t, b, 0)
					if _, _, ok := PlainJSONString(b, 0); ok {
						accepted++
					}
					// Not at the start of the body.
					samePlainJSONString(t, append([]byte(`{"code":`), b...), 8)
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
		if _, _, ok := PlainJSONString([]byte(tc.in), 0); ok != tc.ok {
			t.Errorf("PlainJSONString(%q) took it: %v, want %v", tc.in, ok, tc.ok)
		}
		samePlainJSONString(t, []byte(tc.in), 0)
	}
}

// FuzzPlainJSONString holds plainString to the byte-by-byte reading.
func FuzzPlainJSONString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"abcdefgh\ijk"`, "\"abcdefg\x1f\"", `"浦东机场"`, "\"abcdefg\xe6\xb5\"", `"abcdefgh`, `""`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { samePlainJSONString(t, b, 0) })
}
