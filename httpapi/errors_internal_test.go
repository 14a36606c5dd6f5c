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
