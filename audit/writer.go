package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

var (
	// ErrOverloaded is returned by Write when the queue cannot take the
	// records: the caller must refuse the verification (503), never proceed
	// without its record.
	ErrOverloaded = errors.New("audit: record queue full")
	// ErrClosed is returned by Write after Close, and to sync writers whose
	// records were still queued when Close gave up.
	ErrClosed = errors.New("audit: writer closed")
	// ErrLate is returned by a sync Write whose commit has not ended within
	// Options.MaxWait: the caller answers without waiting longer (503), and
	// the records are still committed when the sink returns.
	ErrLate = errors.New("audit: commit not ended in time")
)

// Sink stores records. store.DB implements it.
type Sink interface {
	// InsertRecords stores recs in one transaction: all of them or none. It
	// must not keep recs after it returns (the Writer reuses the slice) and
	// should return soon after ctx ends.
	InsertRecords(ctx context.Context, recs []Record) error
}

// Options tune a Writer. Zero fields take their defaults, except Sync, whose
// zero value means async: start from DefaultOptions.
type Options struct {
	// Sync makes Write return only once its records are committed (config
	// audit.sync, default true).
	Sync bool
	// QueueSize bounds the records accepted and not yet committed, the one
	// being committed included (default 8192). Beyond it Write fails with
	// ErrOverloaded.
	QueueSize int
	// MaxBatch is the most records one commit takes (default 512). One Write
	// is never split: a Write larger than MaxBatch is committed alone, whole.
	MaxBatch int
	// MaxWait bounds how long a sync Write waits for its commit (zero: only
	// its ctx does). It is counted from when the Write's batch opened, so
	// no Write waits longer, and one timer serves the whole batch: a
	// database that hangs cannot hang the callers. Past it Write returns
	// ErrLate; the records are still committed.
	MaxWait time.Duration
	// Linger is how long the writer may wait for a batch to grow before
	// committing it (default 0: commit as soon as the writer is free, which
	// already groups whatever arrived during the previous commit). A batch
	// lingers only if, when the writer takes it, records announced by Expect
	// are still to come (a lone record is committed at once), and stops
	// lingering when it is full, or when no announced record is still to
	// come and it is as large as the largest of the last 16 commits.
	Linger time.Duration
	// OnCommit, when set, is told each successful commit's size, its
	// duration, and how long its records waited in all, each from its Write
	// to the commit's end (metrics: waited / records is what durability
	// adds to a sync verification). It runs on the writer's goroutine: keep
	// it cheap.
	OnCommit func(records int, took, waited time.Duration)
	// Clock runs the linger, MaxWait and retry timers and times commits
	// (nil: the real clock); tests step a fake one instead of sleeping.
	Clock clockwork.Clock
}

// Defaults of Options.
const (
	DefaultQueueSize = 8192
	DefaultMaxBatch  = 512
)

// DefaultOptions returns the documented defaults, Sync included.
func DefaultOptions() Options {
	return Options{Sync: true, QueueSize: DefaultQueueSize, MaxBatch: DefaultMaxBatch}
}

// Retry pacing of a failed async commit.
const (
	retryMin = 50 * time.Millisecond
	retryMax = 5 * time.Second
)

// maxFree is how many committed record slices are kept for reuse.
const maxFree = 4

// batch is the records of one future commit and the one signal all their
// writers wait on, so that waiting costs no allocation per record.
type batch struct {
	recs []Record
	done chan struct{} // closed once err is set
	err  error
	// queuedAt is the sum over recs of when each was written, in
	// nanoseconds of the writer's monotonic clock (Writer.since).
	queuedAt int64
	// late is closed MaxWait after the batch opened (nil without MaxWait);
	// lateTimer closes it.
	late      chan struct{}
	lateTimer clockwork.Timer
}

// Writer group-commits records to a Sink from one goroutine: every commit
// takes whatever was queued while the previous one ran, up to MaxBatch
// records, in one transaction.
type Writer struct {
	sink               Sink
	opt                Options
	retryMin, retryMax time.Duration
	log                *slog.Logger

	mu      sync.Mutex
	pending []*batch // FIFO of batches not yet taken by the committer
	open    *batch   // the last of pending while it still accepts records
	queued  int      // records accepted and not yet committed, in flight included
	coming  int      // records announced by Expect and not yet given to Write
	closed  bool
	free    [][]Record
	// What the committer waits for, so that a Write wakes it only when
	// it has something to do: idle, any batch; lingering, the oldest
	// batch to be ready (ripeLocked). Busy committing, it looks at pending
	// when done, and no Write wakes it.
	idle, lingering bool

	wake      chan struct{} // capacity 1: "there is news", coalesced
	closing   chan struct{} // closed by Close: stop lingering, drain, exit
	abort     chan struct{} // closed when Close's context ends: give up
	abortOnce sync.Once
	exited    chan struct{}

	sinkCtx    context.Context
	cancelSink context.CancelFunc
	epoch      time.Time // origin of since

	// Owned by the committer goroutine; read by Close after exited.
	recent  [16]int // sizes of the last commits, a ring
	commits int     // commits taken, the ring's cursor
	failing bool
	lost    int
	wakes   int // times a Write or Expect woke the committer, Close's not counted (tests)
}

// NewWriter starts a Writer; Close stops it.
func NewWriter(sink Sink, opt Options) *Writer {
	return newWriter(sink, opt, retryMin, retryMax, slog.Default())
}

func newWriter(sink Sink, opt Options, rmin, rmax time.Duration, log *slog.Logger) *Writer {
	if opt.QueueSize <= 0 {
		opt.QueueSize = DefaultQueueSize
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = DefaultMaxBatch
	}
	opt.MaxBatch = min(opt.MaxBatch, opt.QueueSize)
	opt.Linger = max(opt.Linger, 0)
	if opt.Clock == nil {
		opt.Clock = clockwork.NewRealClock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Writer{
		sink: sink, opt: opt, retryMin: rmin, retryMax: rmax, log: log,
		wake:    make(chan struct{}, 1),
		closing: make(chan struct{}),
		abort:   make(chan struct{}),
		exited:  make(chan struct{}),
		sinkCtx: ctx, cancelSink: cancel,
		epoch: opt.Clock.Now(),
	}
	go w.run()
	return w
}

// Expect announces n records on their way to Write: a verification has
// begun. A batch lingers (Options.Linger) only if announced records are
// still to come when the writer takes it, so a quiet gateway commits each
// record at once while a busy one gathers its concurrent verifications into
// fewer commits. Write counts the records it is given as arrived, whatever
// becomes of them; Expect(-n) withdraws n announced records that will not
// be written soon (a verification waiting on a peer, or one that failed
// before its record).
//
// The count touching zero alone does not end a linger: under load it does
// so between every two verifications while more are about to announce
// theirs, and commits stay small. Nor does reaching the last commit's size
// alone: commits then stop growing. The count at zero and a batch as large
// as the largest of the last 16 commits together let a few clients commit
// as soon as all are in, while many gather commits as large as the linger
// allows (docs/PERFORMANCE.md has the measurements). After the load falls,
// at most 16 commits wait out the linger.
func (w *Writer) Expect(n int) {
	w.mu.Lock()
	w.coming = max(w.coming+n, 0)
	// A lingering batch may have nothing left to wait for.
	wake := n < 0 && w.lingering && w.ripeLocked()
	w.mu.Unlock()
	if wake {
		w.signal()
	}
}

// Write queues copies of recs (never the slice itself), together and in
// order, for the next commit. Without Sync it returns once they are
// queued. With Sync it returns once they are committed, or with the
// commit's error; if ctx ends first it returns ctx.Err(), and the records
// are still committed.
//
// A full queue returns ErrOverloaded at once, a closed writer ErrClosed;
// either way nothing was queued.
func (w *Writer) Write(ctx context.Context, recs ...Record) error {
	n := len(recs)
	if n == 0 {
		return nil
	}
	at := w.since()
	w.mu.Lock()
	w.coming = max(w.coming-n, 0)
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	if w.queued+n > w.opt.QueueSize {
		w.mu.Unlock()
		if n > w.opt.QueueSize {
			return fmt.Errorf("%w: %d records exceed the queue size %d", ErrOverloaded, n, w.opt.QueueSize)
		}
		return ErrOverloaded
	}
	b := w.open
	if b == nil || (len(b.recs) > 0 && len(b.recs)+n > w.opt.MaxBatch) {
		b = w.newBatchLocked()
		w.pending = append(w.pending, b)
		w.open = b
	}
	b.recs = append(b.recs, recs...)
	b.queuedAt += int64(n) * at
	if len(b.recs) >= w.opt.MaxBatch {
		w.open = nil
	}
	w.queued += n
	wake := w.idle || w.lingering && w.ripeLocked()
	w.mu.Unlock()
	if wake {
		w.signal()
	}

	if !w.opt.Sync {
		return nil
	}
	select {
	case <-b.done:
		return b.err
	case <-b.late: // nil without MaxWait: never ready
		select {
		case <-b.done: // both ready: the commit's answer wins
			return b.err
		default:
			return ErrLate
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// QueueDepth is the number of records accepted and not yet committed.
func (w *Writer) QueueDepth() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.queued
}

// Close stops accepting records and returns once everything queued is
// committed. If ctx ends first, Close gives up: the commit in flight is
// cancelled, sync writers still waiting get ErrClosed, and Close returns an
// error counting the records that were not committed. Either way the
// writer's goroutine has ended when Close returns.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.closing)
	}
	w.mu.Unlock()
	w.signal()

	select {
	case <-w.exited:
	case <-ctx.Done():
		w.abortOnce.Do(func() {
			close(w.abort)
			w.cancelSink()
		})
		<-w.exited
	}
	w.cancelSink()
	if w.lost > 0 {
		cause := ctx.Err()
		if cause == nil {
			cause = ErrClosed
		}
		return fmt.Errorf("audit: close: %d records not committed: %w", w.lost, cause)
	}
	return nil
}

// answered reports whether b's writers have been released by MaxWait.
func (b *batch) answered() bool {
	select {
	case <-b.late: // nil without MaxWait: never ready
		return true
	default:
		return false
	}
}

// since is the writer's monotonic clock, in nanoseconds.
func (w *Writer) since() int64 { return int64(w.opt.Clock.Since(w.epoch)) }

func (w *Writer) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Writer) newBatchLocked() *batch {
	var recs []Record
	if k := len(w.free); k > 0 {
		recs = w.free[k-1]
		w.free[k-1] = nil
		w.free = w.free[:k-1]
	} else {
		recs = make([]Record, 0, min(w.opt.MaxBatch, 64))
	}
	b := &batch{recs: recs, done: make(chan struct{})}
	if w.opt.MaxWait > 0 && w.opt.Sync {
		late := make(chan struct{})
		b.late = late
		b.lateTimer = w.opt.Clock.AfterFunc(w.opt.MaxWait, func() { close(late) })
	}
	return b
}

func (w *Writer) run() {
	defer close(w.exited)
	for {
		b := w.next()
		if b == nil {
			break
		}
		if !w.commit(b) {
			w.mu.Lock()
			w.lost += len(b.recs)
			w.finishLocked(b, ErrClosed)
			w.mu.Unlock()
			break
		}
	}
	w.mu.Lock()
	for _, b := range w.pending {
		w.lost += len(b.recs)
		w.finishLocked(b, ErrClosed)
	}
	w.pending, w.open = nil, nil
	w.mu.Unlock()
	if w.lost > 0 {
		w.log.Error("audit: writer closed before its queue was committed", "records", w.lost)
	}
}

// next takes the oldest batch, waiting for one; nil means exit.
func (w *Writer) next() *batch {
	lingered := false
	for {
		w.mu.Lock()
		if len(w.pending) > 0 {
			b := w.pending[0]
			if w.opt.Linger > 0 && !lingered && !w.closed && b == w.open && w.coming > 0 {
				w.lingering = true // set with the decision: no Write in between goes unseen
				w.mu.Unlock()
				lingered = true
				if !w.linger() {
					return nil
				}
				continue
			}
			copy(w.pending, w.pending[1:])
			w.pending[len(w.pending)-1] = nil
			w.pending = w.pending[:len(w.pending)-1]
			if b == w.open {
				w.open = nil
			}
			w.recent[w.commits%len(w.recent)] = len(b.recs)
			w.commits++
			w.mu.Unlock()
			return b
		}
		closed := w.closed
		w.idle = !closed
		w.mu.Unlock()
		if closed {
			return nil
		}
		select {
		case <-w.wake:
		case <-w.abort:
			return nil
		}
		w.mu.Lock()
		if !w.closed {
			w.wakes++ // Close's own signal is not a Write's wake-up
		}
		w.idle = false
		w.mu.Unlock()
	}
}

// largestRecent is the size of the largest of the last commits: a
// lingering batch that large, with nothing announced still to come, goes.
// Called with w.mu held, on the committer goroutine.
func (w *Writer) largestRecent() int {
	return slices.Max(w.recent[:])
}

// ripeLocked reports whether the oldest batch need linger no longer: it
// is full, or as large as the largest of the last commits with nothing
// announced still to come. Called with w.mu held.
func (w *Writer) ripeLocked() bool {
	return len(w.pending) > 0 && (w.pending[0] != w.open || w.coming == 0 && len(w.pending[0].recs) >= w.largestRecent())
}

// linger waits up to Linger for the oldest batch to ripen (ripeLocked);
// false means abort. next set w.lingering; linger clears it.
func (w *Writer) linger() bool {
	t := w.opt.Clock.NewTimer(w.opt.Linger)
	defer t.Stop()
	defer func() {
		w.mu.Lock()
		w.lingering = false
		w.mu.Unlock()
	}()
	for {
		select {
		case <-t.Chan():
			return true
		case <-w.closing:
			return true
		case <-w.abort:
			return false
		case <-w.wake:
			w.mu.Lock()
			if !w.closed {
				w.wakes++
			}
			full := w.ripeLocked()
			w.mu.Unlock()
			if full {
				return true
			}
		}
	}
}

// commit stores b. A sync batch is tried once and its writers get the
// result; an async batch, and a sync one whose writers MaxWait already
// released, is retried with capped backoff until it is stored or Close
// gives up (false).
func (w *Writer) commit(b *batch) bool {
	delay := w.retryMin
	var timer clockwork.Timer
	for {
		start := w.opt.Clock.Now()
		err := w.sink.InsertRecords(w.sinkCtx, b.recs)
		if err == nil {
			if w.opt.OnCommit != nil {
				end := w.since()
				waited := time.Duration(int64(len(b.recs))*end - b.queuedAt)
				w.opt.OnCommit(len(b.recs), w.opt.Clock.Since(start), waited)
			}
			w.failing = false
			w.mu.Lock()
			w.finishLocked(b, nil)
			w.mu.Unlock()
			return true
		}
		select {
		case <-w.abort:
			return false
		default:
		}
		if !w.failing {
			// One line per burst of failures: a dead database must not
			// flood the log. The error names no holder data (the sink
			// never logs values).
			w.failing = true
			w.log.Error("audit: commit failed", "err", err, "records", len(b.recs),
				"sync", w.opt.Sync, "queued", w.QueueDepth())
		}
		if w.opt.Sync && !b.answered() {
			w.mu.Lock()
			w.finishLocked(b, err)
			w.mu.Unlock()
			return true
		}
		// Async, or sync writers already answered ErrLate (told their
		// records would still be committed): retry until stored.
		if timer == nil {
			timer = w.opt.Clock.NewTimer(delay)
			defer timer.Stop()
		} else {
			timer.Reset(delay)
		}
		select {
		case <-timer.Chan():
		case <-w.abort:
			return false
		}
		delay = min(2*delay, w.retryMax)
	}
}

// finishLocked releases b's writers with err and recycles its slice.
func (w *Writer) finishLocked(b *batch, err error) {
	if b.lateTimer != nil {
		b.lateTimer.Stop()
	}
	w.queued -= len(b.recs)
	b.err = err
	close(b.done)
	recs := b.recs
	b.recs = nil
	if len(w.free) < maxFree && cap(recs) <= 2*w.opt.MaxBatch {
		clear(recs) // drop the holder strings now, not when the slice is reused
		w.free = append(w.free, recs[:0])
	}
}
