package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// fakeSink is the hand-written Sink of these tests: one func field.
type fakeSink struct {
	insert func(ctx context.Context, recs []Record) error
}

func (f *fakeSink) InsertRecords(ctx context.Context, recs []Record) error {
	return f.insert(ctx, recs)
}

// gate is a sink whose calls each announce themselves on entered and then
// wait for one value on release (the error to return) or for ctx to end.
// Committed records are kept (copied: the Writer reuses its slices).
type gate struct {
	entered chan int
	release chan error

	mu      sync.Mutex
	batches [][]Record
}

func newGate() *gate {
	return &gate{entered: make(chan int), release: make(chan error)}
}

func (g *gate) sink() Sink {
	return &fakeSink{insert: func(ctx context.Context, recs []Record) error {
		select {
		case g.entered <- len(recs):
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case err := <-g.release:
			if err == nil {
				g.mu.Lock()
				g.batches = append(g.batches, append([]Record(nil), recs...))
				g.mu.Unlock()
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
}

func (g *gate) committed() [][]Record {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([][]Record(nil), g.batches...)
}

// recv takes one value from ch or fails the test after a generous bound; the
// bound only turns a hang into a failure, it decides nothing.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// blockUntil waits for n timers on clock, failing the test after a generous
// bound (a hang turned into a failure, deciding nothing).
func blockUntil(t *testing.T, clock *clockwork.FakeClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, n); err != nil {
		t.Fatalf("waiting for %d timers: %v", n, err)
	}
}

// waitDepth polls QueueDepth until it reaches n (writers enqueue from their
// own goroutines, so there is no channel to wait on).
func waitDepth(t *testing.T, w *Writer, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for w.QueueDepth() != n {
		if time.Now().After(deadline) {
			t.Fatalf("queue depth %d, want %d", w.QueueDepth(), n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func rec(i int) Record {
	return Record{ID: fmt.Sprintf("r%04d", i), HolderName: "张*三", Result: "valid"}
}

func testWriter(t *testing.T, s Sink, opt Options) (*Writer, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := newWriter(s, opt, time.Millisecond, 4*time.Millisecond, slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Close(ctx)
	})
	return w, &buf
}

func closeWriter(t *testing.T, w *Writer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestGroupCommitBatchesConcurrentWriters(t *testing.T) {
	const writers = 200
	g := newGate()
	w, _ := testWriter(t, g.sink(), Options{Sync: true})

	errs := make(chan error, writers)
	go func() { errs <- w.Write(context.Background(), rec(0)) }()
	if n := recv(t, g.entered, "first commit"); n != 1 {
		t.Fatalf("first commit took %d records, want 1", n)
	}
	// While the first commit runs, every other writer queues behind it.
	for i := 1; i < writers; i++ {
		go func() { errs <- w.Write(context.Background(), rec(i)) }()
	}
	waitDepth(t, w, writers)
	g.release <- nil
	if n := recv(t, g.entered, "second commit"); n != writers-1 {
		t.Fatalf("second commit took %d records, want %d", n, writers-1)
	}
	g.release <- nil
	for range writers {
		if err := recv(t, errs, "writer"); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}

	batches := g.committed()
	seen := map[string]bool{}
	for _, b := range batches {
		for _, r := range b {
			if seen[r.ID] {
				t.Fatalf("record %s committed twice", r.ID)
			}
			seen[r.ID] = true
		}
	}
	if len(seen) != writers {
		t.Fatalf("%d records committed, want %d", len(seen), writers)
	}
	if len(batches) >= writers {
		t.Fatalf("%d sink calls for %d records: no group commit", len(batches), writers)
	}
	if w.QueueDepth() != 0 {
		t.Fatalf("queue depth %d after commit", w.QueueDepth())
	}
}

func TestBatchesRespectMaxBatchAndNeverSplitAWrite(t *testing.T) {
	g := newGate()
	w, _ := testWriter(t, g.sink(), Options{Sync: false, MaxBatch: 10})

	ctx := context.Background()
	if err := w.Write(ctx, rec(0)); err != nil {
		t.Fatal(err)
	}
	recv(t, g.entered, "first commit")
	// Queued while the first commit runs: 7 singles, then a 5-record write
	// that does not fit the 7 and opens a new batch, then a 25-record write
	// larger than MaxBatch that is committed alone and whole, then 3 singles.
	n := 1
	for range 7 {
		_ = w.Write(ctx, rec(n))
		n++
	}
	var five, big []Record
	for range 5 {
		five = append(five, rec(n))
		n++
	}
	for range 25 {
		big = append(big, rec(n))
		n++
	}
	for _, recs := range [][]Record{five, big, {rec(n), rec(n + 1), rec(n + 2)}} {
		if err := w.Write(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	g.release <- nil
	var sizes []int
	for _, want := range []int{7, 5, 25, 3} {
		got := recv(t, g.entered, "commit")
		sizes = append(sizes, got)
		g.release <- nil
		if got != want {
			t.Fatalf("batch sizes %v, want [7 5 25 3]", sizes)
		}
	}
	closeWriter(t, w)
	var ids []string
	for _, b := range g.committed() {
		for _, r := range b {
			ids = append(ids, r.ID)
		}
	}
	for i, id := range ids {
		if want := rec(i).ID; id != want {
			t.Fatalf("commit order broken at %d: %s, want %s", i, id, want)
		}
	}
}

func TestSyncWriteWaitsForCommit(t *testing.T) {
	g := newGate()
	w, _ := testWriter(t, g.sink(), Options{Sync: true})

	done := make(chan error, 1)
	go func() { done <- w.Write(context.Background(), rec(1)) }()
	recv(t, g.entered, "commit")
	select {
	case err := <-done:
		t.Fatalf("Write returned (%v) before its commit finished", err)
	default:
	}
	g.release <- nil
	if err := recv(t, done, "Write"); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if got := len(g.committed()); got != 1 {
		t.Fatalf("%d commits, want 1", got)
	}
}

// TestCommitReportsHowLongRecordsWaited checks OnCommit's took and waited
// on a fake clock: each record counts from its Write to the end of its
// commit, so records queued behind a slow commit report that commit too.
func TestCommitReportsHowLongRecordsWaited(t *testing.T) {
	type commit struct {
		records      int
		took, waited time.Duration
	}
	commits := make(chan commit, 2)
	g := newGate()
	clock := clockwork.NewFakeClock()
	w, _ := testWriter(t, g.sink(), Options{Sync: true, Clock: clock, OnCommit: func(n int, took, waited time.Duration) {
		commits <- commit{n, took, waited}
	}})

	done := make(chan error, 2)
	go func() { done <- w.Write(context.Background(), rec(1), rec(2)) }()
	recv(t, g.entered, "first commit")
	go func() { done <- w.Write(context.Background(), rec(3), rec(4), rec(5)) }()
	waitDepth(t, w, 5)
	clock.Advance(3 * time.Millisecond) // the first commit takes 3 ms
	g.release <- nil
	recv(t, g.entered, "second commit")
	clock.Advance(5 * time.Millisecond) // the second 5 ms
	g.release <- nil
	for range 2 {
		if err := recv(t, done, "Write"); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}

	want := []commit{
		{records: 2, took: 3 * time.Millisecond, waited: 2 * 3 * time.Millisecond},
		// Written at the start, committed 3 + 5 ms later.
		{records: 3, took: 5 * time.Millisecond, waited: 3 * 8 * time.Millisecond},
	}
	for i, w := range want {
		if got := recv(t, commits, "OnCommit"); got != w {
			t.Errorf("commit %d: %+v, want %+v", i+1, got, w)
		}
	}
}

// TestMaxWaitReleasesWritersOfAHungCommit: a sink that does not return
// holds no sync writer past MaxWait, neither the commit's nor those queued
// behind it, and their records are still committed when it returns.
func TestMaxWaitReleasesWritersOfAHungCommit(t *testing.T) {
	g := newGate()
	clock := clockwork.NewFakeClock()
	const maxWait = 20 * time.Millisecond
	w, _ := testWriter(t, g.sink(), Options{Sync: true, MaxWait: maxWait, Clock: clock})

	first := make(chan error, 1)
	go func() { first <- w.Write(context.Background(), rec(1)) }()
	recv(t, g.entered, "first commit")
	second := make(chan error, 1)
	go func() { second <- w.Write(context.Background(), rec(2), rec(3)) }()
	waitDepth(t, w, 3)
	// Both batches' MaxWait timers are set; just short of MaxWait nobody
	// is released.
	blockUntil(t, clock, 2)
	clock.Advance(maxWait - time.Nanosecond)
	writers := map[string]chan error{"the hung commit's writer": first, "a writer queued behind it": second}
	for name, ch := range writers {
		// A fake timer's func runs on its own goroutine: give a wrong
		// release a moment to show (this can only miss a bug, never fail
		// a right writer).
		select {
		case err := <-ch:
			t.Fatalf("%s: Write returned %v before MaxWait", name, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	clock.Advance(time.Nanosecond)
	for name, ch := range writers {
		if err := recv(t, ch, name); !errors.Is(err, ErrLate) {
			t.Fatalf("%s: Write returned %v, want ErrLate", name, err)
		}
	}
	g.release <- nil
	recv(t, g.entered, "second commit")
	g.release <- nil
	closeWriter(t, w)
	var n int
	for _, b := range g.committed() {
		n += len(b)
	}
	if n != 3 {
		t.Fatalf("%d records committed, want 3: a late answer must not lose its record", n)
	}
}

// TestLateRecordsAreRetried: writers released with ErrLate were told their
// records would still be committed, so a commit of theirs that fails is
// retried as an async one is, not dropped.
func TestLateRecordsAreRetried(t *testing.T) {
	g := newGate()
	w, _ := testWriter(t, g.sink(), Options{Sync: true, MaxWait: 10 * time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- w.Write(context.Background(), rec(1)) }()
	recv(t, g.entered, "commit")
	if err := recv(t, done, "Write"); !errors.Is(err, ErrLate) {
		t.Fatalf("Write returned %v, want ErrLate", err)
	}
	g.release <- errors.New("database is locked") // the late commit fails
	recv(t, g.entered, "retry")
	g.release <- nil
	closeWriter(t, w)
	if got := g.committed(); len(got) != 1 || len(got[0]) != 1 {
		t.Fatalf("committed %v, want the late record once", got)
	}
}

// TestMaxWaitDoesNotCutACommitThatEnds: a commit that ends in time answers
// its writers, with its own result.
func TestMaxWaitDoesNotCutACommitThatEnds(t *testing.T) {
	for _, want := range []error{nil, errors.New("disk full")} {
		g := newGate()
		w, _ := testWriter(t, g.sink(), Options{Sync: true, MaxWait: time.Minute})
		done := make(chan error, 1)
		go func() { done <- w.Write(context.Background(), rec(1)) }()
		recv(t, g.entered, "commit")
		g.release <- want
		if err := recv(t, done, "Write"); err != want {
			t.Fatalf("Write returned %v, want %v", err, want)
		}
		closeWriter(t, w)
	}
}

func TestSinkErrorReachesEveryWaiterOfTheBatch(t *testing.T) {
	errBoom := errors.New("disk on fire")
	g := newGate()
	w, logs := testWriter(t, g.sink(), Options{Sync: true})

	first := make(chan error, 1)
	go func() { first <- w.Write(context.Background(), rec(0)) }()
	recv(t, g.entered, "first commit")

	const waiters = 5
	errs := make(chan error, waiters)
	for i := 1; i <= waiters; i++ {
		go func() { errs <- w.Write(context.Background(), rec(i)) }()
	}
	waitDepth(t, w, waiters+1)
	g.release <- nil
	if err := recv(t, first, "first writer"); err != nil {
		t.Fatalf("first writer: %v", err)
	}
	if n := recv(t, g.entered, "failing commit"); n != waiters {
		t.Fatalf("failing commit took %d records, want %d", n, waiters)
	}
	g.release <- errBoom
	for range waiters {
		if err := recv(t, errs, "waiter"); !errors.Is(err, errBoom) {
			t.Fatalf("waiter got %v, want %v", err, errBoom)
		}
	}
	if d := w.QueueDepth(); d != 0 {
		t.Fatalf("failed sync batch still queued: depth %d", d)
	}

	// The writer recovers: the next write commits.
	next := make(chan error, 1)
	go func() { next <- w.Write(context.Background(), rec(9)) }()
	recv(t, g.entered, "next commit")
	g.release <- nil
	if err := recv(t, next, "next writer"); err != nil {
		t.Fatalf("after a failure: %v", err)
	}
	closeWriter(t, w)
	if n := strings.Count(logs.String(), "\n"); n != 1 {
		t.Fatalf("%d log lines for one failure, want 1:\n%s", n, logs)
	}
}

func TestFullQueueIsOverloaded(t *testing.T) {
	tests := map[string]struct {
		queued int // records accepted before the probe
		probe  int // records in the probing Write
	}{
		"one more than the queue holds":             {queued: 4, probe: 1},
		"a batch that does not fit in what is left": {queued: 2, probe: 3},
		"a batch larger than the whole queue":       {queued: 0, probe: 5},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := newGate()
			w, _ := testWriter(t, g.sink(), Options{Sync: false, QueueSize: 4})
			ctx := context.Background()
			for i := range tc.queued {
				if err := w.Write(ctx, rec(i)); err != nil {
					t.Fatalf("Write %d: %v", i, err)
				}
			}
			inFlight := 0
			if tc.queued > 0 {
				inFlight = recv(t, g.entered, "commit") // the committer is now stuck
			}
			probe := make([]Record, tc.probe)
			if err := w.Write(ctx, probe...); !errors.Is(err, ErrOverloaded) {
				t.Fatalf("Write on a full queue: %v, want ErrOverloaded", err)
			}
			if d := w.QueueDepth(); d != tc.queued {
				t.Fatalf("depth %d after refusal, want %d", d, tc.queued)
			}
			if tc.queued == 0 {
				return
			}
			// Nothing was dropped: everything accepted is committed.
			g.release <- nil
			for taken := inFlight; taken < tc.queued; {
				taken += recv(t, g.entered, "next commit")
				g.release <- nil
			}
			closeWriter(t, w)
			total := 0
			for _, b := range g.committed() {
				total += len(b)
			}
			if total != tc.queued {
				t.Fatalf("%d records committed, want %d", total, tc.queued)
			}
		})
	}
}

func TestAsyncRetryKeepsRecords(t *testing.T) {
	const failures = 3
	var calls atomic.Int32
	var mu sync.Mutex
	committed := map[string]int{}
	sink := &fakeSink{insert: func(ctx context.Context, recs []Record) error {
		if calls.Add(1) <= failures {
			return errors.New("connection refused")
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range recs {
			committed[r.ID]++
		}
		return nil
	}}
	w, logs := testWriter(t, sink, Options{Sync: false})
	const n = 20
	for i := range n {
		if err := w.Write(context.Background(), rec(i)); err != nil {
			t.Fatalf("async Write: %v", err)
		}
	}
	closeWriter(t, w)
	if len(committed) != n {
		t.Fatalf("%d records committed, want %d", len(committed), n)
	}
	for id, k := range committed {
		if k != 1 {
			t.Fatalf("record %s committed %d times", id, k)
		}
	}
	if got := calls.Load(); got <= failures {
		t.Fatalf("%d sink calls, want more than %d", got, failures)
	}
	out := logs.String()
	if n := strings.Count(out, "\n"); n != 1 {
		t.Fatalf("%d log lines for one burst of failures, want 1:\n%s", n, out)
	}
	if strings.Contains(out, "张") {
		t.Fatalf("log carries holder data: %s", out)
	}
}

func TestCloseFlushesEverythingQueued(t *testing.T) {
	g := newGate()
	w, _ := testWriter(t, g.sink(), Options{Sync: false, MaxBatch: 4})
	ctx := context.Background()
	const n = 10
	for i := range n {
		if err := w.Write(ctx, rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	closed := make(chan error, 1)
	go func() { closed <- w.Close(context.Background()) }()
	total := 0
	for total < n {
		total += recv(t, g.entered, "commit")
		g.release <- nil
	}
	if err := recv(t, closed, "Close"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := w.QueueDepth(); d != 0 {
		t.Fatalf("depth %d after Close", d)
	}
	if err := w.Write(ctx, rec(99)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCancelledSyncWriteIsStillCommitted(t *testing.T) {
	g := newGate()
	w, _ := testWriter(t, g.sink(), Options{Sync: true})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Write(ctx, rec(7)) }()
	recv(t, g.entered, "commit")
	cancel()
	if err := recv(t, done, "Write"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write after cancel: %v, want context.Canceled", err)
	}
	g.release <- nil
	closeWriter(t, w)
	if b := g.committed(); len(b) != 1 || len(b[0]) != 1 || b[0][0].ID != rec(7).ID {
		t.Fatalf("committed %v, want the cancelled writer's record", b)
	}
}

func TestCloseGivesUpWhenItsContextEnds(t *testing.T) {
	g := newGate() // never released: the database hangs
	w, _ := testWriter(t, g.sink(), Options{Sync: true})

	errs := make(chan error, 2)
	go func() { errs <- w.Write(context.Background(), rec(1)) }()
	recv(t, g.entered, "commit")
	go func() { errs <- w.Write(context.Background(), rec(2)) }()
	waitDepth(t, w, 2)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := w.Close(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "2 records") {
		t.Fatalf("Close: %v, want 2 records lost and context.Canceled", err)
	}
	for range 2 {
		if err := recv(t, errs, "writer"); !errors.Is(err, ErrClosed) {
			t.Fatalf("waiter: %v, want ErrClosed", err)
		}
	}
}

func TestLingerGrowsABatchUntilFull(t *testing.T) {
	g := newGate()
	w, _ := testWriter(t, g.sink(), Options{Sync: false, MaxBatch: 3, Linger: time.Hour})
	w.Expect(10) // more are coming than a batch holds
	for i := range 3 {
		if err := w.Write(context.Background(), rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	// A full batch does not wait out the hour.
	if n := recv(t, g.entered, "commit"); n != 3 {
		t.Fatalf("lingering commit took %d records, want 3", n)
	}
	g.release <- nil

	// Nor does Close.
	if err := w.Write(context.Background(), rec(3)); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- w.Close(context.Background()) }()
	if n := recv(t, g.entered, "commit on close"); n != 1 {
		t.Fatalf("commit on close took %d records, want 1", n)
	}
	g.release <- nil
	if err := recv(t, closed, "Close"); err != nil {
		t.Fatal(err)
	}
}

// TestLingerEndsAfterLinger: a batch waiting for announced records that do
// not come is committed once Linger has passed, not before.
func TestLingerEndsAfterLinger(t *testing.T) {
	g := newGate()
	clock := clockwork.NewFakeClock()
	const linger = 5 * time.Millisecond
	w, _ := testWriter(t, g.sink(), Options{Sync: false, MaxBatch: 100, Linger: linger, Clock: clock})
	w.Expect(3)
	if err := w.Write(context.Background(), rec(1)); err != nil {
		t.Fatal(err)
	}
	blockUntil(t, clock, 1) // the linger timer
	clock.Advance(linger - time.Nanosecond)
	select { // a moment for a wrong commit to show (can only miss a bug)
	case n := <-g.entered:
		t.Fatalf("a commit of %d records before the linger ended", n)
	case <-time.After(20 * time.Millisecond):
	}
	clock.Advance(time.Nanosecond)
	if n := recv(t, g.entered, "the commit once the linger ended"); n != 1 {
		t.Fatalf("the commit took %d records, want 1", n)
	}
	g.release <- nil
	closeWriter(t, w)
}

// TestLingerOnlyWhenRecordsAreAnnounced: with an hour's linger, a record
// nobody announced company for is committed at once, as is one whose
// company was withdrawn; with company announced, a batch waits until none
// is still to come and it is as large as the last commit (or is full).
func TestLingerOnlyWhenRecordsAreAnnounced(t *testing.T) {
	g := newGate()
	w, _ := testWriter(t, g.sink(), Options{Sync: false, MaxBatch: 100, Linger: time.Hour})
	write := func(i int) {
		t.Helper()
		if err := w.Write(context.Background(), rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	entered := func(want int, what string) {
		t.Helper()
		if n := recv(t, g.entered, what); n != want {
			t.Fatalf("%s took %d records, want %d", what, n, want)
		}
		g.release <- nil
	}
	noCommitFor := func(d time.Duration, why string) {
		t.Helper()
		select {
		case n := <-g.entered:
			t.Fatalf("a commit of %d records while %s", n, why)
		case <-time.After(d):
		}
	}

	write(0) // alone: committed at once
	entered(1, "the commit of a lone record")

	w.Expect(2)
	write(1)
	noCommitFor(50*time.Millisecond, "an announced record was still to come")
	write(2) // none left to come, and 2 ≥ the last commit's 1
	entered(2, "the lingering commit once all arrived")

	w.Expect(3)
	write(3)
	noCommitFor(50*time.Millisecond, "announced records were still to come")
	w.Expect(-2) // none left to come, but 1 < the last commit's 2: keep gathering
	noCommitFor(50*time.Millisecond, "the batch was smaller than the last commit")
	write(4)
	entered(2, "the lingering commit once as large as the last")

	w.Expect(2)
	w.Expect(-1) // one waits on a peer
	write(5)
	entered(1, "the commit of a record whose company was withdrawn")

	// A withdrawal during the linger ends it as an arrival would.
	w.Expect(3)
	write(6)
	write(7)
	noCommitFor(50*time.Millisecond, "an announced record was still to come")
	w.Expect(-1)
	entered(2, "the lingering commit once the rest was withdrawn")

	closeWriter(t, w)
	got := 0
	for _, b := range g.committed() {
		got += len(b)
	}
	if got != 8 {
		t.Fatalf("%d records committed, want 8", got)
	}
}

func TestEmptyWriteIsANoOp(t *testing.T) {
	w, _ := testWriter(t, &fakeSink{insert: func(context.Context, []Record) error {
		t.Error("sink called for an empty write")
		return nil
	}}, DefaultOptions())
	if err := w.Write(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkWriteSync measures sync writers (one record each, as one HTTP
// request would) against a sink that sleeps 200µs per commit, standing in for
// an fsync. Timer granularity can stretch the sleep (to about 1.1 ms on a small
// VM), so the measured latency is reported as µs/commit: without group commit
// the ceiling would be 1e6 / (µs/commit) records/s.
func BenchmarkWriteSync(b *testing.B) {
	var commits, records, busy atomic.Int64
	sink := &fakeSink{insert: func(ctx context.Context, recs []Record) error {
		start := time.Now()
		time.Sleep(200 * time.Microsecond)
		busy.Add(int64(time.Since(start)))
		commits.Add(1)
		records.Add(int64(len(recs)))
		return nil
	}}
	w := NewWriter(sink, DefaultOptions())
	r := Record{ID: NewID(time.Now()), HolderName: "张*三", HolderID: "3301**********1234", Result: "valid"}
	b.SetParallelism(64) // many requests in flight, as behind a busy gateway
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if err := w.Write(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if c := commits.Load(); c > 0 {
		b.ReportMetric(float64(records.Load())/float64(c), "records/commit")
		b.ReportMetric(float64(busy.Load())/float64(c)/1e3, "µs/commit")
	}
}

// TestLingeringCommitterIsWokenOnlyWhenReady: while a batch lingers for
// announced records, a Write that leaves it short of ready does not wake
// the committer (a wake-up a record was most of its scheduler work); the
// one that makes it ready does, and the batch is committed then, not when
// the linger ends.
func TestLingeringCommitterIsWokenOnlyWhenReady(t *testing.T) {
	const n = 20
	got := make(chan int, 1)
	w, _ := testWriter(t, &fakeSink{insert: func(_ context.Context, recs []Record) error {
		got <- len(recs)
		return nil
	}}, Options{Linger: time.Hour, Clock: clockwork.NewFakeClock()}) // never advanced: the linger never ends by itself
	w.Expect(n)
	if err := w.Write(context.Background(), Record{ID: "r0"}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		w.mu.Lock()
		lingering := w.lingering
		w.mu.Unlock()
		if lingering {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the committer never lingered on a batch with records announced")
		}
	}
	for i := 1; i < n; i++ {
		if err := w.Write(context.Background(), Record{ID: fmt.Sprintf("r%d", i)}); err != nil {
			t.Fatal(err)
		}
		// Give a woken committer the time to run, so that wake-ups are
		// not merged into one.
		time.Sleep(time.Millisecond)
	}
	// All n arrived: nothing announced is still to come, and the batch is
	// as large as any before it.
	select {
	case k := <-got:
		if k != n {
			t.Fatalf("the first commit took %d records, want %d", k, n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the ready batch was not committed: its last Write did not wake the committer")
	}
	closeWriter(t, w)
	// One wake-up for the first record (the committer was idle), one for
	// the last; none for the 18 between.
	if w.wakes > 2 {
		t.Fatalf("the committer was woken %d times for %d records, want at most 2", w.wakes, n)
	}
}
