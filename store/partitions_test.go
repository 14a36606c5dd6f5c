package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/internal/testdb"
)

// partitionBackends are the MySQL-compatible databases partitioning runs on.
var partitionBackends = []struct {
	name  string
	fresh func(t *testing.T) []string // one DSN, or one a node
}{
	{"mysql", func(t *testing.T) []string { return []string{testdb.FreshMySQL(t)} }},
	{"galera", func(t *testing.T) []string { return testdb.FreshGalera(t) }},
}

func openT(t *testing.T, driver, dsn string) *DB {
	t.Helper()
	db, err := Open(driver, dsn)
	if err != nil {
		t.Fatalf("Open(%s): %v", driver, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// idAt is a UUIDv7 of time at, made here rather than by audit.NewID: NewID
// never goes back, so one id of a day ahead would move every later id of
// the test binary to that day.
func idAt(at time.Time, i int) string {
	var u uuid.UUID
	ms := at.UnixMilli()
	for k := range 6 {
		u[k] = byte(ms >> (40 - 8*k))
	}
	u[6] = 0x70
	binary.BigEndian.PutUint64(u[8:], uint64(i)+uint64(rand.Uint32())<<32)
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

func rec(at time.Time, i int) audit.Record {
	return audit.Record{ID: idAt(at, i), CreatedAt: at, Gateway: "310000", Checkpoint: "p", Scene: "s",
		Issuer: "330000", Org: "330000", Format: "zj-v1", CodeID: fmt.Sprintf("c%d", i), Result: "valid",
		Reason: "ok", Status: "green", Source: "online", CodeSHA256: "ab", Admission: "admit"}
}

func dayNames(from time.Time, n int) []string {
	var out []string
	for i := range n {
		out = append(out, "p"+dayStart(from).AddDate(0, 0, i).Format(dayLayout))
	}
	return out
}

func partitionNames(t *testing.T, db *DB) []string {
	t.Helper()
	days, err := db.dayPartitions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range days {
		out = append(out, "p"+d.Format(dayLayout))
	}
	return out
}

func showCreate(t *testing.T, db *DB) string {
	t.Helper()
	var name, ddl string
	if err := db.sqlDB.QueryRow("SHOW CREATE TABLE `records`").Scan(&name, &ddl); err != nil {
		t.Fatal(err)
	}
	return ddl
}

// TestRecordsPartitionedByDay: a new MySQL records table is partitioned by
// day from today through PartitionsAhead days ahead, its primary key holds
// created_at, and reopening it (AutoMigrate again) changes nothing.
func TestRecordsPartitionedByDay(t *testing.T) {
	for _, be := range partitionBackends {
		t.Run(be.name, func(t *testing.T) {
			dsn := be.fresh(t)[0]
			db := openT(t, DriverMySQL, dsn)
			if got, want := partitionNames(t, db), dayNames(time.Now(), PartitionsAhead+1); !slices.Equal(got, want) {
				t.Fatalf("partitions %v, want %v", got, want)
			}
			var cols []string
			if err := db.gdb.Raw("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() " +
				"AND TABLE_NAME = 'records' AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION").Scan(&cols).Error; err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cols, []string{"id", "created_at"}) {
				t.Fatalf("primary key %v, want [id created_at]", cols)
			}
			before := showCreate(t, db)
			db.Close()
			again := openT(t, DriverMySQL, dsn)
			if after := showCreate(t, again); after != before {
				t.Fatalf("reopening changed the records table:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestRetentionDropsWholeDays drives maintenance with an injected clock:
// partitions are added ahead as the days pass, a day is dropped once all of
// it is older than the retention, a record of a kept day stays readable,
// and replicas maintaining at the same moment do not fail each other.
func TestRetentionDropsWholeDays(t *testing.T) {
	for _, be := range partitionBackends {
		t.Run(be.name, func(t *testing.T) {
			ctx := context.Background()
			dsns := be.fresh(t)
			var dbs []*DB
			for _, dsn := range dsns {
				dbs = append(dbs, openT(t, DriverMySQL, dsn))
			}
			db := dbs[0]
			today := dayStart(time.Now())
			const keep = 30 * 24 * time.Hour

			// Ten days on: three replicas (Galera nodes) at once.
			now := today.AddDate(0, 0, 10).Add(13 * time.Hour)
			var wg sync.WaitGroup
			errs := make([]error, len(dbs))
			for i, d := range dbs {
				wg.Go(func() { _, errs[i] = d.MaintainRecords(ctx, now, keep) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("replica %d: MaintainRecords: %v", i+1, err)
				}
			}
			if got, want := partitionNames(t, db), dayNames(today, 10+PartitionsAhead+1); !slices.Equal(got, want) {
				t.Fatalf("after ten days: partitions %v, want %v", got, want)
			}

			old, kept := rec(today.Add(time.Hour), 0), rec(today.AddDate(0, 0, 12).Add(time.Hour), 1)
			if err := db.InsertRecords(ctx, []audit.Record{old, kept}); err != nil {
				t.Fatal(err)
			}

			// Forty-two days on, one second before day 12 is wholly older
			// than 30 days: days 0 to 11 go, day 12 stays.
			now = today.AddDate(0, 0, 43).Add(-time.Second)
			m, err := db.MaintainRecords(ctx, now, keep)
			if err != nil {
				t.Fatal(err)
			}
			if want := dayNames(today, 12); !slices.Equal(m.Dropped, want) {
				t.Fatalf("dropped %v, want %v", m.Dropped, want)
			}
			if m.Deleted != 0 {
				t.Fatalf("a partitioned table deleted %d rows one by one", m.Deleted)
			}
			if _, err := db.GetRecord(ctx, old.ID); err != ErrNotFound {
				t.Fatalf("a record of a dropped day: %v, want ErrNotFound", err)
			}
			if got, err := db.GetRecord(ctx, kept.ID); err != nil || got.CodeID != kept.CodeID {
				t.Fatalf("a record of a kept day: %+v, %v", got, err)
			}
			names := partitionNames(t, db)
			if names[0] != "p"+today.AddDate(0, 0, 12).Format(dayLayout) ||
				names[len(names)-1] != "p"+dayStart(now).AddDate(0, 0, PartitionsAhead).Format(dayLayout) {
				t.Fatalf("partitions after the purge: %v", names)
			}
			// Again at the same moment: nothing left to do.
			if m, err := db.MaintainRecords(ctx, now, keep); err != nil || len(m.Added)+len(m.Dropped) != 0 {
				t.Fatalf("a second maintenance: %+v, %v", m, err)
			}
			// A record of a day beyond the partitions is refused, not stored
			// unpartitioned: maintenance must keep ahead.
			far := rec(dayStart(now).AddDate(0, 0, PartitionsAhead+1), 2)
			if err := db.InsertRecords(ctx, []audit.Record{far}); err == nil {
				t.Fatal("a record beyond the last partition was stored")
			}
		})
	}
}

// TestGetRecordBoundedByIDTime: the lookup bounded by the id's time finds a
// record, and one whose created_at is far from its id's time (a clock
// stepped back) is still found, by the unbounded probe.
func TestGetRecordBoundedByIDTime(t *testing.T) {
	ctx := context.Background()
	run := func(t *testing.T, db *DB) {
		now := time.Now()
		near := rec(now, 0)
		far := rec(now.Add(-3*24*time.Hour), 1)
		far.ID = idAt(now, 1)
		notV7 := rec(now, 2)
		notV7.ID = "8f1c2a4e-5b6d-4e7f-9a0b-1c2d3e4f5a6b" // a v4
		if err := db.InsertRecords(ctx, []audit.Record{near, far, notV7}); err != nil {
			t.Fatal(err)
		}
		for _, r := range []audit.Record{near, far, notV7} {
			if got, err := db.GetRecord(ctx, r.ID); err != nil || got.CodeID != r.CodeID {
				t.Fatalf("GetRecord(%s): %+v, %v", r.ID, got, err)
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, openT(t, DriverSQLite, "file:"+filepath.Join(t.TempDir(), "h.db"))) })
	for _, be := range partitionBackends {
		t.Run(be.name, func(t *testing.T) { run(t, openT(t, DriverMySQL, be.fresh(t)[0])) })
	}
}

func TestIDTime(t *testing.T) {
	at := time.Date(2026, 12, 1, 21, 30, 15, 123_456_789, time.UTC)
	now := time.Now()
	fromNewID := audit.NewID(now)
	if got, ok := idTime(fromNewID); !ok || got.Before(now.Truncate(time.Millisecond)) || got.After(now.Add(time.Second)) {
		t.Fatalf("idTime(audit.NewID(%v)) = %v, %v", now, got, ok)
	}
	tests := map[string]struct {
		id   string
		want time.Time
		ok   bool
	}{
		"a UUIDv7 carries its millisecond": {idAt(at, 1), at.Truncate(time.Millisecond), true},
		"a UUIDv4 carries no time":         {"8f1c2a4e-5b6d-4e7f-9a0b-1c2d3e4f5a6b", time.Time{}, false},
		"not a UUID":                       {"record-1", time.Time{}, false},
		"empty":                            {"", time.Time{}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := idTime(tc.id)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Fatalf("idTime(%q) = %v, %v; want %v, %v", tc.id, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestBatchedPurgeNeverHoldsTheDatabase: where the table is not partitioned
// (SQLite; a MySQL table made before partitioning), retention deletes in
// batches, and between two batches a verification's record commits and a
// record is read. Each batch is its own statement: on SQLite's single
// connection a purge holding one transaction over every batch would make
// the insert below wait for the whole purge, and the test fail on its
// context.
func TestBatchedPurgeNeverHoldsTheDatabase(t *testing.T) {
	run := func(t *testing.T, db *DB) {
		ctx := context.Background()
		now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC) // the injected clock
		const old = 2*purgeBatch + 500
		var recs []audit.Record
		for i := range old {
			recs = append(recs, rec(now.AddDate(0, 0, -40).Add(time.Duration(i)*time.Second), i))
		}
		keptRec := rec(now.AddDate(0, 0, -29), old)
		recs = append(recs, keptRec)
		if err := db.InsertRecords(ctx, recs); err != nil {
			t.Fatal(err)
		}
		batches := 0
		m, err := db.maintainRecords(ctx, now, 30*24*time.Hour, func() {
			batches++
			// A verification between two batches: its record commits
			// and reads back while the purge is under way.
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			r := rec(now, 10_000+batches)
			if err := db.InsertRecords(wctx, []audit.Record{r}); err != nil {
				t.Errorf("insert during the purge (batch %d): %v", batches, err)
				return
			}
			if _, err := db.GetRecord(wctx, r.ID); err != nil {
				t.Errorf("read during the purge (batch %d): %v", batches, err)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if m.Deleted != old || len(m.Dropped) != 0 {
			t.Fatalf("purge: %+v; want %d rows deleted in batches", m, old)
		}
		if want := old/purgeBatch + 1; batches != want {
			t.Fatalf("%d batches, want %d of at most %d rows", batches, want, purgeBatch)
		}
		n, err := db.CountRecords(ctx)
		if err != nil || n != int64(1+batches) {
			t.Fatalf("after the purge: %d records, %v; want the kept one and the %d written during it", n, err, batches)
		}
		if _, err := db.GetRecord(ctx, keptRec.ID); err != nil {
			t.Fatalf("a record within the retention was purged: %v", err)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, openT(t, DriverSQLite, "file:"+filepath.Join(t.TempDir(), "h.db"))) })
	t.Run("mysql-unpartitioned", func(t *testing.T) {
		db := openT(t, DriverMySQL, testdb.FreshMySQL(t))
		if err := db.gdb.Exec("ALTER TABLE `records` REMOVE PARTITIONING").Error; err != nil {
			t.Fatal(err)
		}
		if p, err := db.Partitioned(context.Background()); err != nil || p {
			t.Fatalf("Partitioned = %v, %v after REMOVE PARTITIONING", p, err)
		}
		run(t, db)
	})
}

// FuzzIDTime: any record id a client sends (GET /v1/records/{id}) is either
// a UUIDv7 whose time is its first 48 bits, or refused; never a panic.
func FuzzIDTime(f *testing.F) {
	for _, s := range []string{"", "0193a7b2-1c3d-7e4f-8a5b-6c7d8e9fa0b1", "8f1c2a4e-5b6d-4e7f-9a0b-1c2d3e4f5a6b",
		"{0193a7b2-1c3d-7e4f-8a5b-6c7d8e9fa0b1}", "urn:uuid:0193a7b2-1c3d-7e4f-8a5b-6c7d8e9fa0b1", "ffffffff-ffff-7fff-bfff-ffffffffffff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		at, ok := idTime(id)
		if !ok {
			if !at.IsZero() {
				t.Fatalf("idTime(%q) refused it but gave %v", id, at)
			}
			return
		}
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 {
			t.Fatalf("idTime(%q) accepted what is not a UUIDv7 (%v)", id, err)
		}
		if ms := at.UnixMilli(); ms < 0 || ms >= 1<<48 {
			t.Fatalf("idTime(%q) = %v: outside 48 bits of milliseconds", id, at)
		}
	})
}

// TestPartitionDropBesideWrites drops ten day partitions and adds others
// (injected clock) while group commits of records of a kept day go on from
// every node: every commit succeeds and every record stays.
func TestPartitionDropBesideWrites(t *testing.T) {
	for _, be := range partitionBackends {
		t.Run(be.name, func(t *testing.T) {
			ctx := context.Background()
			var dbs []*DB
			for _, dsn := range be.fresh(t) {
				dbs = append(dbs, openT(t, DriverMySQL, dsn))
			}
			today := dayStart(time.Now())
			const keep = 30 * 24 * time.Hour
			if _, err := dbs[0].MaintainRecords(ctx, today.AddDate(0, 0, 15), keep); err != nil {
				t.Fatal(err)
			}
			// Galera applies the DDL on the other nodes just after it
			// returns on the first: wait until every node has the days.
			want := partitionNames(t, dbs[0])
			for i, db := range dbs[1:] {
				for deadline := time.Now().Add(30 * time.Second); !slices.Equal(partitionNames(t, db), want); time.Sleep(20 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("node %d: partitions %v, want %v", i+2, partitionNames(t, db), want)
					}
				}
			}
			for d := range 10 { // something in each day to drop
				if err := dbs[0].InsertRecords(ctx, []audit.Record{rec(today.AddDate(0, 0, d).Add(time.Hour), d)}); err != nil {
					t.Fatal(err)
				}
			}
			kept := today.AddDate(0, 0, 20)
			stop := make(chan struct{})
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				written []string
				failed  []error
			)
			for n, db := range dbs {
				w := audit.NewWriter(db, audit.DefaultOptions())
				for g := range 8 {
					wg.Go(func() {
						for i := 0; i < 2000; i++ {
							select {
							case <-stop:
								return
							default:
							}
							r := rec(kept.Add(time.Duration(i)*time.Millisecond), (n*8+g)*10000+i)
							err := w.Write(ctx, r)
							mu.Lock()
							if err != nil {
								failed = append(failed, err)
							} else {
								written = append(written, r.ID)
							}
							mu.Unlock()
						}
					})
				}
				t.Cleanup(func() { w.Close(context.Background()) })
			}
			m, err := dbs[0].MaintainRecords(ctx, today.AddDate(0, 0, 40), keep)
			close(stop)
			wg.Wait()
			if err != nil {
				t.Fatalf("MaintainRecords beside the writes: %v", err)
			}
			if want := dayNames(today, 10); !slices.Equal(m.Dropped, want) {
				t.Fatalf("dropped %v, want %v", m.Dropped, want)
			}
			for _, err := range failed {
				t.Errorf("a commit beside the maintenance failed: %v", err)
			}
			// Read through node 1: on Galera the other nodes' last commits
			// are applied there just after they return.
			var n int64
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if err := dbs[0].gdb.Raw("SELECT COUNT(*) FROM records WHERE created_at >= ?", kept).Scan(&n).Error; err != nil {
					t.Fatal(err)
				}
				if n == int64(len(written)) || time.Now().After(deadline) {
					break
				}
			}
			if n != int64(len(written)) {
				t.Fatalf("%d records of the kept day, %d committed", n, len(written))
			}
			t.Logf("%d records committed from %d nodes while %d partitions were dropped and %d added", len(written), len(dbs), len(m.Dropped), len(m.Added))
		})
	}
}
