package sh_test

import (
	"strings"
	"testing"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
)

// seeds derives FuzzDecode's seeds from the golden vectors: every code, two
// truncations of each, and junk around the format's edges. The corpus under
// testdata/fuzz/FuzzDecode holds the same, written by TestGenerateVectors.
func seeds(cases []adaptertest.Vector) map[string]string {
	return adaptertest.VectorSeeds(cases, map[string]string{
		"junk_empty":              "",
		"junk_prefix":             sh.Prefix,
		"junk_prefix_no_bar":      "SSM2",
		"junk_bars_only":          "SSM2|||||||",
		"junk_eight_ones":         "SSM2|1|1|1|1|1|1|1",
		"junk_nul":                "SSM2|\x00|0|1|1|a|aaaaa|A",
		"junk_invalid_utf8":       "SSM2|a|0|1|1|\xff|\xfe|A",
		"junk_huge_integers":      "SSM2|a|0|99999999999999999999|99999999999999999999|张*三|3101**********1234|AAAA",
		"junk_many_bars":          "SSM2" + strings.Repeat("|", 4000),
		"junk_unicode_digits":     "SSM2|a|0|١٢٣|٣٦٠٠|张*三|3101**********1234|AAAA",
		"junk_masked_holder_only": "SSM2|a|0|1795420740|3600|张*三|3101**********1234|" + strings.Repeat("A", 86),
	})
}

func FuzzDecode(f *testing.F) {
	w := newWorld(f)
	for _, s := range seeds(adaptertest.LoadVectors(f, sh.Format)) {
		f.Add(s)
	}
	kid := w.Key(f, "sh").Kid()
	f.Fuzz(func(t *testing.T, code string) {
		c, err := w.Dec.Decode(code, w.Env)
		if err != nil {
			checkRefusal(t, code, c, err)
			return
		}
		checkDecoded(t, code, c, kid)
	})
}

// FuzzDecodeSigned reaches the rules behind the signature, which FuzzDecode
// rarely does (a mutated code no longer verifies): the fuzzed body is signed
// with Shanghai's endorsed key first. Such a code is either decoded, or
// refused for its syntax or its key's window, never for its signature.
func FuzzDecodeSigned(f *testing.F) {
	w := newWorld(f)
	for _, c := range adaptertest.LoadVectors(f, sh.Format) {
		if i := strings.LastIndexByte(c.Code, '|'); i > 0 && len(c.Code) <= 4096 {
			f.Add(c.Code[:i])
		}
	}
	k := w.Key(f, "sh")
	kid := k.Kid()
	f.Fuzz(func(t *testing.T, body string) {
		code := signRaw(t, k, body)
		c, err := w.Dec.Decode(code, w.Env)
		if err != nil {
			checkRefusal(t, code, c, err)
			switch fault.ReasonOf(err) {
			case fault.Malformed, fault.KeyNotValid:
			default:
				t.Fatalf("a body signed by Shanghai's key refused with %v", err)
			}
			return
		}
		checkDecoded(t, code, c, kid)
	})
}

func checkRefusal(t *testing.T, code string, c *adapters.Code, err error) {
	t.Helper()
	p := adaptertest.CheckRefusal(t, c, err)
	adaptertest.CheckASCIIDetail(t, p)
	// Nor can a long run of digits (an identity number) from the input.
	f := strings.Split(code, "|")
	for _, i := range []int{5, 6} {
		if i < len(f) {
			for _, run := range digitRuns(f[i], 7) {
				if strings.Contains(p.Message, run) {
					t.Fatalf("detail %q repeats digits of field %d", p.Message, i+1)
				}
			}
		}
	}
}

func digitRuns(s string, min int) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= min {
			out = append(out, s[start:i])
		}
		start = -1
	}
	return out
}

// checkDecoded asserts what every decoded sh-v1 code guarantees.
func checkDecoded(t *testing.T, code string, c *adapters.Code, kid string) {
	t.Helper()
	adaptertest.CheckSigned(t, c, sh.Format, sh.Region, kid)
	if !c.StatusAt.Equal(c.IssuedAt) {
		t.Fatalf("status at %s, issued at %s", c.StatusAt, c.IssuedAt)
	}
	if c.ID == "" || len(c.ID) > 64 || !strings.Contains(code, "|"+c.ID+"|") || len(code) > sh.MaxCodeBytes {
		t.Fatalf("id %q of code %q", c.ID, code)
	}
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzDecode in step with the vectors:
// one file per seed, in the corpus format, holding that seed.
func TestFuzzCorpus(t *testing.T) {
	adaptertest.CheckCorpus(t, "FuzzDecode", seeds(adaptertest.LoadVectors(t, sh.Format)), "-run TestGenerateVectors -update", nil)
}
