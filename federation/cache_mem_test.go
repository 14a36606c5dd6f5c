package federation

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/mapping"
)

// BenchmarkCacheMemory measures the heap a cached status answer costs
// (issue #7: under 300 bytes each, a million of them under 500 MB with the
// registry). Run: go test -run '^$' -bench CacheMemory -benchtime 1x ./federation
func BenchmarkCacheMemory(b *testing.B) {
	const entries = 1_000_000
	now := time.Now()
	st := mapping.LiveStatus{Status: mapping.Green, At: now, Expires: now.Add(time.Minute),
		Holder: mapping.Holder{Name: "张*丰", ID: "3301**********1234"}}
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c := newAnswerCache(entries+1, time.Now)
		for j := 0; j < entries; j++ {
			// A realistic entry: org + NUL + a 22-character code id, and a
			// holder of its own (strings not shared between entries).
			e := st
			e.Holder = mapping.Holder{Name: strings.Clone(st.Holder.Name), ID: fmt.Sprintf("3301**********%04d", j%10000)}
			c.put(fmt.Sprintf("330000\x00code-%017d", j), e, nil, now.Add(time.Minute))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/entries, "B/entry")
		runtime.KeepAlive(c)
	}
}
