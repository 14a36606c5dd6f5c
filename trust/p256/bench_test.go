package p256_test

import (
	"crypto/sha256"
	"testing"

	"github.com/hcgw/hcgw/trust/p256"
)

// BenchmarkVerify: the table against crypto/ecdsa on one key and signature.
func BenchmarkVerify(b *testing.B) {
	d := sha256.Sum256([]byte("bench"))
	sig := sign(b, fixedKey, d[:])
	b.Run("table", func(b *testing.B) {
		for b.Loop() {
			if !fixedTable.Verify(d[:], sig) {
				b.Fatal("does not verify")
			}
		}
	})
	b.Run("crypto-ecdsa", func(b *testing.B) {
		for b.Loop() {
			if !stdlib(&fixedKey.PublicKey, d[:], sig) {
				b.Fatal("does not verify")
			}
		}
	})
}

func BenchmarkNewTable(b *testing.B) {
	for b.Loop() {
		if _, err := p256.NewTable(&fixedKey.PublicKey); err != nil {
			b.Fatal(err)
		}
	}
}
