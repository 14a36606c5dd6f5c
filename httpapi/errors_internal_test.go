package httpapi

import (
	"bytes"
	"net/http"
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

// TestHeaderKeysAreCanonical: header reads its keys without canonicalizing
// them, so a key spelt otherwise would never match.
func TestHeaderKeysAreCanonical(t *testing.T) {
	for _, k := range []string{requestIDHeader, authorizationHeader} {
		if c := http.CanonicalHeaderKey(k); c != k {
			t.Errorf("header key %q is not canonical: %q", k, c)
		}
	}
	h := http.Header{}
	h.Set("x-request-id", "a1")
	if got := header(h, requestIDHeader); got != h.Get("x-request-id") {
		t.Errorf("header = %q, Get = %q", got, h.Get("x-request-id"))
	}
	if got := header(h, authorizationHeader); got != "" {
		t.Errorf("an absent header reads %q", got)
	}
}
