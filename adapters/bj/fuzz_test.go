package bj_test

import (
	"flag"
	"testing"

	"github.com/hcgw/hcgw/adapters/bj"
	"github.com/hcgw/hcgw/internal/adaptertest"
)

// The seed corpus under testdata/fuzz/FuzzDecode holds the seeds below as
// files; run `go test ./adapters/bj -run TestFuzzCorpus -update-fuzz-corpus`
// to rewrite them (after regenerating the golden vectors, say).
var updateFuzzCorpus = flag.Bool("update-fuzz-corpus", false, "rewrite the seed files under testdata/fuzz")

// seeds are the golden vectors' codes, truncations of the green one and
// junk (names starting with "valid" must decode), with Beijing's own.
func seeds(t testing.TB, w *adaptertest.JWS) map[string]string {
	t.Helper()
	return w.Seeds(t, map[string]string{"chinese_junk": bj.Prefix + "北京健康宝.张三丰.未见异常"})
}

func FuzzDecode(f *testing.F) {
	w := newWorld(f)
	w.FuzzDecode(f, seeds(f, w))
}

// FuzzDecodeClaims signs the fuzzed payload with Beijing's endorsed key,
// to reach the claims rules; a code is green only if its status claim is
// exactly "未见异常".
func FuzzDecodeClaims(f *testing.F) {
	w := newWorld(f)
	w.FuzzDecodeClaims(f, seeds(f, w), claimCases(f, w))
}

// TestFuzzCorpus keeps the seed files honest: each holds its seed, and
// decodes (or is refused) as a seed of its name must be.
func TestFuzzCorpus(t *testing.T) {
	w := newWorld(t)
	w.CheckCorpus(t, seeds(t, w), *updateFuzzCorpus)
}
