package gateway_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// TestHostileCodes sends every kind of hostile code of issue #6 to a real
// gateway over HTTP: every one is answered 200 with an invalid verdict (or,
// for a body over the limit, 413), never 500, never valid, never green.
func TestHostileCodes(t *testing.T) {
	e := newEnv(t, "sqlite", "")
	r := start(t, e)
	zjKey := testkit.Key(t, jwa.ES256)
	if st, b := r.call(t, "POST", "/v1/trust/endorsements", adminToken, e.root.Endorse(zjKey, "330000", testkit.Spec{
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})); st != 201 {
		t.Fatalf("endorse %d %s", st, b)
	}
	c := testkit.ClaimsAt("330000", mapping.Green, time.Now())
	valid, err := nic.Encode(zjKey, c)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(valid, nic.Prefix)
	parts := strings.Split(token, ".")
	payload := testkit.JSON(t, c)
	hdr := func(extra map[string]any) map[string]any {
		h := map[string]any{"alg": "ES256", "kid": zjKey.Kid(), "typ": nic.Typ}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	signed := func(h map[string]any, p []byte) string { return nic.Prefix + testkit.SignRaw(t, zjKey, h, p) }
	attacker := testkit.Key(t, jwa.ES256)
	nested := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)

	cases := map[string][]string{
		"alg none":                       {nic.Prefix + testkit.B64(testkit.JSON(t, hdr(map[string]any{"alg": "none"}))) + "." + parts[1] + ".", nic.Prefix + testkit.B64(testkit.JSON(t, hdr(map[string]any{"alg": "none"}))) + "." + parts[1] + ".AAAA"},
		"HMAC keyed with the public key": {nic.Prefix + testkit.HMACToken(t, hdr(map[string]any{"alg": "HS256"}), payload, testkit.JSON(t, zjKey.Public().JWK))},
		"kid with path and SQL metacharacters": {
			signed(hdr(map[string]any{"kid": "../../../etc/passwd"}), payload),
			signed(hdr(map[string]any{"kid": "x' OR '1'='1"}), payload),
			signed(hdr(map[string]any{"kid": "\"; DROP TABLE records; --"}), payload)},
		"JSON serialization":                          {nic.Prefix + `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`},
		"two signatures (general JSON serialization)": {nic.Prefix + `{"payload":"` + parts[1] + `","signatures":[{"protected":"` + parts[0] + `","signature":"` + parts[2] + `"},{"protected":"` + parts[0] + `","signature":"` + parts[2] + `"}]}`},
		"header jwk / jku / x5u pointing elsewhere": {
			nic.Prefix + testkit.SignRaw(t, attacker, hdr(map[string]any{"jwk": attacker.Public().JWK}), payload),
			nic.Prefix + testkit.SignRaw(t, attacker, hdr(map[string]any{"jku": "http://127.0.0.1:9/jwks.json"}), payload),
			nic.Prefix + testkit.SignRaw(t, attacker, hdr(map[string]any{"x5u": "http://127.0.0.1:9/cert.pem"}), payload)},
		"critical headers":         {signed(hdr(map[string]any{"crit": []string{"exp"}, "exp": 1}), payload), signed(hdr(map[string]any{"crit": []string{}}), payload)},
		"a 1 MB field":             {signed(hdr(nil), []byte(`{"v":1,"hn":"`+strings.Repeat("a", 1<<20)+`"}`))},
		"deeply nested JSON":       {signed(hdr(nil), []byte(nested)), nic.Prefix + testkit.B64([]byte(nested)) + "." + parts[1] + "." + parts[2]},
		"invalid UTF-8":            {valid[:20] + "\xff\xfe" + valid[22:], nic.Prefix + "\xc3\x28.\xa0\xa1.\xe2\x28\xa1", signed(hdr(nil), []byte("{\"hn\":\"\xff\"}"))},
		"NUL bytes":                {valid[:30] + "\x00" + valid[31:], "\x00" + valid, signed(hdr(nil), []byte("{\"v\":1,\"hn\":\"a\u0000b\"}"))},
		"unknown kid, valid shape": {nic.Prefix + testkit.SignRaw(t, attacker, map[string]any{"alg": "ES256", "kid": attacker.Kid(), "typ": nic.Typ}, payload)},
	}
	var truncations []string
	for i := 0; i < len(valid); i++ {
		truncations = append(truncations, valid[:i])
	}
	cases["every truncation of a valid code"] = truncations

	total := 0
	for name, codes := range cases {
		t.Run(name, func(t *testing.T) {
			for i, code := range codes {
				body, _ := json.Marshal(map[string]string{"code": code})
				st, b := r.call(t, "POST", "/v1/verify", verifierToken, string(body))
				if st == 413 && len(body) > 64<<10 {
					continue // the body limit answers first: a request error, by design
				}
				if st == 400 && code == "" {
					continue // an empty code is a request error
				}
				var vd struct {
					Result fault.Result   `json:"result"`
					Status mapping.Status `json:"status"`
				}
				if st != 200 || json.Unmarshal(b, &vd) != nil {
					t.Fatalf("case %d: %d %s", i, st, b)
				}
				if vd.Result != fault.Invalid || vd.Status == mapping.Green {
					t.Fatalf("case %d (%q…) answered %s/%s", i, clipped(code), vd.Result, vd.Status)
				}
			}
		})
		total += len(codes)
	}
	t.Logf("%d hostile codes over %d kinds: all invalid (or 413 / 400 as request errors), none 500, none green", total, len(cases))
	testkit.Report(t, "hostile codes", "alg none, HMAC confusion, kid metacharacters, JSON serialization, two signatures, foreign jwk/jku/x5u, crit, 1 MB field, deep nesting, invalid UTF-8, NUL, unknown kid, every truncation of a valid code",
		total, fmt.Sprintf("%d kinds; all invalid (a body over 64 KiB: 413, an empty code: 400); no 500, no valid, no green", len(cases)))
}

func clipped(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return fmt.Sprint(s)
}
