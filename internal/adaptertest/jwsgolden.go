package adaptertest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// jwsRequiredVectors must be in a localjws format's golden file whatever
// else is.
var jwsRequiredVectors = []string{"green", "yellow", "red", "grey", "unknown_status_is_grey", "tampered_signature",
	"tampered_payload", "wrong_key", "revoked_key", "expired", "not_yet_valid", "malformed_base64",
	"malformed_missing_claim", "malformed_wrong_typ", "oversized"}

// checkVerdict asserts what a golden verdict of the format shows beyond
// result, reason and status.
func (w *JWS) checkVerdict(t *testing.T, c Vector, vd verify.Verdict) {
	t.Helper()
	if c.Name == "oversized" && len(c.Code) != 5000 {
		t.Fatalf("oversized code is %d bytes", len(c.Code))
	}
	if vd.Result == fault.Valid && (vd.Format != w.Spec.Format || vd.Issuer != w.Spec.Region || vd.Holder == nil ||
		vd.Holder.Name != MaskedName || vd.Holder.ID != MaskedID) {
		t.Fatalf("verdict %+v", vd)
	}
}

// RunVectors runs the committed golden file through the whole verifier.
func (w *JWS) RunVectors(t *testing.T) {
	RunVectors(t, Verifier(t, w.Spec.Region, w.Dec), w.Spec.Format, jwsRequiredVectors, w.checkVerdict)
}

// GenerateVectors writes the golden file from cases, each checked first.
func (w *JWS) GenerateVectors(t *testing.T, cases []Vector) {
	GenerateVectors(t, Verifier(t, w.Spec.Region, w.Dec), w.Spec.Format, cases, w.checkVerdict)
}

// Oversized is a code of exactly n bytes that would be valid but for its
// size: a green code padded with a claim the adapter ignores (and, as a
// base64url part is never 1 more than a multiple of 4 long, with a header
// member when the payload alone cannot reach n).
func (w *JWS) Oversized(t testing.TB, n int) string {
	t.Helper()
	k := w.Signer(t)
	green := fmt.Sprintf("%q:%q", w.Spec.Wire.Status, w.Green)
	for hpad := 0; hpad < 4; hpad++ {
		h := w.Header(k)
		if hpad > 0 {
			h["pad"] = strings.Repeat("x", hpad)
		}
		// Find the payload padding from the length of an unpadded code.
		base := len(w.Raw(t, k, h, []byte(w.Payload)))
		for pad := max(0, (n-base)*3/4-16); pad < (n-base)*3/4+16; pad++ {
			code := w.Raw(t, k, h, w.Replace(t, green, green+`,"pad":"`+strings.Repeat("x", pad)+`"`))
			if len(code) == n {
				if _, err := w.Dec.Decode(code, w.Env); err != nil {
					t.Fatalf("the padded code does not decode: %v", err)
				}
				return code
			}
		}
	}
	t.Fatalf("no padding gives a code of %d bytes", n)
	return ""
}

// Seeds are FuzzDecode's seeds: the golden vectors' codes (names starting
// with "valid" must decode), truncations of the green one, junk around the
// format's edges, and the package's own junk.
func (w *JWS) Seeds(t testing.TB, junk map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	var green string
	for _, v := range LoadVectors(t, w.Spec.Format) {
		name := "vector_" + v.Name
		if v.Result == string(fault.Valid) {
			name = "valid_" + v.Name
		}
		out[name] = v.Code
		if v.Name == "green" {
			green = v.Code
		}
	}
	if green == "" {
		t.Fatal("the golden vectors have no green case")
	}
	p := w.Spec.Prefix
	token := strings.TrimPrefix(green, p)
	parts := strings.Split(token, ".")
	for k, v := range map[string]string{
		"truncated_by_one":      green[:len(green)-1],
		"truncated_in_half":     green[:len(green)/2],
		"truncated_after_dot":   p + parts[0] + "." + parts[1] + ".",
		"without_signature":     p + parts[0] + "." + parts[1],
		"header_only":           p + parts[0],
		"empty":                 "",
		"bare_prefix":           p,
		"prefix_without_colon":  strings.TrimSuffix(p, ":"),
		"lower_case_prefix":     strings.ToLower(p) + token,
		"national_prefix":       "NIC1:" + token,
		"dots_only":             p + "..",
		"nul_bytes":             p + "\x00\x00.\x00.\x00",
		"invalid_utf8":          p + parts[0] + ".\xff\xfe." + parts[2],
		"padded_base64":         p + parts[0] + "==." + parts[1] + "." + parts[2],
		"four_parts":            green + ".AAAA",
		"json_serialization":    p + `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`,
		"header_not_an_object":  p + "W10." + parts[1] + "." + parts[2],
		"payload_empty_object":  p + parts[0] + ".e30." + parts[2],
		"signature_of_one_char": p + parts[0] + "." + parts[1] + ".A",
	} {
		out[k] = v
	}
	for k, v := range junk {
		out[k] = v
	}
	return out
}

// FuzzDecode fuzzes whole codes from seeds: whatever the input, the adapter
// refuses it as a decoder must, or returns a Code that keeps every promise
// of the format.
func (w *JWS) FuzzDecode(f *testing.F, seeds map[string]string) {
	kid := w.Signer(f).Kid()
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		c, err := w.Dec.Decode(code, w.Env)
		if err != nil {
			CheckRefusal(t, c, err)
			return
		}
		w.CheckDecoded(t, c, kid)
	})
}

// FuzzDecodeClaims reaches the claims rules, which FuzzDecode rarely does (a
// mutated code no longer verifies): the fuzzed payload is signed with the
// province's endorsed key first. Such a code is refused only as malformed or
// for its key's window; beyond the promises of every decoded code, it is
// green only if its status claim is exactly the green value.
func (w *JWS) FuzzDecodeClaims(f *testing.F, seeds map[string]string, claims map[string]ClaimCase) {
	k := w.Signer(f)
	for _, s := range seeds {
		if tok, ok := strings.CutPrefix(s, w.Spec.Prefix); ok {
			if _, p, err := trust.SplitCompact(tok); err == nil {
				f.Add(p)
			}
		}
	}
	for _, tc := range claims {
		f.Add(tc.Payload)
	}
	status := w.Spec.Wire.Status
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := w.Dec.Decode(w.Signed(t, k, payload), w.Env)
		if err != nil {
			CheckRefusal(t, c, err)
			switch fault.ReasonOf(err) {
			case fault.Malformed, fault.KeyNotValid:
			default:
				t.Fatalf("a payload signed by the endorsed key refused with %v", err)
			}
			return
		}
		w.CheckDecoded(t, c, k.Kid())
		if c.Status == mapping.Green {
			var m map[string]json.RawMessage
			var st string
			if json.Unmarshal(payload, &m) != nil || json.Unmarshal(m[status], &st) != nil || st != w.Green {
				t.Fatalf("green from status claim %s", m[status])
			}
		}
	})
}

// CheckDecoded asserts what every decoded code of the format guarantees.
func (w *JWS) CheckDecoded(t *testing.T, c *adapters.Code, kid string) {
	t.Helper()
	CheckSigned(t, c, w.Spec.Format, w.Spec.Region, kid)
	if !c.StatusAt.Equal(c.IssuedAt) {
		t.Fatalf("status at %s, issued at %s", c.StatusAt, c.IssuedAt)
	}
	if c.ID == "" || len(c.ID) > 64 || strings.Trim(c.ID, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
		t.Fatalf("code id %q", c.ID)
	}
	if c.NAT != nil || c.Vac != nil {
		t.Fatalf("%s carries no test or vaccination", w.Spec.Format)
	}
}

// CheckCorpus keeps the seed files of FuzzDecode honest, rewriting them
// first when update is set: each is in the corpus format with one string,
// holds its seed, and decodes (or is refused) as a seed of its name must be.
func (w *JWS) CheckCorpus(t *testing.T, seeds map[string]string, update bool) {
	if update {
		WriteCorpus(t, "FuzzDecode", seeds)
	}
	kid := w.Signer(t).Kid()
	CheckCorpus(t, "FuzzDecode", seeds, "-update-fuzz-corpus, after regenerating the vectors", func(t *testing.T, name, s string) {
		c, err := w.Dec.Decode(s, w.Env)
		if strings.HasPrefix(name, "valid_") {
			if err != nil {
				t.Fatalf("no longer decodes: %v", err)
			}
			w.CheckDecoded(t, c, kid)
			return
		}
		if err != nil {
			CheckRefusal(t, c, err)
			return
		}
		// Vectors refused by the verifier's clock or size rules decode.
		w.CheckDecoded(t, c, kid)
	})
}
