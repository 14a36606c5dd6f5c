package verify_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// provinces are n six-digit regions (100000, 101000, …).
func provinces(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%06d", 100000+i*1000)
	}
	return out
}

// BenchmarkVerifyScale verifies one code against registries of 10 and
// 10,000 keys spread over 4, 34 and 100 regions, and reports the
// registry's heap (issue #7: cost flat in keys and provinces; 10,000 keys
// and 1,000,000 cached answers under 500 MB).
func BenchmarkVerifyScale(b *testing.B) {
	for _, sc := range []struct{ keys, regions int }{{10, 4}, {10, 34}, {10_000, 34}, {10_000, 100}} {
		b.Run(fmt.Sprintf("keys=%d/regions=%d", sc.keys, sc.regions), func(b *testing.B) {
			root := testkit.NewRoot(b)
			regs := provinces(sc.regions)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			reg := trust.NewRegistry(root.Anchors(), nil)
			var signer *testkit.TestKey
			tokens := make([]string, 0, sc.keys)
			for i := 0; i < sc.keys; i++ {
				k := testkit.Key(b, jwa.EdDSA)
				if i == 0 {
					signer = k
				}
				tokens = append(tokens, root.Endorse(k, regs[i%len(regs)], testkit.Spec{JTI: fmt.Sprintf("e%d", i)}))
			}
			if n, bad, err := reg.AddAny(context.Background(), tokens); err != nil || len(bad) > 0 || n != sc.keys {
				b.Fatal(n, bad, err)
			}
			tokens = nil
			runtime.GC()
			runtime.ReadMemStats(&after)
			ads, _ := adapters.NewRegistry(nic.New())
			v := &verify.Verifier{Adapters: ads, Trust: reg, Clock: testkit.Clock, Skew: trust.DefaultSkew, Recorder: nopRecorder{}}
			code, err := nic.Encode(signer, testkit.Claims(regs[0], mapping.Green))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if vd, err := v.Verify(context.Background(), verify.Request{Code: code}); err != nil || vd.Result != fault.Valid {
					b.Fatal(vd, err)
				}
			}
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-registry")
		})
	}
}
