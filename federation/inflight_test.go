package federation_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/mapping"
)

// One slow peer holds at most MaxInFlight calls of this gateway; the rest
// are refused at once as issuer_unavailable, and those refusals do not open
// the peer's breaker (they never reached it).
func TestCallsInFlightToOnePeerAreBounded(t *testing.T) {
	n := newNation(t, shR, zjR)
	var calls, inFlight, maxSeen atomic.Int64
	// Every caller settles, in the peer's source or refused, before the
	// source answers anyone: the slow peer is a gate, not a sleep.
	const callers = 10
	settled, release := make(chan struct{}, callers), make(chan struct{})
	slow := sourceFunc(func(ctx context.Context, cid string) (mapping.LiveStatus, error) {
		calls.Add(1)
		cur := inFlight.Add(1)
		for {
			m := maxSeen.Load()
			if cur <= m || maxSeen.CompareAndSwap(m, cur) {
				break
			}
		}
		defer inFlight.Add(-1)
		settled <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
			return mapping.LiveStatus{}, ctx.Err()
		}
		return mapping.LiveStatus{Status: mapping.Green, At: time.Now(), Expires: time.Now().Add(time.Minute)}, nil
	})
	zj := serve(t, serveResponder(n.responder(zjR, slow, time.Now)))
	c := n.client(shR, map[string]string{zjR: zj.URL}, func(o *federation.Options) {
		o.MaxInFlight, o.BreakerFailures, o.Deadline = 2, 3, 2*time.Second
	})
	var wg sync.WaitGroup
	var ok, busy atomic.Int64
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, _, err := c.Status(context.Background(), zjR, fmt.Sprintf("code-%d", i))
			switch {
			case err == nil:
				ok.Add(1)
			case fault.ReasonOf(err) == fault.IssuerUnavailable:
				busy.Add(1)
				settled <- struct{}{}
			default:
				t.Errorf("unexpected %v", err)
			}
		}(i)
	}
	for range callers {
		select {
		case <-settled:
		case <-time.After(10 * time.Second): // turns a hang into a failure
			t.Fatalf("callers not settled after 10 s: %d in flight at the peer, %d refused", inFlight.Load(), busy.Load())
		}
	}
	close(release)
	wg.Wait()
	if maxSeen.Load() > 2 || ok.Load() != 2 || busy.Load() != callers-ok.Load() {
		t.Fatalf("max in flight at the peer %d, answered %d, refused %d", maxSeen.Load(), ok.Load(), busy.Load())
	}
	if st := c.BreakerState(zjR); st != "closed" {
		t.Fatalf("refusals for too many in flight opened the breaker: %s", st)
	}
}
