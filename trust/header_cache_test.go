package trust

import (
	"encoding/base64"
	"hash/maphash"
	"strings"
	"testing"
)

// TestHeaderCache: a header decodes the same from the cache as fresh; a
// header that does not decode is never cached; a huge one is not kept.
func TestHeaderCache(t *testing.T) {
	enc := func(json string) string { return base64.RawURLEncoding.EncodeToString([]byte(json)) }
	slot := func(seg string) *headerEntry {
		return headerCache[maphash.String(headerCacheSeed, seg)%uint64(len(headerCache))].Load()
	}
	tests := []struct {
		name   string
		seg    string
		want   Header
		bad    bool
		cached bool
	}{
		{"a plain header", enc(`{"alg":"ES256","kid":"k1","typ":"nic+jwt"}`), Header{Alg: "ES256", Kid: "k1", Typ: "nic+jwt"}, false, true},
		{"with crit", enc(`{"alg":"ES256","kid":"k2","typ":"nic+jwt","crit":["x"]}`), Header{Alg: "ES256", Kid: "k2", Typ: "nic+jwt", Crit: true}, false, true},
		{"kid not a string", enc(`{"alg":"ES256","kid":7}`), Header{}, true, false},
		{"b64 false", enc(`{"alg":"ES256","kid":"k3","b64":false}`), Header{}, true, false},
		{"not JSON", enc(`{"alg"`), Header{}, true, false},
		{"too long to keep", enc(`{"alg":"ES256","kid":"` + strings.Repeat("k", 600) + `"}`), Header{Alg: "ES256", Kid: strings.Repeat("k", 600)}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for round := 0; round < 2; round++ { // fresh, then from the cache if kept
				h, err := decodeHeader(tc.seg)
				if tc.bad {
					if err == nil {
						t.Fatalf("round %d: %+v decoded, want an error", round, h)
					}
				} else if err != nil || h != tc.want {
					t.Fatalf("round %d: %+v, %v; want %+v", round, h, err, tc.want)
				}
			}
			e := slot(tc.seg)
			if kept := e != nil && e.b64 == tc.seg; kept != tc.cached {
				t.Fatalf("kept in the cache: %v, want %v", kept, tc.cached)
			}
		})
	}
}
