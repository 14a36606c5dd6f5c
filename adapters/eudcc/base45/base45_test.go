package base45

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

// The examples of RFC 9285 §4.
func TestRFC9285Examples(t *testing.T) {
	tests := map[string]struct{ raw, enc string }{
		"AB (section 4.1)":       {"AB", "BB8"},
		"Hello!! (section 4.2)":  {"Hello!!", "%69 VD92EX0"},
		"base-45 (section 4.2)":  {"base-45", "UJCLQE7W581"},
		"ietf! (section 4.3)":    {"ietf!", "QED8WEX0"},
		"nothing":                {"", ""},
		"one zero byte":          {"\x00", "00"},
		"one 0xFF byte":          {"\xff", "U5"},
		"two 0xFF bytes":         {"\xff\xff", "FGW"},
		"the largest final pair": {"\x00\xff", "U50"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Encode([]byte(tc.raw)); got != tc.enc {
				t.Errorf("Encode = %q, want %q", got, tc.enc)
			}
			got, err := Decode(tc.enc)
			if err != nil || !bytes.Equal(got, []byte(tc.raw)) {
				t.Errorf("Decode = %q, %v; want %q", got, err, tc.raw)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	tests := map[string]struct {
		enc    string
		offset int
		why    string
	}{
		"a group above 65535 (RFC 9285 §4.3: GGW)": {"GGW", 0, "group exceeds two bytes"},
		"the largest overflowing group":            {":::", 0, "group exceeds two bytes"},
		"a final pair above 255":                   {"000V5", 3, "final pair exceeds one byte"},
		"a lone final pair above 255":              {"V5", 0, "final pair exceeds one byte"},
		"a single character":                       {"0", 0, "length leaves a single character"},
		"four characters":                          {"0000", 3, "length leaves a single character"},
		"a lower-case letter":                      {"00a", 2, "character outside the alphabet"},
		"a line feed":                              {"BB8\n00", 3, "character outside the alphabet"},
		"a non-ASCII byte in the final pair":       {"BB8\xc30", 3, "character outside the alphabet"},
		"a UTF-8 character":                        {"BB8\xc3\xa9", 3, "character outside the alphabet"},
		"padding":                                  {"BB8=", 3, "length leaves a single character"},
		"a NUL byte":                               {"B\x008", 1, "character outside the alphabet"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Decode(tc.enc)
			var ce *CorruptInputError
			if !errors.As(err, &ce) {
				t.Fatalf("Decode = %q, %v; want a CorruptInputError", got, err)
			}
			if got != nil {
				t.Errorf("bytes returned with the error: %q", got)
			}
			if ce.Offset != tc.offset || ce.Why != tc.why {
				t.Errorf("error %q at %d, want %q at %d", ce.Why, ce.Offset, tc.why, tc.offset)
			}
			if strings.Contains(err.Error(), tc.enc) && len(tc.enc) > 2 {
				t.Errorf("the error quotes the input: %v", err)
			}
		})
	}
}

// Every value of a group decodes and encodes back: the codec is a
// bijection on the groups, so the encoding is canonical.
func TestEveryGroupRoundTrips(t *testing.T) {
	for v := 0; v <= 0xFFFF; v++ {
		b := []byte{byte(v >> 8), byte(v)}
		enc := Encode(b)
		got, err := Decode(enc)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%04x: %q → %x, %v", v, enc, got, err)
		}
	}
	for v := 0; v <= 0xFF; v++ {
		enc := Encode([]byte{byte(v)})
		got, err := Decode(enc)
		if err != nil || len(got) != 1 || got[0] != byte(v) {
			t.Fatalf("%02x: %q → %x, %v", v, enc, got, err)
		}
	}
	// Every three-character string either decodes to the value it spells or
	// is refused: nothing in between.
	n := 0
	for _, a := range []byte(Alphabet) {
		for _, b := range []byte(Alphabet) {
			for _, c := range []byte(Alphabet) {
				s := string([]byte{a, b, c})
				got, err := Decode(s)
				if err != nil {
					continue
				}
				n++
				if Encode(got) != s {
					t.Fatalf("%q decodes to %x, which encodes to %q", s, got, Encode(got))
				}
			}
		}
	}
	if n != 0x10000 {
		t.Fatalf("%d three-character strings decode, want %d", n, 0x10000)
	}
}

func TestLengths(t *testing.T) {
	for n := 0; n < 100; n++ {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		enc := Encode(b)
		if len(enc) != EncodedLen(n) {
			t.Fatalf("EncodedLen(%d) = %d, encoding has %d", n, EncodedLen(n), len(enc))
		}
		if DecodedLen(len(enc)) != n {
			t.Fatalf("DecodedLen(%d) = %d, want %d", len(enc), DecodedLen(len(enc)), n)
		}
		got, err := Decode(enc)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%x: %v", b, err)
		}
	}
	for n := 1; n < 30; n += 3 {
		if DecodedLen(n) != -1 {
			t.Fatalf("DecodedLen(%d) = %d, want -1", n, DecodedLen(n))
		}
	}
}
