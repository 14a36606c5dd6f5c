package httpapi

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// fastDecoder is a request body with a decoder for its common shape that
// is quicker than encoding/json's reflection. decodeFast either decodes b
// exactly as json.Unmarshal would (and json.Unmarshal would succeed), or
// declines and leaves the value untouched; readJSON then falls back to
// json.Unmarshal, which also words every error. FuzzDecodeFast holds the
// two to the same result. It is not mapping's claims scanner: that one
// must word every refusal of a code's claims itself, where this one only
// declines and leaves the wording to json.Unmarshal.
type fastDecoder interface {
	decodeFast(b []byte) bool
}

// decodeFast takes the body every checkpoint sends to /v1/verify and
// /v1/convert: one object whose members are "code", "scene" and
// "checkpoint" spelled exactly so, each a string without escapes or
// control characters, in valid UTF-8. Anything else (other or
// differently-cased keys, escapes, null, other types, invalid UTF-8,
// trailing data, bad syntax) is declined. A repeated key keeps its last
// value, as json.Unmarshal does. json.Unmarshal validates the body byte by
// byte before decoding it a second time, on every verification.
func (r *verifyRequest) decodeFast(b []byte) bool {
	var out verifyRequest
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			key, j, ok := plainString(b, i)
			if !ok {
				return false
			}
			i = skipSpace(b, j)
			if i >= len(b) || b[i] != ':' {
				return false
			}
			value, j, ok := plainString(b, skipSpace(b, i+1))
			if !ok {
				return false
			}
			switch string(key) { // no allocation: the compiler compares in place
			case "code":
				s := string(value)
				out.Code = &s
			case "scene":
				out.Scene = string(value)
			case "checkpoint":
				out.Checkpoint = string(value)
			default:
				return false
			}
			i = skipSpace(b, j)
			if i >= len(b) {
				return false
			}
			if b[i] == '}' {
				i++
				break
			}
			if b[i] != ',' {
				return false
			}
			i = skipSpace(b, i+1)
		}
	}
	if skipSpace(b, i) != len(b) {
		return false
	}
	*r = out
	return true
}

// plainString reads a JSON string starting at b[i] that needs no
// unescaping: it returns its content and the index after its closing
// quote, or false for anything else (escapes, control characters,
// invalid UTF-8, no string).
func plainString(b []byte, i int) ([]byte, int, bool) {
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

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
