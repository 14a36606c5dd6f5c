package base45

import (
	"fmt"
)

// Alphabet is the RFC 9285 alphabet: value i is Alphabet[i].
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// decodeMap maps a byte to its value, or 0xFF when it is not in Alphabet.
var decodeMap = func() (m [256]byte) {
	for i := range m {
		m[i] = 0xFF
	}
	for i := 0; i < len(Alphabet); i++ {
		m[Alphabet[i]] = byte(i)
	}
	return m
}()

// EncodedLen is the length of the encoding of n bytes.
func EncodedLen(n int) int { return n/2*3 + n%2*2 }

// DecodedLen is the length of the bytes of an encoding of n characters, or
// -1 when no encoding has that length.
func DecodedLen(n int) int {
	if n%3 == 1 {
		return -1
	}
	return n/3*2 + n%3/2
}

// Encode returns the Base45 encoding of src.
func Encode(src []byte) string {
	out := make([]byte, 0, EncodedLen(len(src)))
	for i := 0; i+1 < len(src); i += 2 {
		n := int(src[i])<<8 | int(src[i+1])
		out = append(out, Alphabet[n%45], Alphabet[n/45%45], Alphabet[n/(45*45)])
	}
	if len(src)%2 == 1 {
		n := int(src[len(src)-1])
		out = append(out, Alphabet[n%45], Alphabet[n/45])
	}
	return string(out)
}

// CorruptInputError reports where an encoding went wrong: the byte offset of
// the first character of the bad group, or of the bad character.
type CorruptInputError struct {
	Offset int
	Why    string
}

func (e *CorruptInputError) Error() string {
	return fmt.Sprintf("base45: %s at offset %d", e.Why, e.Offset)
}

// Decode returns the bytes s encodes. The error is a *CorruptInputError; it
// never quotes the input.
func Decode(s string) ([]byte, error) {
	n := DecodedLen(len(s))
	if n < 0 {
		return nil, &CorruptInputError{Offset: len(s) - 1, Why: "length leaves a single character"}
	}
	out := make([]byte, 0, n)
	for i := 0; i < len(s); i += 3 {
		if len(s)-i == 2 {
			c, d := decodeMap[s[i]], decodeMap[s[i+1]]
			if c == 0xFF || d == 0xFF {
				return nil, badChar(s, i)
			}
			v := int(c) + int(d)*45
			if v > 0xFF {
				return nil, &CorruptInputError{Offset: i, Why: "final pair exceeds one byte"}
			}
			out = append(out, byte(v))
			break
		}
		c, d, e := decodeMap[s[i]], decodeMap[s[i+1]], decodeMap[s[i+2]]
		if c == 0xFF || d == 0xFF || e == 0xFF {
			return nil, badChar(s, i)
		}
		v := int(c) + int(d)*45 + int(e)*45*45
		if v > 0xFFFF {
			return nil, &CorruptInputError{Offset: i, Why: "group exceeds two bytes"}
		}
		out = append(out, byte(v>>8), byte(v))
	}
	return out, nil
}

func badChar(s string, from int) error {
	for j := from; j < len(s); j++ {
		if decodeMap[s[j]] == 0xFF {
			return &CorruptInputError{Offset: j, Why: "character outside the alphabet"}
		}
	}
	return &CorruptInputError{Offset: from, Why: "character outside the alphabet"}
}
