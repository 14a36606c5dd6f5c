package mapping

import (
	"strings"
	"unicode/utf8"
)

// NotBase64URL returns the index of the first byte of s outside the
// base64url alphabet [A-Za-z0-9_-], or -1 when there is none. Code ids,
// tokens, jtis and request ids are all written in it: one alphabet needs
// no escaping in a URL, a header, a log line or a database key.
func NotBase64URL(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return i
		}
	}
	return -1
}

// IDText reports whether s is 1 to max characters of [A-Za-z0-9_-].
func IDText(s string, max int) bool {
	return len(s) >= 1 && len(s) <= max && NotBase64URL(s) < 0
}

// Clip is s as valid UTF-8 (U+FFFD for bad bytes) of at most n characters,
// cut on a character boundary: for database columns of n characters and for
// quoting untrusted values in messages.
func Clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
