package gateway_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// The issuer's gateway is killed and restarted while Shanghai verifies its
// codes under load: every answer is 200; while the issuer is gone, the
// signed status stands marked degraded; no answer is ever green without
// that mark when the issuer says red; after the restart answers are online
// again.
func TestPeerKilledAndRestartedMidLoad(t *testing.T) {
	f := newFed(t, []string{shR, zjR}, map[string][]string{shR: {zjR}}, "federation: {breaker_open: 500ms, cache_max_ttl: 0s}\n", nil)
	code := f.code(zjR, mapping.Green, mapping.Red) // signed green, live red
	zj := f.nodes[zjR]
	addr := zj.ln.Addr().String()

	var online, degraded, bad atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				vd, err := f.tryVerify(shR, code)
				switch {
				case err != nil:
					bad.Add(1)
					t.Error(err)
				case vd.Result == fault.Valid && vd.Status == mapping.Red && vd.Source == verify.SourceOnline:
					online.Add(1)
				case vd.Result == fault.Valid && vd.Status == mapping.Green && vd.Degraded:
					degraded.Add(1)
				default:
					bad.Add(1)
					t.Errorf("unexpected verdict %+v", vd)
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	zj.stop() // killed: its listener and its answers are gone
	time.Sleep(1500 * time.Millisecond)
	onlineBefore, degradedDuring := online.Load(), degraded.Load()

	// Restart Zhejiang on the same address with the same configuration.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(context.Background(), zj.g.Config, gateway.Options{Logger: testLogger(t), Platform: zj.platform})
	if err != nil {
		t.Fatal(err)
	}
	g.UseListener(ln)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(5 * time.Second)
	for online.Load() == onlineBefore && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("answers: %d online (red), %d degraded (signed green) — %d while the issuer was down, %d unexpected",
		online.Load(), degraded.Load(), degradedDuring, bad.Load())
	testkit.Report(t, "issuer killed and restarted mid-load", "6 checkpoints at Shanghai verifying a Zhejiang code (signed green, live red) while Zhejiang's gateway is stopped 1.5 s and restarted",
		int(online.Load()+degraded.Load()+bad.Load()), fmt.Sprintf("%d online red, %d signed green marked degraded (%d while down), %d unexpected; never green without degraded",
			online.Load(), degraded.Load(), degradedDuring, bad.Load()))
	if onlineBefore == 0 || degradedDuring == 0 || online.Load() == onlineBefore {
		t.Fatalf("want online answers before the kill (%d), degraded ones while down (%d), online ones after the restart (%d)",
			onlineBefore, degradedDuring, online.Load()-onlineBefore)
	}
}
