package verify_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// issuerFunc is a StatusSource made of one function.
type issuerFunc func(ctx context.Context, org, cid string) (mapping.LiveStatus, bool, error)

func (f issuerFunc) Status(ctx context.Context, org, cid string) (mapping.LiveStatus, bool, error) {
	return f(ctx, org, cid)
}

// gauge counts calls in flight and the most seen at once.
type gauge struct {
	mu        sync.Mutex
	now, peak int
	calls     int
}

func (g *gauge) enter() {
	g.mu.Lock()
	g.now++
	g.calls++
	g.peak = max(g.peak, g.now)
	g.mu.Unlock()
}

func (g *gauge) leave() { g.mu.Lock(); g.now--; g.mu.Unlock() }

// batchOf returns n signed codes of zj with distinct ids and statuses
// cycling green, yellow, red.
func batchOf(t *testing.T, w *world, n int) ([]verify.Request, []mapping.Status) {
	t.Helper()
	cycle := []mapping.Status{mapping.Green, mapping.Yellow, mapping.Red}
	reqs, sts := make([]verify.Request, n), make([]mapping.Status, n)
	for i := range reqs {
		sts[i] = cycle[i%len(cycle)]
		c := testkit.Claims(zj, sts[i])
		c.JTI = fmt.Sprintf("code-%d", i)
		reqs[i] = verify.Request{Code: code(t, w.zjKey, c), Checkpoint: "gate-1"}
	}
	return reqs, sts
}

func TestBatchBounds(t *testing.T) {
	t.Run("at most BatchParallelism codes are verified at once, every verdict in its place", func(t *testing.T) {
		w := newWorld(t)
		var g gauge
		// The first calls wait until five are in at once, and 20 ms more
		// for a sixth to show (a window that can only miss a bug): the
		// workers overlap by a gate, not by sleeping in every call.
		full := make(chan struct{})
		var fill sync.Once
		w.v.Online = issuerFunc(func(ctx context.Context, org, cid string) (mapping.LiveStatus, bool, error) {
			g.enter()
			defer g.leave()
			g.mu.Lock()
			if g.now == 5 {
				fill.Do(func() { time.AfterFunc(20*time.Millisecond, func() { close(full) }) })
			}
			g.mu.Unlock()
			select {
			case <-full:
			case <-ctx.Done():
				return mapping.LiveStatus{}, false, ctx.Err()
			}
			var i int
			fmt.Sscanf(cid, "code-%d", &i)
			st := []mapping.Status{mapping.Green, mapping.Yellow, mapping.Red}[i%3]
			return mapping.LiveStatus{Status: st, At: testkit.Now}, true, nil
		})
		w.v.BatchParallelism = 5
		reqs, sts := batchOf(t, w, 100)
		out, err := w.v.VerifyBatch(context.Background(), reqs)
		if err != nil {
			t.Fatal(err)
		}
		for i, vd := range out {
			if vd.Result != fault.Valid || vd.Status != sts[i] || vd.Source != verify.SourceOnline || vd.RecordID == "" {
				t.Fatalf("code %d: %+v", i, vd)
			}
		}
		if g.calls != 100 || g.peak != 5 {
			t.Fatalf("%d calls, at most %d at once; want 100, 5", g.calls, g.peak)
		}
		if len(w.rec.recs) != 100 {
			t.Fatalf("%d records", len(w.rec.recs))
		}
		for i, r := range w.rec.recs {
			if r.ID != out[i].RecordID || r.Status != string(sts[i]) || r.Checkpoint != "gate-1" {
				t.Fatalf("record %d: %+v for %+v", i, r, out[i])
			}
		}
	})

	t.Run("an issuer that never answers: codes asked keep their signed status, the others are unverified", func(t *testing.T) {
		w := newWorld(t)
		var g gauge
		w.v.Online = issuerFunc(func(ctx context.Context, org, cid string) (mapping.LiveStatus, bool, error) {
			g.enter()
			defer g.leave()
			<-ctx.Done()
			return mapping.LiveStatus{}, true, fault.Fail(fault.IssuerUnavailable, "%v", ctx.Err())
		})
		w.v.Deadline = time.Minute // the batch's deadline, not the code's, ends the wait
		w.v.BatchDeadline = 50 * time.Millisecond
		w.v.BatchParallelism = 4
		reqs, sts := batchOf(t, w, 20)
		reqs = append(reqs, verify.Request{Code: "junk"})
		out, err := w.v.VerifyBatch(context.Background(), reqs)
		if err != nil {
			t.Fatal(err)
		}
		asked, notReached := 0, 0
		for i, vd := range out {
			switch {
			case vd.Result == fault.Valid && vd.Degraded && vd.Source == verify.SourceOffline && vd.Status == sts[i]:
				asked++
			case vd.Result == fault.Unverified && vd.Reason == fault.IssuerUnavailable && vd.Status == mapping.Grey:
				notReached++
				if i < len(sts) && vd.Format != "nic-v1" || vd.Holder != nil || vd.Issuer != "" {
					t.Errorf("code %d not reached: %+v", i, vd)
				}
			default:
				t.Errorf("code %d: %+v", i, vd)
			}
		}
		if asked != 4 || notReached != 17 || g.calls != 4 {
			t.Fatalf("%d asked and cut, %d not reached, %d calls; want 4, 17 (with the junk), 4", asked, notReached, g.calls)
		}
		if len(w.rec.recs) != len(reqs) {
			t.Fatalf("%d records for %d codes", len(w.rec.recs), len(reqs))
		}
		for i, r := range w.rec.recs {
			if r.ID != out[i].RecordID || r.Result != string(out[i].Result) || r.Reason != out[i].Reason.String() || r.CodeSHA256 == "" {
				t.Fatalf("record %d: %+v for %+v", i, r, out[i])
			}
		}
	})

	t.Run("a request that ends stops the batch: the rest is unverified and still recorded", func(t *testing.T) {
		w := newWorld(t)
		ctx, cancel := context.WithCancel(context.Background())
		w.v.Online = issuerFunc(func(ctx context.Context, org, cid string) (mapping.LiveStatus, bool, error) {
			cancel() // the checkpoint hangs up while the first code is out
			<-ctx.Done()
			return mapping.LiveStatus{}, true, ctx.Err()
		})
		w.v.BatchParallelism = 1
		reqs, _ := batchOf(t, w, 5)
		out, err := w.v.VerifyBatch(ctx, reqs)
		if err != nil {
			t.Fatal(err)
		}
		for i, vd := range out[1:] {
			if vd.Result != fault.Unverified || vd.Reason != fault.IssuerUnavailable {
				t.Fatalf("code %d: %+v", i+1, vd)
			}
		}
		if len(w.rec.recs) != 5 {
			t.Fatalf("%d records", len(w.rec.recs))
		}
	})

	t.Run("a batch of one code is bounded by the batch's deadline too, which cancels", func(t *testing.T) {
		w := newWorld(t)
		ended := make(chan error, 1)
		w.v.Online = issuerFunc(func(ctx context.Context, org, cid string) (mapping.LiveStatus, bool, error) {
			<-ctx.Done()
			ended <- ctx.Err()
			return mapping.LiveStatus{}, true, fault.Fail(fault.IssuerUnavailable, "%v", ctx.Err())
		})
		w.v.Deadline, w.v.BatchDeadline = time.Minute, 20*time.Millisecond
		reqs, sts := batchOf(t, w, 1)
		out, err := w.v.VerifyBatch(context.Background(), reqs)
		if err != nil || out[0].Result != fault.Valid || !out[0].Degraded || out[0].Status != sts[0] {
			t.Fatalf("%+v %v", out, err)
		}
		// Cancelled, not expired: the issuer's breaker does not count it.
		if e := <-ended; !errors.Is(e, context.Canceled) {
			t.Fatalf("the call ended with %v", e)
		}
	})

	t.Run("a panic in a worker is raised in the caller, nothing recorded", func(t *testing.T) {
		w := newWorld(t)
		w.v.Online = issuerFunc(func(context.Context, string, string) (mapping.LiveStatus, bool, error) {
			panic("an adapter's bug")
		})
		reqs, _ := batchOf(t, w, 10)
		defer func() {
			if p := recover(); p != "an adapter's bug" {
				t.Fatalf("recovered %v", p)
			}
			if len(w.rec.recs) != 0 {
				t.Fatalf("%d records", len(w.rec.recs))
			}
		}()
		_, _ = w.v.VerifyBatch(context.Background(), reqs)
		t.Fatal("no panic")
	})

	t.Run("a record that cannot be written fails the whole batch", func(t *testing.T) {
		w := newWorld(t)
		w.rec.err = errors.New("database down")
		reqs, _ := batchOf(t, w, 3)
		if out, err := w.v.VerifyBatch(context.Background(), reqs); err == nil || out != nil {
			t.Fatalf("%v %v", out, err)
		}
	})
}

// BenchmarkVerifyBatch is a batch of 100 signed codes with no issuer to
// ask (offline): the cost of its workers and timer against the codes'
// signatures. BatchParallelism 1 is the sequential order of before.
func BenchmarkVerifyBatch(b *testing.B) {
	w := newWorld(b)
	w.v.Recorder = nopRecorder{}
	reqs := make([]verify.Request, 100)
	for i := range reqs {
		c := testkit.Claims(zj, mapping.Green)
		c.JTI = fmt.Sprintf("code-%d", i)
		reqs[i] = verify.Request{Code: code(b, w.zjEd, c)}
	}
	for _, p := range []int{1, 8} {
		b.Run(fmt.Sprintf("parallelism %d", p), func(b *testing.B) {
			w.v.BatchParallelism = p
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.v.VerifyBatch(context.Background(), reqs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
