package mapping

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// PlainJSONString reads a JSON string starting at b[i] that needs no
// unescaping: it returns its content and the index after its closing
// quote, or false for anything else (escapes, control characters,
// invalid UTF-8, no string). The request bodies' fast decoder and the
// claims' plain reader both take their strings with it.
func PlainJSONString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	start := i + 1
	// No byte of a multi-byte UTF-8 character is a quote, so the first
	// quote ends the string, and a quote after a backslash is refused with
	// the backslash.
	n := bytes.IndexByte(b[start:], '"')
	if n < 0 {
		return nil, 0, false
	}
	s := b[start : start+n]
	if !plainASCII(s) && (!noEscapeOrControl(s) || !utf8.Valid(s)) {
		return nil, 0, false
	}
	return s, start + n + 1, true
}

const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainASCII reports whether s is ASCII without a control character or a
// backslash, eight bytes at a time. A word has a byte below n (n <= 0x80)
// exactly when (w - n*lows) &^ w & highs is not zero: the lowest such byte
// borrows and keeps its high bit clear in w; no other byte sets a bit.
func plainASCII(s []byte) bool {
	var bad uint64
	for len(s) >= 8 {
		w := binary.LittleEndian.Uint64(s)
		bad |= w | (w-0x20*lows)&^w | ((w^'\\'*lows)-lows)&^(w^'\\'*lows)
		s = s[8:]
	}
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return false
		}
		bad |= uint64(c)
	}
	return bad&highs == 0
}

// noEscapeOrControl reports whether s has no backslash and no control
// character (bytes of UTF-8 characters are neither).
func noEscapeOrControl(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return true
}
