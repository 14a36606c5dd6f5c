package httpapi

import (
	"strings"
	"testing"
)

// BenchmarkDecodeFast decodes the body of /v1/verify with a code of about
// 700 bytes: go test -run '^$' -bench DecodeFast -benchmem ./httpapi
func BenchmarkDecodeFast(b *testing.B) {
	body := []byte(`{"code":"HC1:` + strings.Repeat("eyJhbGciOiJFUzI1NiJ9", 35) + `","scene":"transport","checkpoint":"gate-07"}`)
	b.ReportAllocs()
	for b.Loop() {
		var r verifyRequest
		if !r.decodeFast(body) {
			b.Fatal("declined")
		}
	}
}
