package zj_test

import (
	"strings"
	"testing"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/zj"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/mapping"
)

// seeds derives FuzzDecode's seeds from the golden vectors: every code, two
// truncations of each, and junk around the format's edges. The corpus under
// testdata/fuzz/FuzzDecode holds the same, written by TestGenerateVectors.
func seeds(cases []adaptertest.Vector) map[string]string {
	return adaptertest.VectorSeeds(cases, map[string]string{
		"junk_empty":            "",
		"junk_prefix":           zj.Prefix,
		"junk_prefix_no_slash":  strings.TrimSuffix(zj.Prefix, "/"),
		"junk_percent":          zj.Prefix + "%41%41%41%41%41%41%41%41",
		"junk_fragment":         zj.Prefix + token32 + "#",
		"junk_dot_segments":     zj.Prefix + "../../../../etc/passwd",
		"junk_invalid_utf8":     zj.Prefix + "\xff\xfe" + token32,
		"junk_sh_code":          "SSM2|a|0|1|1|张*三|3101**********1234|AAAA",
		"junk_nul_in_token":     zj.Prefix + token32[:16] + "\x00" + token32[16:],
		"junk_newline_in_token": zj.Prefix + token32[:16] + "\n",
	})
}

func FuzzDecode(f *testing.F) {
	w := adaptertest.NewWorld(f, zj.New)
	for _, s := range seeds(adaptertest.LoadVectors(f, zj.Format)) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		c, err := w.Dec.Decode(code, w.Env)
		if err != nil {
			p := adaptertest.CheckRefusal(t, c, err)
			if p.Kind != fault.Malformed {
				t.Fatalf("error %v: a bad zj-v1 code is malformed", err)
			}
			adaptertest.CheckASCIIDetail(t, p)
			return
		}
		checkDecoded(t, code, c)
	})
}

// checkDecoded asserts what every decoded zj-v1 code guarantees: an
// online-only code of Zhejiang, grey, without holder, whose ID is exactly
// the token of the URL.
func checkDecoded(t *testing.T, code string, c *adapters.Code) {
	t.Helper()
	if c == nil {
		t.Fatal("no code and no error")
	}
	if c.Format != zj.Format || c.Signed || c.Iss != zj.Region || c.Org != zj.Region || c.Kid != "" {
		t.Fatalf("format %s signed %v iss %s org %s kid %s", c.Format, c.Signed, c.Iss, c.Org, c.Kid)
	}
	if c.Status != mapping.Grey || !c.Status.Valid() {
		t.Fatalf("status %q: an online-only code has no status of its own", c.Status)
	}
	if c.Holder != (mapping.Holder{}) || c.NAT != nil || c.Vac != nil {
		t.Fatalf("a zj-v1 code carries no holder: %#v", c)
	}
	if code != zj.Prefix+c.ID || len(c.ID) < zj.MinToken || len(c.ID) > zj.MaxToken {
		t.Fatalf("id %q of code %q", c.ID, code)
	}
	for i := 0; i < len(c.ID); i++ {
		if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", rune(c.ID[i])) {
			t.Fatalf("token %q has %q", c.ID, c.ID[i])
		}
	}
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzDecode in step with the vectors.
func TestFuzzCorpus(t *testing.T) {
	adaptertest.CheckCorpus(t, "FuzzDecode", seeds(adaptertest.LoadVectors(t, zj.Format)), "-run TestGenerateVectors -update", nil)
}
