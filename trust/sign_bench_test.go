package trust_test

import (
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/trust"
)

// BenchmarkSignCompact is one compact JWS as the federation signs a status
// request or answer (a payload of ≈ 200 bytes): what each signature a call
// makes costs.
func BenchmarkSignCompact(b *testing.B) {
	payload := []byte(`{"iss":"310000","aud":"330000","iat":1764000000,"exp":1764000030,"jti":"0123456789abcdef0123456789abcdef","org":"330000","cid":"bench-token-000000000001"}`)
	for _, alg := range []jwa.SignatureAlgorithm{jwa.ES256, jwa.EdDSA} {
		b.Run(alg.String(), func(b *testing.B) {
			s, _, err := trust.GenerateKey(alg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.SignCompact(payload, "hcgw-status-request+jwt"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
