package trust

import (
	"encoding/base64"
	"strings"
	"testing"
)

// BenchmarkSplitCompact splits a token of a national code's size (a
// 700-byte payload part) with its header in the cache, as on the verify
// path: go test -run '^$' -bench SplitCompact -benchmem ./trust
func BenchmarkSplitCompact(b *testing.B) {
	enc := base64.RawURLEncoding.EncodeToString
	token := enc([]byte(`{"alg":"ES256","kid":"bench-k1","typ":"nic+jwt"}`)) + "." +
		enc([]byte(`{"v":1,"jti":"`+strings.Repeat("a", 500)+`"}`)) + "." + enc(make([]byte, 64))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := splitCompact(token); err != nil {
			b.Fatal(err)
		}
	}
}
