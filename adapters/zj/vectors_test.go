package zj_test

import (
	"flag"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/adapters/zj"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/verify"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors/zj-v1.json and the FuzzDecode seed corpus")

// goldenVerifier is a gateway holding the golden trust material and no peer
// (no federation yet) at the golden time.
func goldenVerifier(t testing.TB) *verify.Verifier {
	t.Helper()
	return adaptertest.Verifier(t, zj.Region, newAdapter(t))
}

func generateVectors() []adaptertest.Vector {
	// Without a peer, an online-only code never passes: unverified, grey.
	online := func(name, code string) adaptertest.Vector {
		return adaptertest.Refused(name, code, fault.IssuerUnavailable)
	}
	bad := adaptertest.Refused
	return []adaptertest.Vector{
		online("valid_token", zj.Prefix+token32),
		online("valid_token_16", zj.Prefix+token32[:16]),
		online("valid_token_64", zj.Prefix+token32+token32),
		bad("bad_token", zj.Prefix+token32[:15], fault.Malformed),
		bad("token_too_long", zj.Prefix+token32+token32+"A", fault.Malformed),
		bad("token_bad_character", zj.Prefix+token32[:20]+"."+token32[21:], fault.Malformed),
		bad("query_string", zj.Prefix+token32+"?lang=zh", fault.Malformed),
		bad("trailing_slash", zj.Prefix+token32+"/", fault.Malformed),
		bad("http_scheme", "http://hc.zj.example/q/"+token32, fault.UnrecognizedFormat),
		bad("oversized", zj.Prefix+strings.Repeat("A", 5000-len(zj.Prefix)), fault.Malformed),
	}
}

// TestGenerateVectors rewrites the golden vectors and the fuzz seed corpus
// (go test ./adapters/zj -run TestGenerateVectors -update). Each case is
// checked against the verifier before anything is written.
func TestGenerateVectors(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite " + zj.Format + ".json")
	}
	cases := generateVectors()
	adaptertest.GenerateVectors(t, goldenVerifier(t), zj.Format, cases, neverValid)
	adaptertest.WriteCorpus(t, "FuzzDecode", seeds(cases))
}

// TestVectors runs every committed vector through a verifier, so that the
// vectors never drift from the behaviour.
func TestVectors(t *testing.T) {
	adaptertest.RunVectors(t, goldenVerifier(t), zj.Format, []string{"valid_token", "bad_token", "oversized"}, neverValid)
}

// neverValid: without its platform's answer a zj-v1 code never passes.
func neverValid(t *testing.T, c adaptertest.Vector, _ verify.Verdict) {
	if c.Result == string(fault.Valid) {
		t.Errorf("a zj-v1 code is never valid offline")
	}
}
