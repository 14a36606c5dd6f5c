package verify_test

import (
	"context"
	"testing"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// TestUnsetBoundsAreNone: the verifier's deadlines and batch parallelism
// have no defaults of its own (config.Default holds them). One left at
// zero is none: no deadline on the issuer's call or on a batch, one code of
// a batch at a time. On the old code each took a built-in default (1.5 s,
// 5 s, 8) and the cases failed. (The code size keeps DESIGN §6's bound:
// without one, oversized codes of some formats would verify.)
func TestUnsetBoundsAreNone(t *testing.T) {
	t.Run("no deadline: the issuer is asked under the caller's context alone", func(t *testing.T) {
		w := newWorld(t)
		w.v.Deadline = 0
		var has bool
		w.v.Online = issuerFunc(func(ctx context.Context, _, _ string) (mapping.LiveStatus, bool, error) {
			_, has = ctx.Deadline()
			return mapping.LiveStatus{Status: mapping.Green, At: testkit.Now}, true, nil
		})
		vd, err := w.v.Verify(context.Background(), verify.Request{Code: code(t, w.zjKey, testkit.Claims(zj, mapping.Green))})
		if err != nil || vd.Result != fault.Valid || has {
			t.Fatalf("%+v, %v; the issuer's context had a deadline: %v", vd, err, has)
		}
	})
	t.Run("a deadline: the issuer's call is bounded by it", func(t *testing.T) {
		w := newWorld(t)
		var has bool
		w.v.Online = issuerFunc(func(ctx context.Context, _, _ string) (mapping.LiveStatus, bool, error) {
			_, has = ctx.Deadline()
			return mapping.LiveStatus{Status: mapping.Green, At: testkit.Now}, true, nil
		})
		if _, err := w.v.Verify(context.Background(), verify.Request{Code: code(t, w.zjKey, testkit.Claims(zj, mapping.Green))}); err != nil || !has {
			t.Fatalf("err %v; the issuer's context had a deadline: %v", err, has)
		}
	})
	t.Run("no batch parallelism: one code at a time, no batch deadline", func(t *testing.T) {
		w := newWorld(t)
		w.v.BatchParallelism, w.v.BatchDeadline = 0, 0
		var g gauge
		var deadline bool
		w.v.Online = issuerFunc(func(ctx context.Context, _, _ string) (mapping.LiveStatus, bool, error) {
			g.enter()
			defer g.leave()
			_, deadline = ctx.Deadline()
			return mapping.LiveStatus{Status: mapping.Green, At: testkit.Now}, true, nil
		})
		w.v.Deadline = 0
		reqs, _ := batchOf(t, w, 20)
		out, err := w.v.VerifyBatch(context.Background(), reqs)
		if err != nil || len(out) != 20 {
			t.Fatal(err)
		}
		for i, vd := range out {
			if vd.Result != fault.Valid {
				t.Fatalf("code %d: %+v", i, vd)
			}
		}
		if g.calls != 20 || g.peak != 1 || deadline {
			t.Fatalf("%d calls, at most %d at once, deadline %v; want 20, 1, none", g.calls, g.peak, deadline)
		}
	})
}
