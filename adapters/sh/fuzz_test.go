package sh_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/mapping"
)

// seeds derives FuzzDecode's seeds from the golden vectors: every code, two
// truncations of each, and junk around the format's edges. The corpus under
// testdata/fuzz/FuzzDecode holds the same, written by TestGenerateVectors.
func seeds(cases []vectorCase) map[string]string {
	out := map[string]string{
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
	}
	for _, c := range cases {
		if len(c.Code) > 4096 {
			continue // the adapter refuses it at once; no need to carry 5 KB
		}
		out["vector_"+c.Name] = c.Code
		if len(c.Code) > 1 {
			out["truncated_"+c.Name+"_by_one"] = c.Code[:len(c.Code)-1]
			out["truncated_"+c.Name+"_in_half"] = c.Code[:len(c.Code)/2]
		}
	}
	return out
}

func FuzzDecode(f *testing.F) {
	w := newWorld(f)
	for _, s := range seeds(loadVectors(f)) {
		f.Add(s)
	}
	kids := map[string]bool{w.key(f, "sh").Kid(): true}
	f.Fuzz(func(t *testing.T, code string) {
		c, err := w.dec.Decode(code, w.env)
		if err != nil {
			checkRefusal(t, code, c, err)
			return
		}
		checkDecoded(t, code, c, kids)
	})
}

// FuzzDecodeSigned reaches the rules behind the signature, which FuzzDecode
// rarely does (a mutated code no longer verifies): the fuzzed body is signed
// with Shanghai's endorsed key first. Such a code is either decoded, or
// refused for its syntax or its key's window, never for its signature.
func FuzzDecodeSigned(f *testing.F) {
	w := newWorld(f)
	for _, c := range loadVectors(f) {
		if i := strings.LastIndexByte(c.Code, '|'); i > 0 && len(c.Code) <= 4096 {
			f.Add(c.Code[:i])
		}
	}
	k := w.key(f, "sh")
	kids := map[string]bool{k.Kid(): true}
	f.Fuzz(func(t *testing.T, body string) {
		code := signRaw(t, k, body)
		c, err := w.dec.Decode(code, w.env)
		if err != nil {
			checkRefusal(t, code, c, err)
			switch mapping.ReasonOf(err) {
			case mapping.Malformed, mapping.KeyNotValid:
			default:
				t.Fatalf("a body signed by Shanghai's key refused with %v", err)
			}
			return
		}
		checkDecoded(t, code, c, kids)
	})
}

func checkRefusal(t *testing.T, code string, c *adapters.Code, err error) {
	t.Helper()
	if c != nil {
		t.Fatalf("code returned with error %v", err)
	}
	var p *mapping.Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T) is not a *mapping.Problem", err, err)
	}
	if p.Reason.Result() != mapping.Invalid {
		t.Fatalf("reason %s: a decoder only says a code is invalid", p.Reason)
	}
	// Details are built from the adapter's own words, numbers and kids: never
	// a byte of the holder. Non-ASCII text (a name) or a long run of digits
	// (an identity number) from the input cannot appear in one.
	for i := 0; i < len(p.Detail); i++ {
		if p.Detail[i] < 0x20 || p.Detail[i] > 0x7e {
			t.Fatalf("detail %q is not printable ASCII", p.Detail)
		}
	}
	f := strings.Split(code, "|")
	for _, i := range []int{5, 6} {
		if i < len(f) {
			for _, run := range digitRuns(f[i], 7) {
				if strings.Contains(p.Detail, run) {
					t.Fatalf("detail %q repeats digits of field %d", p.Detail, i+1)
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
func checkDecoded(t *testing.T, code string, c *adapters.Code, kids map[string]bool) {
	t.Helper()
	if c == nil {
		t.Fatal("no code and no error")
	}
	if c.Format != sh.Format || !c.Signed || !kids[c.Kid] || c.Iss != sh.Region || c.Org != sh.Region {
		t.Fatalf("format %s signed %v kid %s iss %s org %s", c.Format, c.Signed, c.Kid, c.Iss, c.Org)
	}
	if !mapping.IsMaskedName(c.Holder.Name) || !mapping.IsMaskedID(c.Holder.ID) {
		t.Fatalf("holder is not masked: %#v", c.Holder)
	}
	if !c.Status.Valid() {
		t.Fatalf("status %q", c.Status)
	}
	if ttl := c.Expires.Sub(c.IssuedAt); ttl <= 0 || ttl > mapping.MaxValidity || !c.StatusAt.Equal(c.IssuedAt) {
		t.Fatalf("validity %s..%s, status at %s", c.IssuedAt, c.Expires, c.StatusAt)
	}
	if c.ID == "" || len(c.ID) > 64 || !strings.Contains(code, "|"+c.ID+"|") || len(code) > sh.MaxCodeBytes {
		t.Fatalf("id %q of code %q", c.ID, code)
	}
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzDecode in step with the vectors:
// one file per seed, in the corpus format, holding that seed.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	for name, seed := range seeds(loadVectors(t)) {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatalf("seed file missing (run with -run TestGenerateVectors -update): %v", err)
			}
			rest, ok := bytes.CutPrefix(data, []byte("go test fuzz v1\nstring("))
			quoted, ok2 := bytes.CutSuffix(bytes.TrimRight(rest, "\n"), []byte(")"))
			if !ok || !ok2 {
				t.Fatal("not a go test fuzz v1 file of one string")
			}
			s, err := strconv.Unquote(string(quoted))
			if err != nil {
				t.Fatal(err)
			}
			if s != seed {
				t.Error("file differs from the seed (run with -run TestGenerateVectors -update)")
			}
		})
	}
}
