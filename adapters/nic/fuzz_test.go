package nic_test

import (
	"bytes"
	"crypto/ed25519"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// The seed corpus under testdata/fuzz/FuzzDecode holds the seeds below as
// files; run `go test ./adapters/nic -run TestFuzzCorpus -update-fuzz-corpus`
// to rewrite them after changing a seed.
var updateFuzzCorpus = flag.Bool("update-fuzz-corpus", false, "rewrite the seed files under testdata/fuzz")

const (
	zj = "330000"
	gd = "440000"
)

// seedKey is an Ed25519 key from a fixed seed: signatures made with it are
// the same on every run, so codes can be kept as corpus files.
func seedKey(t testing.TB, seed byte) *testkit.TestKey {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	k, err := jwk.FromRaw(priv)
	if err != nil {
		t.Fatal(err)
	}
	data := testkit.JSON(t, k)
	s, err := trust.ParsePrivateJWK(data)
	if err != nil {
		t.Fatal(err)
	}
	return &testkit.TestKey{Signer: s, Priv: priv, JWK: data}
}

// fuzzWorld is a registry holding one deterministic key endorsed by a
// deterministic root to sign Zhejiang's codes during 2026.
type fuzzWorld struct {
	root, zj, stranger *testkit.TestKey
	env                adapters.Env
	dec                adapters.Adapter
}

func newFuzzWorld(t testing.TB) *fuzzWorld {
	t.Helper()
	w := &fuzzWorld{root: seedKey(t, 1), zj: seedKey(t, 2), stranger: seedKey(t, 3), dec: nic.New()}
	tok, err := trust.SignEndorsement(w.root.Signer, trust.EndorsementSpec{Key: w.zj.Public(), Sub: zj,
		Use: []trust.Use{trust.UseCodes}, NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), IssuedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		JTI: "fuzz-zj"})
	if err != nil {
		t.Fatal(err)
	}
	reg := trust.NewRegistry(trust.Anchors{w.root.Kid(): w.root.Public()}, nil)
	if _, _, err := reg.AddEndorsement(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	w.env = adapters.Env{Trust: reg.Snapshot(), Skew: time.Minute}
	return w
}

func (w *fuzzWorld) encode(t testing.TB, c *mapping.Claims) string {
	t.Helper()
	code, err := nic.Encode(w.zj, c)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func claimsWith(f func(*mapping.Claims)) *mapping.Claims {
	c := testkit.Claims(zj, mapping.Green)
	f(c)
	return c
}

// seeds are the named seeds of FuzzDecode; names starting with "valid" must
// decode.
func (w *fuzzWorld) seeds(t testing.TB) map[string]string {
	t.Helper()
	valid := w.encode(t, testkit.Claims(zj, mapping.Green))
	token := strings.TrimPrefix(valid, nic.Prefix)
	parts := strings.Split(token, ".")
	payload := testkit.JSON(t, testkit.Claims(zj, mapping.Green))
	h := map[string]any{"alg": "EdDSA", "kid": w.zj.Kid(), "typ": nic.Typ}
	signed := func(p []byte) string { return nic.Prefix + testkit.SignRaw(t, w.zj, h, p) }
	replace := func(old, new string) []byte {
		if !bytes.Contains(payload, []byte(old)) {
			t.Fatalf("payload %s has no %s", payload, old)
		}
		return bytes.Replace(payload, []byte(old), []byte(new), 1)
	}
	vac := 2
	return map[string]string{
		"valid_green": valid,
		"valid_red_with_nat_and_vac": w.encode(t, claimsWith(func(c *mapping.Claims) {
			c.St = mapping.Red
			c.NAT = &mapping.NAT{Result: mapping.NATNegative, Time: c.IAT - 3600}
			c.Vac = &vac
		})),
		"valid_grey_short_name":      w.encode(t, claimsWith(func(c *mapping.Claims) { c.St, c.HN = mapping.Grey, "张" })),
		"truncated_by_one":           valid[:len(valid)-1],
		"truncated_in_half":          valid[:len(valid)/2],
		"truncated_at_the_signature": nic.Prefix + parts[0] + "." + parts[1] + ".",
		"bare_prefix":                nic.Prefix,
		"prefix_without_colon":       "NIC1",
		"lower_case_prefix":          "nic1:" + token,
		"alg_none": nic.Prefix + testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": w.zj.Kid(), "typ": nic.Typ})) +
			"." + parts[1] + ".",
		"alg_none_with_signature": nic.Prefix + testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": w.zj.Kid(), "typ": nic.Typ})) +
			"." + parts[1] + ".AAAA",
		"hs256_keyed_with_the_public_key": nic.Prefix + testkit.HMACToken(t, map[string]any{"alg": "HS256", "kid": w.zj.Kid(), "typ": nic.Typ},
			payload, testkit.JSON(t, w.zj.Public().JWK)),
		"header_alg_es256_for_an_ed25519_key": nic.Prefix + testkit.SignRaw(t, w.zj, map[string]any{"alg": "ES256", "kid": w.zj.Kid(), "typ": nic.Typ}, payload),
		"json_serialization": nic.Prefix + `{"payload":"` + parts[1] + `","signatures":[{"protected":"` + parts[0] +
			`","signature":"` + parts[2] + `"}]}`,
		"flattened_json_serialization": nic.Prefix + `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`,
		"huge_iat":                     signed(replace(`"iat":`, `"iat":1`+strings.Repeat("0", 30)+`,"x":`)),
		"iat_beyond_int64":             signed(replace(`"iat":`, `"iat":9223372036854775808,"x":`)),
		"exp_in_exponent_form":         signed(replace(`"exp":`, `"exp":1e400,"x":`)),
		"vac_huge":                     signed(append(bytes.TrimSuffix(payload, []byte("}")), `,"vac":99999999999999999999999}`...)),
		"invalid_utf8_in_the_name":     signed(replace(`"hn":"张*三"`, "\"hn\":\"\xff*\xfe\"")),
		"invalid_utf8_in_the_token":    nic.Prefix + parts[0] + ".\xff\xfe." + parts[2],
		"unmasked_name":                signed(replace(`"hn":"张*三"`, `"hn":"张小三"`)),
		"unmasked_id":                  signed(replace(`"hid":"3301**********1234"`, `"hid":"330102199001011234"`)),
		"trailing_object":              signed(append(bytes.Clone(payload), ` {}`...)),
		"stranger_for_unknown_region": nic.Prefix + testkit.SignRaw(t, w.stranger, map[string]any{"alg": "EdDSA", "kid": w.stranger.Kid(), "typ": nic.Typ},
			testkit.JSON(t, testkit.Claims(gd, mapping.Green))),
		"org_outside_scope": w.encode(t, claimsWith(func(c *mapping.Claims) { c.Org = gd })),
		"iss_not_the_keys":  w.encode(t, claimsWith(func(c *mapping.Claims) { c.Iss = gd })),
		"issued_in_2025":    w.encode(t, claimsWith(func(c *mapping.Claims) { c.IAT, c.SA, c.EXP = 1735000000, 1735000000, 1735003600 })),
		"crit_header":       nic.Prefix + testkit.SignRaw(t, w.zj, map[string]any{"alg": "EdDSA", "kid": w.zj.Kid(), "typ": nic.Typ, "crit": []string{"exp"}}, payload),
		"wrong_typ":         nic.Prefix + testkit.SignRaw(t, w.zj, map[string]any{"alg": "EdDSA", "kid": w.zj.Kid(), "typ": "JWT"}, payload),
		"empty":             "",
	}
}

func FuzzDecode(f *testing.F) {
	w := newFuzzWorld(f)
	for _, s := range w.seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		c, err := w.dec.Decode(code, w.env)
		if err != nil {
			adaptertest.CheckRefusal(t, c, err)
			return
		}
		checkDecoded(t, c, w.zj.Kid())
	})
}

// FuzzDecodeClaims reaches the claims and authority rules, which FuzzDecode
// rarely does (a mutated code no longer verifies): the fuzzed payload is
// signed with the endorsed key first.
func FuzzDecodeClaims(f *testing.F) {
	w := newFuzzWorld(f)
	for _, s := range w.seeds(f) {
		if tok, ok := strings.CutPrefix(s, nic.Prefix); ok {
			if _, p, err := trust.SplitCompact(tok); err == nil {
				f.Add(p)
			}
		}
	}
	h := map[string]any{"alg": "EdDSA", "kid": w.zj.Kid(), "typ": nic.Typ}
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := w.dec.Decode(nic.Prefix+testkit.SignRaw(t, w.zj, h, payload), w.env)
		if err != nil {
			adaptertest.CheckRefusal(t, c, err)
			switch fault.ReasonOf(err) {
			case fault.Malformed, fault.ScopeViolation, fault.KeyNotValid:
			default:
				t.Fatalf("a code signed by the endorsed key refused with %v", err)
			}
			return
		}
		checkDecoded(t, c, w.zj.Kid())
	})
}

// checkDecoded asserts what every decoded national code guarantees.
func checkDecoded(t *testing.T, c *adapters.Code, kid string) {
	t.Helper()
	// The key may only sign Zhejiang's codes.
	adaptertest.CheckSigned(t, c, nic.Format, zj, kid)
	if !mapping.ValidRegion(c.Iss) || c.ID == "" {
		t.Fatalf("iss %q id %q", c.Iss, c.ID)
	}
}

// TestFuzzCorpus keeps the seed files honest: each is in the corpus format
// with one string and holds its seed, the valid codes on disk still decode,
// and the hostile ones are still refused.
func TestFuzzCorpus(t *testing.T) {
	w := newFuzzWorld(t)
	seeds := w.seeds(t)
	if *updateFuzzCorpus {
		adaptertest.WriteCorpus(t, "FuzzDecode", seeds)
	}
	adaptertest.CheckCorpus(t, "FuzzDecode", seeds, "-update-fuzz-corpus", func(t *testing.T, name, s string) {
		c, err := w.dec.Decode(s, w.env)
		if strings.HasPrefix(name, "valid") {
			if err != nil {
				t.Fatalf("no longer decodes: %v", err)
			}
			checkDecoded(t, c, w.zj.Kid())
			return
		}
		if err == nil {
			t.Fatalf("a hostile seed decodes")
		}
		adaptertest.CheckRefusal(t, c, err)
	})
}
