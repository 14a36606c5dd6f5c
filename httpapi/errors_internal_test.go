package httpapi

import (
	"bytes"
	"testing"

	"github.com/hcgw/hcgw/fault"
)

// TestEveryCodeIsDocumented: a kind is a wire code the moment this
// package can send it, so the OpenAPI description names every one (a new
// kind without its line there fails here).
func TestEveryCodeIsDocumented(t *testing.T) {
	for _, k := range fault.Kinds() {
		if !bytes.Contains(openAPISpec, []byte(k.Code())) {
			t.Errorf("code %q (kind %s) is not in openapi.yaml", k.Code(), k)
		}
	}
}

func TestMaskDigits(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"nothing to mask":                 {"dial tcp 10.0.0.7:3306: refused", "dial tcp 10.0.0.7:3306: refused"},
		"an identity number":              {"row of 330102199001011234 taken", "row of ****************** taken"},
		"one ending in X":                 {"id 33010219900101123X.", "id ******************."},
		"a legacy 15-digit number":        {"n=330102900101123", "n=***************"},
		"fourteen digits are no number":   {"t=20261201235959", "t=20261201235959"},
		"two numbers":                     {"330102199001011234,110101199003074477", "******************,******************"},
		"a number at the end of the text": {"x 330102199001011234", "x ******************"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := maskDigits(tc.in); got != tc.want {
				t.Errorf("maskDigits(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
