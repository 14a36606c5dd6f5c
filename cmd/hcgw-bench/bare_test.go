package main

import (
	"bytes"
	"crypto/ecdsa"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hcgw/hcgw/trust/p256"
)

// TestBareServicesAnswerAlike: the bare service with crypto/ecdsa and with
// the key's table says valid to the bench's codes and invalid to each with
// a signature byte changed, so the two rows of the comparison do the same
// work.
func TestBareServicesAnswerAlike(t *testing.T) {
	bn, bodies := benchCodes(t)
	pub := bn.keys["330000"].Public().Raw.(*ecdsa.PublicKey)
	tab, err := p256.NewTable(pub)
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]http.Handler{"crypto/ecdsa": bareHandler(pub), "table": bareHandlerWith(tab.Verify)} {
		for i, body := range bodies[:32] {
			damaged := bytes.Clone(body)
			// The body ends in the signature's last characters, then
			// `","checkpoint":"bench"}`: change one well inside it.
			at := bytes.Index(damaged, []byte(`","checkpoint"`)) - 10
			if damaged[at] == 'A' {
				damaged[at] = 'B'
			} else {
				damaged[at] = 'A'
			}
			for b, want := range map[*[]byte][]byte{&body: bareValid, &damaged: bareInvalid} {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("POST", "/v1/verify", bytes.NewReader(*b)))
				if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), want) {
					t.Fatalf("%s, code %d: %d %s, want %s", name, i, w.Code, w.Body, want)
				}
			}
		}
	}
}
