package mapping

import (
	"encoding/json"
	"unicode/utf8"
)

// AppendJSONString appends s as a JSON string exactly as encoding/json
// writes it (HTML-safe: <, > and & escaped, U+2028 and U+2029 escaped,
// invalid UTF-8 as U+FFFD). Plain text is copied as it is; anything else
// takes encoding/json's own path, so the two can never differ.
func AppendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendMarshalled(dst, s)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == '\u2028' || r == '\u2029' {
			return appendMarshalled(dst, s)
		}
		i += n
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func appendMarshalled(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(dst, b...)
}

// AppendJSON appends the holder as MarshalJSON writes it: masked values
// only.
func (h Holder) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"name":`...)
	dst = AppendJSONString(dst, safeName(h.Name))
	dst = append(dst, `,"id":`...)
	dst = AppendJSONString(dst, safeID(h.ID))
	return append(dst, '}')
}
