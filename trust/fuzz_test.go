package trust_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// The seed corpora under testdata/fuzz/ hold the seeds below as files; run
// `go test ./trust -run TestFuzzCorpus -update-fuzz-corpus` to rewrite them
// after changing a seed. Anything a fuzzer finds is kept next to them.
var updateFuzzCorpus = flag.Bool("update-fuzz-corpus", false, "rewrite the seed files under testdata/fuzz")

// fuzzWorld is trust material that is the same on every run (Ed25519 is
// deterministic and the keys come from fixed seeds), so that tokens signed
// with it can be stored as corpus files and stay valid.
type fuzzWorld struct {
	root    *testkit.TestKey // the only anchor
	ed      *testkit.TestKey // an Ed25519 key to endorse
	ec      trust.Signer     // a P-256 key to endorse (public half only used)
	anchors trust.Anchors
}

func newFuzzWorld(t testing.TB) *fuzzWorld {
	t.Helper()
	w := &fuzzWorld{root: seedKey(t, 1), ed: seedKey(t, 2)}
	d := bytes.Repeat([]byte{3}, 32)
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		t.Fatal(err)
	}
	w.ec, err = trust.ParsePrivateJWK(rawJWK(t, priv))
	if err != nil {
		t.Fatal(err)
	}
	w.anchors = trust.Anchors{w.root.Kid(): w.root.Public()}
	return w
}

// fixed times: the corpus must not depend on the clock.
var (
	fuzzNBF = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fuzzEXP = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

func (w *fuzzWorld) endorse(t testing.TB, key trust.Signer, sub string, scope []string, jti string) string {
	t.Helper()
	tok, err := trust.SignEndorsement(w.root.Signer, trust.EndorsementSpec{Key: key.Public(), Sub: sub,
		Use: []trust.Use{trust.UseCodes, trust.UseStatus}, Scope: scope, NotBefore: fuzzNBF, NotAfter: fuzzEXP,
		IssuedAt: fuzzNBF, JTI: jti})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (w *fuzzWorld) claims(t testing.TB) map[string]any {
	t.Helper()
	c := endorsementClaims(t, w.ec, zj)
	c["nbf"], c["iat"], c["exp"] = fuzzNBF.Unix(), fuzzNBF.Unix(), fuzzEXP.Unix()
	return c
}

// endorsementSeeds are named seeds of FuzzParseEndorsement; names starting
// with "valid" must be accepted.
func (w *fuzzWorld) endorsementSeeds(t testing.TB) map[string]string {
	t.Helper()
	h := header(w.root, trust.TypEndorsement)
	valid := w.endorse(t, w.ec, zj, nil, "fuzz-ec")
	parts := strings.Split(valid, ".")
	payload := testkit.JSON(t, w.claims(t))
	sign := func(h map[string]any, p []byte) string { return testkit.SignRaw(t, w.root, h, p) }
	return map[string]string{
		"valid_p256_key":       valid,
		"valid_ed25519_hub":    w.endorse(t, w.ed, mapping.NationalRegion, []string{trust.Wildcard}, "fuzz-hub"),
		"valid_no_scope":       sign(h, testkit.JSON(t, with(w.claims(t), func(c map[string]any) { delete(c, "scope") }))),
		"valid_trailing_space": valid + "\n",
		"altered_payload":      parts[0] + "." + testkit.B64(testkit.JSON(t, with(w.claims(t), func(c map[string]any) { c["sub"] = sh }))) + "." + parts[2],
		"alg_none":             testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": w.root.Kid(), "typ": trust.TypEndorsement})) + "." + parts[1] + ".AAAA",
		"hs256_confusion":      testkit.HMACToken(t, map[string]any{"alg": "HS256", "kid": w.root.Kid(), "typ": trust.TypEndorsement}, payload, testkit.JSON(t, w.root.Public().JWK)),
		"crit_header":          sign(map[string]any{"alg": "EdDSA", "kid": w.root.Kid(), "typ": trust.TypEndorsement, "crit": []string{"b64"}, "b64": true}, payload),
		"b64_false":            sign(map[string]any{"alg": "EdDSA", "kid": w.root.Kid(), "typ": trust.TypEndorsement, "b64": false}, payload),
		"wrong_typ":            sign(header(w.root, trust.TypRevocation), payload),
		"private_jwk":          sign(h, testkit.JSON(t, with(w.claims(t), func(c map[string]any) { c["jwk"] = w.ed.JWK }))),
		"stray_brace":          sign(h, append(bytes.Clone(payload), '}')),
		"string_times":         sign(h, testkit.JSON(t, with(w.claims(t), func(c map[string]any) { c["nbf"] = strconv.FormatInt(fuzzNBF.Unix(), 10) }))),
		"huge_exp":             sign(h, []byte(strings.Replace(string(payload), `"exp":`, `"exp":9`+strings.Repeat("9", 30), 1))),
		"json_serialization":   `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`,
		"two_parts":            parts[0] + "." + parts[1],
		"padding":              valid + "==",
		"empty":                "",
		"dots":                 "..",
		"empty_objects":        "e30.e30.e30",
		"invalid_utf8":         "\xff\xfe." + parts[1] + "." + parts[2],
	}
}

func FuzzParseEndorsement(f *testing.F) {
	w := newFuzzWorld(f)
	for _, s := range w.endorsementSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		e, err := w.anchors.ParseEndorsement(token)
		if err != nil {
			if e != nil {
				t.Fatalf("endorsement returned with error %v", err)
			}
			var p *fault.Error
			if !errors.As(err, &p) {
				t.Fatalf("error %v (%T) is not a *fault.Error", err, err)
			}
			switch p.Kind {
			case fault.Malformed, fault.BadSignature, fault.UnknownKey:
			default:
				t.Fatalf("reason %s is not one a trust artefact can fail with", p.Kind)
			}
			return
		}
		checkEndorsement(t, e, w.root.Kid(), token)
	})
}

// FuzzEndorsementClaims reaches the claims rules, which FuzzParseEndorsement
// rarely does (a mutated token no longer verifies): the fuzzed bytes are
// signed by the anchor first.
func FuzzEndorsementClaims(f *testing.F) {
	w := newFuzzWorld(f)
	for _, s := range w.endorsementSeeds(f) {
		if _, payload, err := trust.SplitCompact(strings.TrimSpace(s)); err == nil {
			f.Add(payload)
		}
	}
	h := header(w.root, trust.TypEndorsement)
	f.Fuzz(func(t *testing.T, payload []byte) {
		token := testkit.SignRaw(t, w.root, h, payload)
		e, err := w.anchors.ParseEndorsement(token)
		if err != nil {
			if len(token) <= trust.MaxCompactJWS && fault.ReasonOf(err) != fault.Malformed {
				t.Fatalf("anchor-signed claims refused with %v, want malformed", err)
			}
			return
		}
		checkEndorsement(t, e, w.root.Kid(), token)
	})
}

// checkEndorsement asserts what every accepted endorsement guarantees.
func checkEndorsement(t *testing.T, e *trust.Endorsement, anchor, token string) {
	t.Helper()
	if e.Key == nil || e.Key.Kid != thumbprintOf(canonicalOf(t, e.Key.Raw)) {
		t.Fatalf("key %+v: kid is not the RFC 7638 thumbprint", e.Key)
	}
	if tp, err := trust.Thumbprint(e.Key.JWK); err != nil || tp != e.Key.Kid {
		t.Fatalf("JWK thumbprint %s, %v; kid %s", tp, err, e.Key.Kid)
	}
	if alg, err := trust.Alg(e.Key.Raw); err != nil || alg != e.Key.Alg {
		t.Fatalf("alg %s not pinned by the key type (%v)", e.Key.Alg, err)
	}
	if err := trust.CheckPublicKey(e.Key.Raw); err != nil {
		t.Fatalf("an unsound key was endorsed: %v", err)
	}
	if !mapping.ValidRegion(e.Sub) {
		t.Fatalf("sub %q is not a region", e.Sub)
	}
	if len(e.Use) == 0 {
		t.Fatal("no use")
	}
	for i, u := range e.Use {
		if u != trust.UseCodes && u != trust.UseStatus && u != trust.UseFederation && u != trust.UseRules || slices.Contains(e.Use[:i], u) {
			t.Fatalf("use %v", e.Use)
		}
	}
	if len(e.Scope) == 0 {
		t.Fatal("empty scope")
	}
	for _, s := range e.Scope {
		if s != trust.Wildcard && !mapping.ValidRegion(s) {
			t.Fatalf("scope %q", e.Scope)
		}
	}
	if !e.NotBefore.Before(e.NotAfter) || e.NotBefore.Unix() <= 0 || e.IssuedAt.Unix() <= 0 {
		t.Fatalf("window %s..%s, iat %s", e.NotBefore, e.NotAfter, e.IssuedAt)
	}
	if e.JTI == "" || len(e.JTI) > 128 || e.Anchor != anchor || e.JWS != strings.TrimSpace(token) {
		t.Fatalf("jti %q, anchor %s", e.JTI, e.Anchor)
	}
}

func FuzzSplitCompact(f *testing.F) {
	w := newFuzzWorld(f)
	for _, s := range w.splitSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		_, payload, err := trust.SplitCompact(token)
		if err != nil {
			if fault.ReasonOf(err) != fault.Malformed || payload != nil {
				t.Fatalf("error %v with payload %q", err, payload)
			}
			var p *fault.Error
			if !errors.As(err, &p) {
				t.Fatalf("error %v (%T) is not a *fault.Error", err, err)
			}
			return
		}
		if n := strings.Count(token, "."); n != 2 {
			t.Fatalf("accepted a token with %d dots", n)
		}
		if len(token) > trust.MaxCompactJWS {
			t.Fatalf("accepted %d bytes", len(token))
		}
		parts := strings.Split(token, ".")
		if parts[0] == "" || parts[2] == "" {
			t.Fatalf("accepted an empty header or signature")
		}
		for _, part := range parts {
			if strings.ContainsAny(part, "=+/ \t\r\n{}") {
				t.Fatalf("accepted a part outside base64url: %q", part)
			}
		}
		if want, err := base64.RawURLEncoding.DecodeString(parts[1]); err != nil || !bytes.Equal(payload, want) {
			t.Fatalf("payload %q is not the decoded middle part", payload)
		}
	})
}

func (w *fuzzWorld) splitSeeds(t testing.TB) map[string]string {
	t.Helper()
	valid := w.endorse(t, w.ec, zj, nil, "fuzz-ec")
	b := func(s string) string { return testkit.B64([]byte(s)) }
	return map[string]string{
		"valid":              valid,
		"empty_payload":      b(`{"alg":"EdDSA"}`) + "..AAAA",
		"empty":              "",
		"one_dot":            ".",
		"two_dots":           "..",
		"empty_header":       ".e30.AAAA",
		"empty_signature":    "e30.e30.",
		"four_parts":         "e30.e30.AAAA.AAAA",
		"padding":            "e30=.e30.AAAA",
		"header_not_object":  b(`[]`) + ".e30.AAAA",
		"alg_not_string":     b(`{"alg":1}`) + ".e30.AAAA",
		"crit":               b(`{"alg":"EdDSA","crit":["x"]}`) + ".e30.AAAA",
		"b64_false":          b(`{"alg":"EdDSA","b64":false}`) + ".e30.AAAA",
		"duplicate_alg":      b(`{"alg":"none","alg":"EdDSA"}`) + ".e30.AAAA",
		"json_serialization": `{"payload":"e30","protected":"e30","signature":"AAAA"}`,
		"standard_base64":    "e30+.e30/.AAAA",
		"bad_tail_bits":      "e31.e30.AAAB",
		"invalid_utf8":       "\xff.\xfe.\xfd",
		"over_the_limit":     "e30." + strings.Repeat("A", trust.MaxCompactJWS) + ".AAAA",
	}
}

// TestFuzzCorpus keeps the seed files honest: every file is in the corpus
// format with one string, and the "valid" endorsements on disk are still
// accepted by the deterministic world (a change to the rules that breaks
// them would otherwise silently leave the fuzzer with dead seeds).
func TestFuzzCorpus(t *testing.T) {
	w := newFuzzWorld(t)
	for target, seeds := range map[string]map[string]string{
		"FuzzParseEndorsement": w.endorsementSeeds(t),
		"FuzzSplitCompact":     w.splitSeeds(t),
		"FuzzParseRule":        w.ruleSeeds(t),
	} {
		dir := filepath.Join("testdata", "fuzz", target)
		if *updateFuzzCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, s := range seeds {
				if err := os.WriteFile(filepath.Join(dir, name), corpusFile(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name := range seeds {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: seed %s missing (run with -update-fuzz-corpus): %v", target, name, err)
				continue
			}
			s, err := parseCorpusFile(data)
			if err != nil {
				t.Errorf("%s/%s: %v", target, name, err)
				continue
			}
			if s != seeds[name] {
				t.Errorf("%s/%s differs from its seed (run with -update-fuzz-corpus)", target, name)
			}
			if target == "FuzzParseEndorsement" && strings.HasPrefix(name, "valid") {
				e, err := w.anchors.ParseEndorsement(s)
				if err != nil {
					t.Errorf("%s/%s is no longer accepted: %v", target, name, err)
					continue
				}
				checkEndorsement(t, e, w.root.Kid(), s)
			}
			if target == "FuzzParseRule" && strings.HasPrefix(name, "valid") {
				reg := trust.NewRegistry(w.anchors, nil)
				r, _, err := reg.AddRule(t.Context(), s)
				if err != nil {
					t.Errorf("%s/%s is no longer accepted: %v", target, name, err)
					continue
				}
				checkRule(t, r, s)
			}
		}
	}
}

func corpusFile(s string) []byte {
	return fmt.Appendf(nil, "go test fuzz v1\nstring(%s)\n", strconv.Quote(s))
}

func parseCorpusFile(data []byte) (string, error) {
	rest, ok := bytes.CutPrefix(data, []byte("go test fuzz v1\nstring("))
	if !ok {
		return "", errors.New("not a go test fuzz v1 file of one string")
	}
	quoted, ok := bytes.CutSuffix(bytes.TrimRight(rest, "\n"), []byte(")"))
	if !ok {
		return "", errors.New("no closing parenthesis")
	}
	return strconv.Unquote(string(quoted))
}
