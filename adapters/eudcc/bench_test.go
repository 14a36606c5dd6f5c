package eudcc_test

import (
	"testing"

	"github.com/hcgw/hcgw/trust"
)

// BenchmarkDecodeES256 decodes and verifies one ES256 certificate: its
// signer checking with crypto/ecdsa, and with its table.
func BenchmarkDecodeES256(b *testing.B) {
	for _, c := range []struct {
		name  string
		after int
	}{{"crypto-ecdsa", 0xffff}, {"key-table", 1}} {
		b.Run(c.name, func(b *testing.B) {
			defer trust.SetTableAfter(trust.SetTableAfter(c.after))
			de := newSigner(b, signerSpec{country: "DE"})
			w := newWorld(b, de)
			code := qr(b, de.sign(b, claims(b, "DE", issued, expires, vaccination(2, 2)), signOpts{}))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.dec.Decode(code, w.env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
