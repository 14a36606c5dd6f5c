package mapping

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
