package verify

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/fault"
)

// batchParallelism is how many codes of one batch are verified at once:
// BatchParallelism (verify.batch_parallelism), one at a time when unset.
func (v *Verifier) batchParallelism() int { return max(v.BatchParallelism, 1) }

// evaluateBatch fills out, codes and recs for every request: at most
// batchParallelism at once, all within one deadline. A code whose issuer
// is being asked when the deadline passes gets the verdict of an issuer that
// could not be asked (DESIGN §4); a code not started by then is unverified
// (issuer_unavailable) without being decoded, and is recorded like any
// other. A panic in a worker is raised again in the caller's goroutine, as
// if the batch had run there.
func (v *Verifier) evaluateBatch(ctx context.Context, reqs []Request, out []Verdict, codes []*adapters.Code, recs []audit.Record, announced expecter) {
	d := v.BatchDeadline
	dctx, end := v.batchContext(ctx)
	defer end.end()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		panicked any
	)
	work := func() {
		defer func() {
			if p := recover(); p != nil {
				mu.Lock()
				if panicked == nil {
					panicked = p
				}
				mu.Unlock()
				next.Store(int64(len(reqs))) // the others stop taking codes
			}
		}()
		for {
			i := int(next.Add(1) - 1)
			if i >= len(reqs) {
				return
			}
			req := reqs[i]
			start := v.Clock()
			var (
				vd  Verdict
				c   *adapters.Code
				key string
			)
			if dctx.Err() != nil {
				vd = v.notReached(req.Code, d)
			} else {
				vd, c, key = v.evaluateRequest(dctx, req, announced)
			}
			out[i], recs[i] = v.answer(req, vd, c, key, start)
			codes[i] = c
		}
	}
	for range min(v.batchParallelism(), len(reqs)) {
		wg.Go(work)
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}

// batchContext ends at the batch's deadline. It cancels rather than
// expires: a call it cuts is the batch's doing, not a failure of the
// issuer, and must not count towards opening its breaker (federation counts
// a cancelled call as no failure, an expired one as a failure).
// With no BatchDeadline only ctx (the request's) ends it.
// Its end is a value, not a closure: one less allocation a verification.
func (v *Verifier) batchContext(ctx context.Context) (context.Context, batchEnd) {
	dctx, cancel := context.WithCancelCause(ctx)
	if v.BatchDeadline <= 0 {
		return dctx, batchEnd{cancel: cancel}
	}
	timer := time.AfterFunc(v.BatchDeadline, func() { cancel(errBatchDeadline) })
	return dctx, batchEnd{timer: timer, cancel: cancel}
}

// batchEnd ends a batchContext: its timer stopped, its context cancelled.
type batchEnd struct {
	timer  *time.Timer // nil: no BatchDeadline
	cancel context.CancelCauseFunc
}

func (e batchEnd) end() {
	if e.timer != nil {
		e.timer.Stop()
	}
	e.cancel(nil)
}

// errBatchDeadline is why a batch's context ends at its deadline.
var errBatchDeadline = errors.New("the batch's deadline passed")

// notReached is the verdict of a batch's code that its deadline left no
// time for: its status was never established, so it is unverified, never
// green. Only its format is told, which needs no decoding.
func (v *Verifier) notReached(code string, d time.Duration) Verdict {
	err := fault.Fail(fault.IssuerUnavailable, "not reached before the batch's request ended")
	if d > 0 {
		err = fault.Fail(fault.IssuerUnavailable, "not reached within the batch's deadline of %s", d)
	}
	vd := fail(err)
	if len(code) <= v.maxCodeBytes() {
		if a, ok := v.Adapters.Detect(code); ok {
			vd.Format = a.Format()
		}
	}
	return vd
}
