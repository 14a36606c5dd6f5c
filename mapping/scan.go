package mapping

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads the JSON of a claims object (RFC 8259, as strictly as
// encoding/json: no trailing commas, no leading zeros, no control characters
// in strings, only its four white-space characters) without building tokens:
// strings without escapes are slices of the input. It reads only what the
// claims parser asks for and stops at the first error, so an unexpected
// nested value costs nothing. The input is valid UTF-8 (checked by the
// caller) and its errors never quote it.
type scanner struct {
	b   []byte
	i   int
	buf []byte // unescaped string, reused
}

func (s *scanner) eof() bool { return s.i >= len(s.b) }

// peek is the byte at the cursor, 0 at the end.
func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// syntax is the error of the byte at the cursor, or of the input ending.
func (s *scanner) syntax() error {
	if s.eof() {
		return Fail(Malformed, "claims: unexpected end of JSON")
	}
	return Fail(Malformed, "claims: invalid JSON at byte %d", s.i)
}

// kind names the JSON type of the value at the cursor, for an error
// message; a literal that is not one is a syntax error.
func (s *scanner) kind() (string, error) {
	switch c := s.peek(); {
	case c == '{':
		return "an object", nil
	case c == '[':
		return "an array", nil
	case c == '"':
		return "a string", nil
	case c == '-' || '0' <= c && c <= '9':
		return "a number", nil
	case c == 't':
		return "a boolean", s.literal("true")
	case c == 'f':
		return "a boolean", s.literal("false")
	case c == 'n':
		return "null", s.literal("null")
	}
	return "", s.syntax()
}

func (s *scanner) literal(word string) error {
	for j := 0; j < len(word); j++ {
		if s.i+j >= len(s.b) {
			s.i += j
			return s.syntax()
		}
		if s.b[s.i+j] != word[j] {
			s.i += j
			return s.syntax()
		}
	}
	return nil
}

// object reads the object at the cursor ('{'), calling member for each key
// with the cursor on its value; member must consume the value. key is only
// valid until member reads a string.
func (s *scanner) object(member func(key []byte) error) error {
	s.i++ // '{'
	s.space()
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		s.space()
		if s.peek() != '"' {
			return s.syntax()
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		s.space()
		if s.peek() != ':' {
			return s.syntax()
		}
		s.i++
		s.space()
		if err := member(key); err != nil {
			return err
		}
		s.space()
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.syntax()
		}
	}
}

// str reads the string at the cursor ('"') and returns it unescaped. The
// result is a slice of the input when the string has no escape, else of
// s.buf.
func (s *scanner) str() ([]byte, error) {
	s.i++ // '"'
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], nil
		case c == '\\':
			s.buf = append(s.buf[:0], s.b[start:s.i]...)
			return s.escaped()
		case c < 0x20:
			return nil, s.syntax()
		}
		s.i++
	}
	return nil, s.syntax()
}

// escaped continues str from the first backslash, unescaping into s.buf as
// encoding/json does: a \u escape of a lone surrogate becomes U+FFFD.
func (s *scanner) escaped() ([]byte, error) {
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.buf, nil
		case c < 0x20:
			return nil, s.syntax()
		case c != '\\':
			s.buf = append(s.buf, c)
			s.i++
			continue
		}
		s.i++ // '\\'
		if s.eof() {
			return nil, s.syntax()
		}
		e := s.b[s.i]
		s.i++
		switch e {
		case '"', '\\', '/':
			s.buf = append(s.buf, e)
		case 'b':
			s.buf = append(s.buf, '\b')
		case 'f':
			s.buf = append(s.buf, '\f')
		case 'n':
			s.buf = append(s.buf, '\n')
		case 'r':
			s.buf = append(s.buf, '\r')
		case 't':
			s.buf = append(s.buf, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return nil, s.syntax()
			}
			if utf16.IsSurrogate(r) {
				hi := r
				r = unicode.ReplacementChar
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					save := s.i
					s.i += 2
					lo, ok := s.hex4()
					if pair := utf16.DecodeRune(hi, lo); ok && pair != unicode.ReplacementChar {
						r = pair
					} else {
						s.i = save // the second escape stands on its own
					}
				}
			}
			s.buf = utf8.AppendRune(s.buf, r)
		default:
			s.i--
			return nil, s.syntax()
		}
	}
	return nil, s.syntax()
}

// hex4 reads four hex digits at the cursor.
func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		s.i = len(s.b)
		return 0, false
	}
	var r rune
	for j := 0; j < 4; j++ {
		c := s.b[s.i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
		s.i++
	}
	return r, true
}

// number reads the JSON number at the cursor; integer is false when it has
// a fraction or an exponent.
func (s *scanner) number() (num []byte, integer bool, err error) {
	start := s.i
	if s.peek() == '-' {
		s.i++
	}
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return nil, false, s.syntax()
	}
	integer = true
	if s.peek() == '.' {
		integer = false
		s.i++
		if c := s.peek(); c < '0' || c > '9' {
			return nil, false, s.syntax()
		}
		s.digits()
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		integer = false
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if c := s.peek(); c < '0' || c > '9' {
			return nil, false, s.syntax()
		}
		s.digits()
	}
	return s.b[start:s.i], integer, nil
}

func (s *scanner) digits() {
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
}
