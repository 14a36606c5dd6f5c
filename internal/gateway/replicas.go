package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/store"
	"github.com/hcgw/hcgw/trust"
)

// What the replicas of one region share through their database
// (docs/storage.md, docs/SCALE.md): the trust changes any of them saved,
// read by every one off the hot path; and the background jobs, each done by
// the one replica holding its lease.

// shared is a gateway's state of what it shares with the other replicas.
type shared struct {
	trust trustRefresh
	mu    sync.Mutex
	held  map[string]bool // the leases this gateway holds, by job
}

// Holds reports whether this gateway holds the lease of job (one of
// "corrections", "records", "replays") and runs it for the region.
func (g *Gateway) Holds(job string) bool {
	g.shared.mu.Lock()
	defer g.shared.mu.Unlock()
	return g.shared.held[job]
}

func (g *Gateway) setHeld(job string, held bool) {
	g.shared.mu.Lock()
	defer g.shared.mu.Unlock()
	if g.shared.held == nil {
		g.shared.held = map[string]bool{}
	}
	g.shared.held[job] = held
}

// trustRefresh is a replica's reading of the trust entries the other
// replicas saved. The entries are polled by their sequence (the table's
// AUTO_INCREMENT), which does not order commits across a cluster: Galera
// gives each node its own interleaved values, so a row with a lower
// sequence may commit after a higher one was read. Each pass therefore
// reads again from the high-water mark of lateCommit ago, not the latest
// one, and a full pass every sweepEvery catches a commit slower still.
type trustRefresh struct {
	mu      sync.Mutex        // one pass at a time
	seen    map[int64]bool    // sequences applied, passed over, or refused for good
	refused map[int64]refusal // refused rows, tried again when something new applies
	hw      int64             // the highest sequence read
	marks   []hwMark          // recent passes' high-water marks, oldest first
	swept   time.Time         // when the last full pass began

	started atomic.Int64 // unix nanoseconds watchTrust began
	lastOK  atomic.Int64 // unix nanoseconds the latest pass completed
	every   time.Duration

	passes  atomic.Int64 // passes completed
	applied atomic.Int64 // entries published by them
	bad     atomic.Int64 // rows refused (counted once each)
}

type hwMark struct {
	at time.Time
	hw int64
}

// refusal is a refused row's count of tries; the row itself is read
// again to retry it (a row may be large: the table is not trusted).
type refusal struct {
	tries int
}

const (
	// lateCommit bounds how long after another row with a higher sequence
	// became readable a row may still commit (one autocommit INSERT: its
	// certification and apply, or a lock wait), for the windowed pass.
	lateCommit = time.Minute
	// trustPassTimeout bounds one refresh pass (at least one period).
	trustPassTimeout = 10 * time.Second
	// trustStaleAfter is how long a replica may go without a completed
	// refresh before /readyz fails (at least ten periods).
	trustStaleAfter = time.Minute
	// sweepEvery is how often a pass reads every sequence instead.
	sweepEvery = 10 * time.Minute
	// refusedRetries is how many times in all a refused row is tried (a
	// rule may be read before the endorsement of its key, saved on another
	// node).
	refusedRetries = 5
	// maxRefusedKept bounds the refused rows kept for retry.
	maxRefusedKept = 1000
	// maxRefusedLogged bounds the refused rows a pass names in the log.
	maxRefusedLogged = 10
)

// watchTrust applies the trust changes the other replicas saved every
// trust.db_refresh until ctx ends. Only a MySQL-protocol database is shared
// by replicas: the embedded SQLite serves one process.
func (g *Gateway) watchTrust(ctx context.Context) {
	if g.Config.Database.Driver != config.DriverMySQL {
		return
	}
	every := g.Config.Trust.DBRefresh
	if every <= 0 {
		every = config.Default().Trust.DBRefresh
	}
	g.shared.trust.every = every
	g.shared.trust.started.Store(time.Now().UnixNano())
	t := g.timers.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		// A pass that hangs on the database must not hold the loop (and
		// the replica's view of revocations) for good.
		pctx, cancel := context.WithTimeout(ctx, max(trustPassTimeout, every))
		err := g.RefreshTrust(pctx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			g.Logger.Error("trust refresh from the database failed; tried again every trust.db_refresh", "err", err)
			failing = true
		case err == nil && failing:
			g.Logger.Info("trust refresh from the database works again")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
	}
}

// TrustRefreshes is how many passes over the database's trust entries this
// replica has completed, and how many entries they published and refused.
func (g *Gateway) TrustRefreshes() (passes, applied, refused int64) {
	r := &g.shared.trust
	return r.passes.Load(), r.applied.Load(), r.bad.Load()
}

// RefreshTrust makes one pass: it reads the sequences of the trust entries
// above the window's floor, fetches the rows it has not seen, and hands
// them to the registry, which checks each as it checks everything (a bad
// row is refused, logged once and counted; the others apply). Serve calls
// it every trust.db_refresh; tests may call it.
func (g *Gateway) RefreshTrust(ctx context.Context) error {
	r := &g.shared.trust
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen, r.refused = map[int64]bool{}, map[int64]refusal{}
	}
	// Real time, not the injected clock: the window is about how late a
	// commit can be, which a test's frozen clock does not change.
	now := time.Now()
	floor := r.floor(now)
	sweep := now.Sub(r.swept) >= sweepEvery
	if sweep {
		floor = 0 // r.swept is set once the pass has succeeded
	}
	seqs, err := g.DB.TrustSeqs(ctx, floor)
	if err != nil {
		return err
	}
	var want []int64
	for _, s := range seqs {
		r.hw = max(r.hw, s)
		if !r.seen[s] && r.refused[s].tries == 0 {
			want = append(want, s)
		}
	}
	var added int
	if len(want) > 0 {
		rows, err := g.DB.TrustEntriesBySeq(ctx, want)
		if err != nil {
			return err
		}
		if added, err = r.apply(ctx, g, rows); err != nil {
			return err
		}
	}
	if added > 0 && len(r.refused) > 0 {
		if err := r.retry(ctx, g); err != nil {
			return err
		}
	}
	if sweep {
		r.swept = now
	}
	r.marks = append(r.marks, hwMark{at: now, hw: r.hw})
	r.passes.Add(1)
	r.lastOK.Store(time.Now().UnixNano())
	return nil
}

// trustStale is the readiness problem of a replica whose trust refresh
// has not completed for trustStaleAfter (and at least ten periods): it may
// be missing a revocation another replica saved, so the balancer should
// send its scans elsewhere. Empty while the refresh keeps up, or where
// none runs (SQLite).
func (g *Gateway) trustStale(now time.Time) string {
	r := &g.shared.trust
	since := max(r.lastOK.Load(), r.started.Load())
	if since == 0 {
		return ""
	}
	limit := max(trustStaleAfter, 10*r.every)
	if late := now.Sub(time.Unix(0, since)); late > limit {
		return fmt.Sprintf("trust: changes saved by other replicas not read for %s (trust.db_refresh)", late.Truncate(time.Second))
	}
	return ""
}

// floor is the high-water mark of the latest pass at least lateCommit and
// one period ago (0 before there is one); older marks are dropped. The
// period is added so that a long trust.db_refresh does not shrink the
// window a late commit has.
func (r *trustRefresh) floor(now time.Time) int64 {
	cut := now.Add(-lateCommit - r.every)
	i := 0
	for i+1 < len(r.marks) && !r.marks[i+1].at.After(cut) {
		i++
	}
	r.marks = r.marks[i:]
	if len(r.marks) == 0 || r.marks[0].at.After(cut) {
		return 0
	}
	return r.marks[0].hw
}

// apply hands rows to the registry; r.mu is held.
func (r *trustRefresh) apply(ctx context.Context, g *Gateway, rows []store.TrustEntry) (int, error) {
	entries := make([]trust.Entry, len(rows))
	for i, row := range rows {
		entries[i] = trustEntry(row)
	}
	added, refused, err := g.Trust.ApplyStored(ctx, entries)
	if err != nil {
		return 0, err
	}
	logged := 0
	for i, row := range rows {
		rerr, bad := refused[i]
		if !bad {
			r.seen[row.Seq] = true
			continue
		}
		r.bad.Add(1)
		// The row's kid is shown (a key's thumbprint, or a rule's
		// identifier and version); never its JWS. A first pass may meet
		// many rows an anchor no longer vouches for: a few are named.
		if logged++; logged <= maxRefusedLogged {
			g.Logger.Warn("a trust entry in the database is refused", "seq", row.Seq, "kind", row.Kind,
				"kid", clipText(row.Kid, 64), "error", rerr.Error())
		}
		if len(r.refused) < maxRefusedKept {
			r.refused[row.Seq] = refusal{tries: 1}
		} else {
			r.seen[row.Seq] = true
		}
	}
	if logged > maxRefusedLogged {
		g.Logger.Warn("more trust entries in the database are refused", "count", logged-maxRefusedLogged)
	}
	r.applied.Add(int64(added))
	if added > 0 {
		g.Logger.Info("trust entries applied from the database", "new", added, "version", g.Trust.Snapshot().Version())
	}
	return added, nil
}

// retry tries the refused rows again after something new applied (it may
// be the key a rule needs); a row refused refusedRetries times is given up.
// r.mu is held.
func (r *trustRefresh) retry(ctx context.Context, g *Gateway) error {
	want := make([]int64, 0, len(r.refused))
	for s := range r.refused {
		want = append(want, s)
	}
	rows, err := g.DB.TrustEntriesBySeq(ctx, want)
	if err != nil {
		return err
	}
	seqs := make([]int64, len(rows))
	entries := make([]trust.Entry, len(rows))
	gone := make(map[int64]bool, len(want))
	for _, s := range want {
		gone[s] = true
	}
	for i, row := range rows {
		delete(gone, row.Seq)
		seqs[i] = row.Seq
		entries[i] = trustEntry(row)
	}
	for s := range gone { // deleted meanwhile: nothing to retry
		delete(r.refused, s)
		r.seen[s] = true
	}
	added, refused, err := g.Trust.ApplyStored(ctx, entries)
	if err != nil {
		return err
	}
	for i, s := range seqs {
		if _, bad := refused[i]; !bad {
			delete(r.refused, s)
			r.seen[s] = true
			continue
		}
		f := r.refused[s]
		if f.tries++; f.tries >= refusedRetries {
			delete(r.refused, s)
			r.seen[s] = true
			continue
		}
		r.refused[s] = f
	}
	r.applied.Add(int64(added))
	return nil
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Leases.

const (
	// leaseTTL is how long a lease holds without renewal: how long a job
	// waits for another replica after its holder died.
	leaseTTL = 15 * time.Second
	// leaseRenew is how often its holder renews it, and how often the
	// others try to take it.
	leaseRenew = leaseTTL / 3
)

// holderID names this process's gateway in the leases it takes: the
// host, the process and a random part (tests run several gateways in one
// process).
func holderID() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return clipText(fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:])), 128)
}

// whileLeased runs job while this replica holds the lease name, until ctx
// ends: job's context ends when the lease is lost (a renewal refused or
// failing), and job runs again when the lease is taken again. The lease is
// released when ctx ends, so that another replica takes the job at once.
// On SQLite job simply runs.
// Expiry is by the wall clock, which every replica shares (NTP), not the
// injected clock.
func (g *Gateway) whileLeased(ctx context.Context, name string, job func(context.Context)) {
	if g.Config.Database.Driver != config.DriverMySQL {
		// The embedded SQLite serves one process, which holds every
		// lease: no write for it.
		g.setHeld(name, true)
		defer g.setHeld(name, false)
		job(ctx)
		return
	}
	holder := holderID()
	// The wall clock, not the injected one: expiry is compared with every
	// replica's time.Now, and a renewal a fake clock held back would let
	// the lease lapse under a job still running.
	t := time.NewTicker(leaseRenew)
	defer t.Stop()
	var (
		stop func()
		done chan struct{}
	)
	end := func() {
		if stop != nil {
			g.setHeld(name, false)
			stop()
			<-done
			stop = nil
		}
	}
	defer func() {
		end()
		rctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = g.DB.ReleaseLease(rctx, name, holder) // the database may be closing; the lease lapses anyway
	}()
	for {
		// A renewal is bounded so that a database that stops answering
		// ends the job (as a refused renewal does) well before the lease
		// lapses and another replica starts it.
		lctx, cancel := context.WithTimeout(ctx, leaseRenew)
		held, err := g.DB.TakeLease(lctx, name, holder, time.Now(), leaseTTL)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if stop != nil {
				g.Logger.Warn("background job stopped: its lease could not be renewed", "job", name, "err", err)
			}
			end()
		case held && stop == nil:
			jctx, cancel := context.WithCancel(ctx)
			stop, done = cancel, make(chan struct{})
			go func() { defer close(done); job(jctx) }()
			g.setHeld(name, true)
			g.Logger.Debug("background job taken", "job", name, "holder", holder)
		case !held && stop != nil:
			g.Logger.Info("background job taken over by another replica", "job", name)
			end()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
