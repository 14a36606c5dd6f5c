package federation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hcgw/hcgw/mapping"
)

// flights collapses concurrent identical status queries into one call
// (DESIGN §7) while every caller keeps its own deadline: each waits on its
// own context, and the shared call runs until the latest deadline of those
// still waiting (a later caller with more time extends it), or until none
// is waiting. golang.org/x/sync/singleflight, used before, cannot extend a
// call: every later caller had the first one's deadline.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	done chan struct{}
	val  mapping.LiveStatus
	err  error

	// under flights.mu
	deadline time.Time
	timer    *time.Timer
	waiters  int
	cancel   context.CancelCauseFunc
	over     bool // cancelled: no one joins it any more
}

var (
	// errDeadline: the shared call ran out of the time its callers allow.
	errDeadline = errors.New("deadline passed")
	// errAbandoned: every caller gave up before the call answered.
	errAbandoned = fmt.Errorf("%w: every caller gave up", context.Canceled)
)

// do runs call once for key among concurrent callers, each bounded by its
// deadline and its ctx. call's context carries ctx's values, not its
// cancellation; its cause (context.Cause) is errDeadline or errAbandoned.
func (g *flights) do(ctx context.Context, key string, deadline time.Time,
	call func(context.Context) (mapping.LiveStatus, error)) (mapping.LiveStatus, error) {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[string]*flight{}
	}
	f := g.m[key]
	if f == nil || f.over {
		f = &flight{done: make(chan struct{}), deadline: deadline}
		cctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
		f.cancel = cancel
		f.timer = time.AfterFunc(time.Until(deadline), func() { g.expire(f) })
		g.m[key] = f
		go func() {
			v, err := call(cctx)
			g.mu.Lock()
			if g.m[key] == f {
				delete(g.m, key)
			}
			f.over = true
			f.timer.Stop()
			g.mu.Unlock()
			cancel(nil)
			f.val, f.err = v, err
			close(f.done)
		}()
	} else if deadline.After(f.deadline) {
		f.deadline = deadline
		f.timer.Reset(time.Until(deadline))
	}
	f.waiters++
	g.mu.Unlock()

	// The caller's own deadline is usually its context's (verify's): a
	// timer of its own only when the context allows more.
	var expired <-chan time.Time
	if d, ok := ctx.Deadline(); !ok || d.After(deadline) {
		wait := time.NewTimer(time.Until(deadline))
		defer wait.Stop()
		expired = wait.C
	}
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
	case <-expired:
	}
	cause := errDeadline
	if errors.Is(ctx.Err(), context.Canceled) {
		cause = errAbandoned
	}
	g.mu.Lock()
	f.waiters--
	last := f.waiters == 0
	g.mu.Unlock()
	if last {
		g.end(f, cause)
	}
	return mapping.LiveStatus{}, cause
}

// expire ends f when the latest deadline of its callers has passed (the
// timer may fire just as a later caller extends it).
func (g *flights) expire(f *flight) {
	g.mu.Lock()
	extended := time.Now().Before(f.deadline)
	g.mu.Unlock()
	if !extended {
		g.end(f, errDeadline)
	}
}

// end cancels f with cause, unless it answered already; no caller joins it
// afterwards.
func (g *flights) end(f *flight, cause error) {
	g.mu.Lock()
	if f.over {
		g.mu.Unlock()
		return
	}
	f.over = true
	g.mu.Unlock()
	f.cancel(cause)
}
