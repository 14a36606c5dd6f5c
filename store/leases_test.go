package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/store"
)

// TestLeases: a lease is held by one holder at a time on every database
// handle of one database (replicas), renewed by its holder, taken over
// once it lapses (its holder died) or is released, at the clock the
// callers pass.
func TestLeases(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			dsn := be.fresh(t)
			a, b := open(t, be.driver, dsn), open(t, be.driver, dsn)
			ctx := context.Background()
			t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			const ttl = 10 * time.Second
			steps := []struct {
				what   string
				db     *store.DB
				holder string
				at     time.Duration // after t0
				want   bool
			}{
				{"the first taker makes the row", a, "replica-a", 0, true},
				{"another is refused while it runs", b, "replica-b", 5 * time.Second, false},
				{"its holder renews it", a, "replica-a", 6 * time.Second, true},
				{"renewed at the same instant", a, "replica-a", 6 * time.Second, true},
				{"still refused after the first expiry, renewed", b, "replica-b", 11 * time.Second, false},
				{"taken over once lapsed (the holder died)", b, "replica-b", 16*time.Second + time.Microsecond, true},
				{"the old holder has lost it", a, "replica-a", 17 * time.Second, false},
			}
			for _, s := range steps {
				got, err := s.db.TakeLease(ctx, "corrections", s.holder, t0.Add(s.at), ttl)
				if err != nil || got != s.want {
					t.Fatalf("%s: held %v, %v; want %v", s.what, got, err, s.want)
				}
			}
			l, err := a.GetLease(ctx, "corrections")
			if err != nil || l.Holder != "replica-b" || !l.ExpiresAt.Equal(t0.Add(16*time.Second+time.Microsecond+ttl)) {
				t.Fatalf("stored %+v, %v", l, err)
			}
			// A release by one who does not hold it changes nothing; by
			// the holder, frees it at once.
			if err := a.ReleaseLease(ctx, "corrections", "replica-a"); err != nil {
				t.Fatal(err)
			}
			if got, _ := a.TakeLease(ctx, "corrections", "replica-a", t0.Add(18*time.Second), ttl); got {
				t.Fatal("taken after a release by a non-holder")
			}
			if err := b.ReleaseLease(ctx, "corrections", "replica-b"); err != nil {
				t.Fatal(err)
			}
			if got, err := a.TakeLease(ctx, "corrections", "replica-a", t0.Add(18*time.Second), ttl); err != nil || !got {
				t.Fatalf("not taken after its holder released it: %v %v", got, err)
			}
			// Leases of other jobs are independent.
			if got, err := b.TakeLease(ctx, "records", "replica-b", t0.Add(18*time.Second), ttl); err != nil || !got {
				t.Fatalf("another job's lease: %v %v", got, err)
			}
			if _, err := a.GetLease(ctx, "never"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("an unknown lease: %v", err)
			}
			for name, call := range map[string]func() error{
				"an empty name":     func() error { _, err := a.TakeLease(ctx, "", "x", t0, ttl); return err },
				"a long name":       func() error { _, err := a.TakeLease(ctx, strings.Repeat("n", 65), "x", t0, ttl); return err },
				"an empty holder":   func() error { _, err := a.TakeLease(ctx, "n", "", t0, ttl); return err },
				"a long holder":     func() error { _, err := a.TakeLease(ctx, "n", strings.Repeat("h", 129), t0, ttl); return err },
				"no ttl":            func() error { _, err := a.TakeLease(ctx, "n", "x", t0, 0); return err },
				"a release, no one": func() error { return a.ReleaseLease(ctx, "n", "") },
			} {
				if call() == nil {
					t.Errorf("%s: no error", name)
				}
			}
		})
	}
}

// TestLeaseRace: replicas race for one lapsed lease, on SQLite and MariaDB
// through two handles and on Galera one handle a node (where the losers'
// writes fail certification and are retried): exactly one takes it.
func TestLeaseRace(t *testing.T) {
	type db struct {
		name string
		dbs  func(t *testing.T) []*store.DB
	}
	cases := []db{}
	for _, be := range backends[:2] {
		cases = append(cases, db{be.name, func(t *testing.T) []*store.DB {
			dsn := be.fresh(t)
			return []*store.DB{open(t, be.driver, dsn), open(t, be.driver, dsn)}
		}})
	}
	cases = append(cases, db{"galera", openNodes})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dbs := c.dbs(t)
			ctx := context.Background()
			t0 := time.Now()
			conflictsBefore := int64(0)
			for _, d := range dbs {
				conflictsBefore += d.Conflicts()
			}
			for round := 0; round < 10; round++ {
				now := t0.Add(time.Duration(round) * time.Minute) // every round finds the last one's lease lapsed
				var wg sync.WaitGroup
				var mu sync.Mutex
				var winners []string
				for i := 0; i < 9; i++ {
					d := dbs[i%len(dbs)]
					holder := fmt.Sprintf("replica-%d", i)
					wg.Go(func() {
						got, err := d.TakeLease(ctx, "race", holder, now, 30*time.Second)
						if err != nil {
							t.Error(err)
						}
						if got {
							mu.Lock()
							winners = append(winners, holder)
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				if len(winners) != 1 {
					t.Fatalf("round %d: %d replicas took the lease (%v), want 1", round, len(winners), winners)
				}
				l, err := dbs[0].GetLease(ctx, "race")
				if c.name == "galera" {
					l, err = leaseCausal(ctx, t, dbs[0], "race")
				}
				if err != nil || l.Holder != winners[0] {
					t.Fatalf("round %d: stored %+v %v, the winner %s", round, l, err, winners[0])
				}
			}
			conflicts := int64(0)
			for _, d := range dbs {
				conflicts += d.Conflicts()
			}
			t.Logf("%s: 10 rounds of 9 takers, exactly one holder each; %d certification conflicts retried", c.name, conflicts-conflictsBefore)
		})
	}
}

// leaseCausal reads a lease on a Galera node once the node has applied
// every write the cluster committed before (wsrep_sync_wait).
func leaseCausal(ctx context.Context, t *testing.T, db *store.DB, name string) (store.Lease, error) {
	t.Helper()
	conn, err := db.Gorm().DB()
	if err != nil {
		return store.Lease{}, err
	}
	c, err := conn.Conn(ctx)
	if err != nil {
		return store.Lease{}, err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "SET SESSION wsrep_sync_wait = 1"); err != nil {
		return store.Lease{}, err
	}
	var l store.Lease
	err = c.QueryRowContext(ctx, "SELECT name, holder, expires_at FROM leases WHERE name = ?", name).Scan(&l.Name, &l.Holder, &l.ExpiresAt)
	_, _ = c.ExecContext(ctx, "SET SESSION wsrep_sync_wait = 0")
	return l, err
}

// TestClientFoundRowsCannotMakeTwoFirsts opens the database with
// clientFoundRows=true, under which the server counts a duplicate left as
// it was as an affected row: a second taker of a held lease and a second
// sighting of a request id must still be refused.
func TestClientFoundRowsCannotMakeTwoFirsts(t *testing.T) {
	dsn := testdb.FreshMySQL(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db := open(t, store.DriverMySQL, dsn+sep+"clientFoundRows=true")
	ctx := context.Background()
	now := time.Now()
	if held, err := db.TakeLease(ctx, "corrections", "replica-a", now, time.Minute); err != nil || !held {
		t.Fatalf("first taker: held %v, %v", held, err)
	}
	if held, err := db.TakeLease(ctx, "corrections", "replica-b", now, time.Minute); err != nil || held {
		t.Fatalf("second taker of a held lease: held %v, %v; want refused", held, err)
	}
	until := now.Add(time.Minute)
	if first, err := db.FirstSeen(ctx, "jti-1", until); err != nil || !first {
		t.Fatalf("first sighting: %v, %v", first, err)
	}
	if first, err := db.FirstSeen(ctx, "jti-1", until); err != nil || first {
		t.Fatalf("second sighting: first %v, %v; want a replay", first, err)
	}
}
