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

// DefaultBatchDeadline bounds a whole batch: past it, the codes not yet
// started are answered unverified rather than holding the request.
const DefaultBatchDeadline = 5 * time.Second

// DefaultBatchParallelism is how many codes of one batch are verified at
// once: enough to hide issuers' round trips, few enough that one batch
// cannot flood a peer (or the gateway's cores) on its own.
const DefaultBatchParallelism = 8

func (v *Verifier) batchDeadline() time.Duration {
	if v.BatchDeadline <= 0 {
		return DefaultBatchDeadline
	}
	return v.BatchDeadline
}

func (v *Verifier) batchParallelism() int {
	if v.BatchParallelism <= 0 {
		return DefaultBatchParallelism
	}
	return v.BatchParallelism
}

// evaluateBatch fills out, codes and recs for every request: at most
// batchParallelism at once, all within one deadline. A code whose issuer
// is being asked when the deadline passes gets the verdict of an issuer that
// could not be asked (DESIGN §4); a code not started by then is unverified
// (issuer_unavailable) without being decoded, and is recorded like any
// other. A panic in a worker is raised again in the caller's goroutine, as
// if the batch had run there.
func (v *Verifier) evaluateBatch(ctx context.Context, reqs []Request, out []Verdict, codes []*adapters.Code, recs []audit.Record, announced expecter) {
	d := v.batchDeadline()
	dctx, cancel := v.batchContext(ctx)
	defer cancel()
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
func (v *Verifier) batchContext(ctx context.Context) (context.Context, func()) {
	dctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(v.batchDeadline(), func() { cancel(errBatchDeadline) })
	return dctx, func() { timer.Stop(); cancel(nil) }
}

// errBatchDeadline is why a batch's context ends at its deadline.
var errBatchDeadline = errors.New("the batch's deadline passed")

// notReached is the verdict of a batch's code that its deadline left no
// time for: its status was never established, so it is unverified, never
// green. Only its format is told, which needs no decoding.
func (v *Verifier) notReached(code string, d time.Duration) Verdict {
	vd := fail(fault.Fail(fault.IssuerUnavailable, "not reached within the batch's deadline of %s", d))
	max := v.MaxCodeBytes
	if max <= 0 {
		max = DefaultMaxCodeBytes
	}
	if len(code) <= max {
		if a, ok := v.Adapters.Detect(code); ok {
			vd.Format = a.Format()
		}
	}
	return vd
}
