package federation_test

import (
	"context"
	"testing"
	"time"

	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/mapping"
)

// TestCancelledCallsDoNotHealABreaker: a call its caller gave up (a batch
// out of time) says nothing of the peer. Timeouts to a dead peer between
// such calls still open its breaker.
func TestCancelledCallsDoNotHealABreaker(t *testing.T) {
	n := newNation(t, shR, zjR)
	src := sourceFunc(func(ctx context.Context, _ string) (mapping.LiveStatus, error) {
		<-ctx.Done()
		return mapping.LiveStatus{}, ctx.Err()
	})
	zj := serve(t, serveResponder(n.responder(zjR, src, time.Now)))
	c := n.client(shR, map[string]string{zjR: zj.URL}, func(o *federation.Options) {
		o.Retries, o.Deadline, o.BreakerFailures = 0, 50*time.Millisecond, 3
	})
	for round := 0; round < 4 && c.BreakerState(zjR) == "closed"; round++ {
		for i := 0; i < 2; i++ { // two timeouts: failures
			_, _, _ = c.Status(context.Background(), zjR, "code-t")
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Millisecond, cancel)
		_, _, _ = c.Status(ctx, zjR, "code-c") // given up by its caller
		cancel()
	}
	if st := c.BreakerState(zjR); st != "open" {
		t.Fatalf("after timeouts and abandoned calls to a dead peer (threshold 3): breaker %s, want open", st)
	}
}
