package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	moderncsqlite "modernc.org/sqlite"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/store"
)

// backend is one database the suite runs against. fresh makes an empty
// database of its own for one test and returns its DSN.
type backend struct {
	name, driver string
	fresh        func(t *testing.T) string
}

var backends = []backend{
	{name: "sqlite", driver: store.DriverSQLite, fresh: func(t *testing.T) string {
		return "file:" + filepath.Join(t.TempDir(), "hcgw.db")
	}},
	{name: "mysql", driver: store.DriverMySQL, fresh: func(t *testing.T) string { return testdb.FreshMySQL(t) }},
	// Galera through one node: the schema, the partitions and every write
	// under its rules (primary keys, row-based replication).
	{name: "galera", driver: store.DriverMySQL, fresh: func(t *testing.T) string { return testdb.FreshGalera(t)[0] }},
}

// env is what a case gets: an open database and the means to open it again.
type env struct {
	driver, dsn string
	db          *store.DB
}

func (e env) reopen(t *testing.T) *store.DB {
	t.Helper()
	return open(t, e.driver, e.dsn)
}

func open(t *testing.T, driver, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(driver, dsn)
	if err != nil {
		t.Fatalf("Open(%s): %v", driver, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestStore runs every case against every backend, each on a fresh database.
func TestStore(t *testing.T) {
	cases := map[string]func(t *testing.T, e env){
		"a record round-trips every field":                       testRecordRoundTrip,
		"a records table from before admission gains the column": testAdmissionColumnMigrated,
		"an absent record is ErrNotFound":                        testRecordNotFound,
		"a thousand records go in one batch":                     testThousandRecordBatch,
		"a batch with one bad record stores none":                testBatchIsAtomic,
		"a batch stored already is stored again without error":   testBatchRetriedAfterLostAnswer,
		"over-long display strings are clipped, not refused":     testClipping,
		"saving a trust entry twice keeps one row":               testTrustEntryIdempotent,
		"trust entries come back in insertion order":             testTrustEntryOrder,
		"trust entry ids are case-sensitive":                     testTrustEntryCaseSensitive,
		"a malformed trust entry is refused":                     testTrustEntryValidation,
		"trust events come newest first":                         testTrustEventOrder,
		"reopening the database keeps its data":                  testReopen,
		"concurrent inserts all land":                            testConcurrentInserts,
		"an audit writer group-commits into the store":           testAuditWriterEndToEnd,
		"the database answers ping and names its driver":         testPingAndDriver,
		"a cancelled context stops an insert and stores nothing": testCancelledInsert,
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			for name, c := range cases {
				t.Run(name, func(t *testing.T) {
					dsn := be.fresh(t)
					c(t, env{driver: be.driver, dsn: dsn, db: open(t, be.driver, dsn)})
				})
			}
		})
	}
}

var shanghai = time.FixedZone("CST", 8*3600)

func sampleRecord(i int) audit.Record {
	at := time.Date(2026, 11, 23, 16, 0, 0, 0, shanghai).Add(time.Duration(i) * 1_234_567_891)
	return audit.Record{
		ID:             audit.NewID(at),
		CreatedAt:      at,
		Gateway:        "310000",
		Checkpoint:     "浦东机场-T2-闸机07",
		Scene:          "transport",
		Issuer:         "330000",
		Org:            "330000",
		Format:         "zj-v1",
		CodeID:         fmt.Sprintf("tok_%06d_AbCdEfGhIj", i),
		Result:         "valid",
		Reason:         "",
		Status:         "green",
		Source:         "online",
		Degraded:       i%2 == 1,
		Conflict:       i%3 == 1,
		HolderName:     "欧**锋",
		HolderID:       "3301**********123X",
		CodeSHA256:     strings.Repeat("ab", 32),
		DurationMicros: int64(1000 + i),
		Admission:      [...]string{"admit", "deny", "check"}[i%3],
		Star:           i%2 == 0,
	}
}

// stored is what a record is expected to read back as: times in UTC, to the
// microsecond.
func stored(r audit.Record) audit.Record {
	r.CreatedAt = r.CreatedAt.UTC().Truncate(time.Microsecond)
	return r
}

func testRecordRoundTrip(t *testing.T, e env) {
	ctx := context.Background()
	recs := []audit.Record{sampleRecord(0), sampleRecord(1), sampleRecord(2)}
	recs[1].Result, recs[1].Reason, recs[1].Status, recs[1].Source = "unverified", "issuer_unavailable", "", ""
	recs[2].HolderName, recs[2].Checkpoint = "张*", "𠀀𠀁-生僻字-🙂" // four-byte UTF-8 needs utf8mb4
	recs[2].Degraded, recs[2].Conflict = true, true
	recs[2].CreatedAt = recs[2].CreatedAt.Add(987 * time.Nanosecond)
	if err := e.db.InsertRecords(ctx, recs); err != nil {
		t.Fatalf("InsertRecords: %v", err)
	}
	for _, want := range recs {
		got, err := e.db.GetRecord(ctx, want.ID)
		if err != nil {
			t.Fatalf("GetRecord(%s): %v", want.ID, err)
		}
		if *got != stored(want) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", *got, stored(want))
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt in %v, want UTC", got.CreatedAt.Location())
		}
	}
}

// testAdmissionColumnMigrated: a database made before records kept the
// admission decision, with rows in it, opens (the column is added with its
// default) and its old rows read back with no decision.
func testAdmissionColumnMigrated(t *testing.T, e env) {
	ctx := context.Background()
	old := sampleRecord(0)
	if err := e.db.InsertRecords(ctx, []audit.Record{old}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Gorm().Exec("ALTER TABLE `records` DROP COLUMN `admission`").Error; err != nil {
		t.Fatalf("drop column: %v", err)
	}
	e.db.Close()
	db := e.reopen(t)
	got, err := db.GetRecord(ctx, old.ID)
	if err != nil {
		t.Fatalf("GetRecord after migration: %v", err)
	}
	want := stored(old)
	want.Admission = ""
	if *got != want {
		t.Fatalf("old row after migration:\n got %+v\nwant %+v", *got, want)
	}
	fresh := sampleRecord(1)
	if err := db.InsertRecords(ctx, []audit.Record{fresh}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GetRecord(ctx, fresh.ID); err != nil || got.Admission != fresh.Admission {
		t.Fatalf("new row: %+v, %v; want admission %q", got, err, fresh.Admission)
	}
}

func testRecordNotFound(t *testing.T, e env) {
	ctx := context.Background()
	if err := e.db.InsertRecords(ctx, []audit.Record{sampleRecord(0)}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{audit.NewID(time.Now()), "", strings.Repeat("x", 100)} {
		if _, err := e.db.GetRecord(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetRecord(%q): %v, want ErrNotFound", id, err)
		}
	}
}

func testThousandRecordBatch(t *testing.T, e env) {
	ctx := context.Background()
	recs := make([]audit.Record, 1000)
	for i := range recs {
		recs[i] = sampleRecord(i)
	}
	if err := e.db.InsertRecords(ctx, recs); err != nil {
		t.Fatalf("InsertRecords(1000): %v", err)
	}
	n, err := e.db.CountRecords(ctx)
	if err != nil || n != 1000 {
		t.Fatalf("CountRecords = %d, %v; want 1000", n, err)
	}
	// Every record, whatever the size of the statements that carried
	// them: the edges of every chunk are among them.
	for i := range recs {
		got, err := e.db.GetRecord(ctx, recs[i].ID)
		if err != nil {
			t.Fatalf("GetRecord(#%d): %v", i, err)
		}
		if *got != stored(recs[i]) {
			t.Fatalf("record #%d:\n got %+v\nwant %+v", i, *got, stored(recs[i]))
		}
	}
}

func testBatchIsAtomic(t *testing.T, e env) {
	ctx := context.Background()
	first := sampleRecord(0)
	if err := e.db.InsertRecords(ctx, []audit.Record{first}); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{10, 1000} { // one statement; several in a transaction
		recs := make([]audit.Record, size)
		for i := range recs {
			recs[i] = sampleRecord(i + 1)
		}
		// A duplicate key, last so the rest would go in first. The key is
		// (id, created_at) on a partitioned MySQL table.
		recs[size-1].ID, recs[size-1].CreatedAt = first.ID, first.CreatedAt
		if err := e.db.InsertRecords(ctx, recs); err == nil {
			t.Fatalf("InsertRecords(%d) with a duplicate id succeeded", size)
		}
		if n, err := e.db.CountRecords(ctx); err != nil || n != 1 {
			t.Fatalf("after a failed batch of %d: CountRecords = %d, %v; want 1", size, n, err)
		}
	}
}

// testBatchRetriedAfterLostAnswer is the audit writer's retry of a commit
// whose answer was lost (the node died after COMMIT): every record is
// already there, so the retry must succeed and store nothing twice, or the
// writer would retry a duplicate key for ever.
func testBatchRetriedAfterLostAnswer(t *testing.T, e env) {
	ctx := context.Background()
	for _, size := range []int{1, 10, 1000} { // one statement; several in a transaction
		recs := make([]audit.Record, size)
		for i := range recs {
			recs[i] = sampleRecord(i)
		}
		before, err := e.db.CountRecords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for attempt := range 2 {
			if err := e.db.InsertRecords(ctx, recs); err != nil {
				t.Fatalf("InsertRecords(%d), attempt %d: %v", size, attempt+1, err)
			}
		}
		if n, err := e.db.CountRecords(ctx); err != nil || n != before+int64(size) {
			t.Fatalf("after a batch of %d stored twice: CountRecords = %d, %v; want %d", size, n, err, before+int64(size))
		}
	}
}

func testClipping(t *testing.T, e env) {
	ctx := context.Background()
	r := sampleRecord(0)
	r.Checkpoint = strings.Repeat("检", 300)
	r.Scene = "bad-\xff-utf8"
	r.HolderName = strings.Repeat("名", 100)
	if err := e.db.InsertRecords(ctx, []audit.Record{r}); err != nil {
		t.Fatalf("InsertRecords with over-long strings: %v", err)
	}
	got, err := e.db.GetRecord(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(got.Checkpoint); n != 128 || !strings.HasPrefix(r.Checkpoint, got.Checkpoint) {
		t.Fatalf("checkpoint clipped to %d characters, want the first 128", n)
	}
	if n := utf8.RuneCountInString(got.HolderName); n != 64 {
		t.Fatalf("holder name clipped to %d characters, want 64", n)
	}
	if got.Scene != "bad-\uFFFD-utf8" {
		t.Fatalf("scene %q, want invalid UTF-8 replaced", got.Scene)
	}
}

func entry(kind, kid, jti string) store.TrustEntry {
	return store.TrustEntry{Kind: kind, Kid: kid, JTI: jti, Sub: "310000", JWS: "eyJhbGciOiJFUzI1NiJ9." + kid + "." + jti}
}

func testTrustEntryIdempotent(t *testing.T, e env) {
	ctx := context.Background()
	a := entry(store.KindEndorsement, "kidA", "jti-1")
	for range 3 {
		if err := e.db.SaveTrustEntry(ctx, a); err != nil {
			t.Fatalf("SaveTrustEntry: %v", err)
		}
	}
	again := a
	again.JWS = "a different body under the same identity"
	if err := e.db.SaveTrustEntry(ctx, again); err != nil {
		t.Fatalf("SaveTrustEntry of a known (kind, kid, jti): %v", err)
	}
	rev := entry(store.KindRevocation, "kidA", "") // revocations carry no jti
	for range 2 {
		if err := e.db.SaveTrustEntry(ctx, rev); err != nil {
			t.Fatalf("SaveTrustEntry(revocation): %v", err)
		}
	}
	got, err := e.db.TrustEntries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d entries, want 2: %+v", len(got), got)
	}
	if got[0].JWS != a.JWS {
		t.Fatalf("first save should win: JWS %q", got[0].JWS)
	}
	if got[1].Kind != store.KindRevocation || got[1].Kid != "kidA" || got[1].JTI != "" {
		t.Fatalf("second entry %+v, want the revocation", got[1])
	}
}

func testTrustEntryOrder(t *testing.T, e env) {
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	for i := range 20 {
		en := entry(store.KindEndorsement, fmt.Sprintf("kid-%02d", 19-i), "j")
		if i < 10 {
			en.CreatedAt = base // same instant: the insertion sequence decides
		} else {
			en.CreatedAt = base.Add(time.Duration(i) * time.Second)
		}
		if err := e.db.SaveTrustEntry(ctx, en); err != nil {
			t.Fatal(err)
		}
		want = append(want, en.Kid)
	}
	got, err := e.db.TrustEntries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for i, g := range got {
		kids = append(kids, g.Kid)
		if g.CreatedAt.Location() != time.UTC || g.Sub != "310000" || g.JTI != "j" {
			t.Fatalf("entry %d: %+v", i, g)
		}
	}
	if strings.Join(kids, " ") != strings.Join(want, " ") {
		t.Fatalf("order\n got %v\nwant %v", kids, want)
	}
}

func testTrustEntryCaseSensitive(t *testing.T, e env) {
	ctx := context.Background()
	// base64url thumbprints differing only in case are different keys.
	for _, kid := range []string{"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", "NZBLSXH8UDCCD-6MNWXF4W_7NOWXFZAFHKXZSRGC9XS"} {
		if err := e.db.SaveTrustEntry(ctx, entry(store.KindEndorsement, kid, "jti")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.db.TrustEntries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d entries, want 2: kids that differ in case were merged", len(got))
	}
}

func testTrustEntryValidation(t *testing.T, e env) {
	ctx := context.Background()
	tests := map[string]store.TrustEntry{
		"unknown kind":  entry("grant", "kid", "j"),
		"empty kid":     entry(store.KindEndorsement, "", "j"),
		"over-long kid": entry(store.KindEndorsement, strings.Repeat("k", 200), "j"),
		"over-long jti": entry(store.KindEndorsement, "kid", strings.Repeat("j", 200)),
		"empty JWS":     {Kind: store.KindRevocation, Kid: "kid"},
	}
	for name, en := range tests {
		if err := e.db.SaveTrustEntry(ctx, en); err == nil {
			t.Errorf("%s: SaveTrustEntry succeeded", name)
		}
	}
	if got, err := e.db.TrustEntries(ctx); err != nil || len(got) != 0 {
		t.Fatalf("TrustEntries = %d, %v; want none", len(got), err)
	}
}

func testTrustEventOrder(t *testing.T, e env) {
	ctx := context.Background()
	base := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	events := []store.TrustEvent{
		{At: base, Action: "key_generate", Kid: "k1", Sub: "310000", Actor: "ops"},
		{At: base.Add(time.Second), Action: "endorse", Kid: "k1", Sub: "310000", Actor: "ops", Detail: "use=codes,status"},
		{At: base.Add(2 * time.Second), Action: "issue", Sub: "540000", Actor: "ops", Detail: "张*"},
		{At: base.Add(2 * time.Second), Action: "revoke", Kid: "k1", Sub: "310000", Actor: "ops", Detail: "key compromise"},
		{ID: audit.NewID(base.Add(3 * time.Second)), At: base.Add(3 * time.Second), Action: "endorse", Kid: "k2", Actor: "ops"},
	}
	for _, ev := range events {
		if err := e.db.InsertTrustEvent(ctx, ev); err != nil {
			t.Fatalf("InsertTrustEvent: %v", err)
		}
	}
	got, err := e.db.TrustEvents(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, g := range got {
		actions = append(actions, g.Action)
		if g.ID == "" || g.At.Location() != time.UTC {
			t.Fatalf("event %+v: want an id and a UTC time", g)
		}
	}
	// Same instant: the later id (made later) comes first.
	if want := "endorse revoke issue endorse key_generate"; strings.Join(actions, " ") != want {
		t.Fatalf("events %v, want %s", actions, want)
	}
	if got[0].ID != events[4].ID || got[1].Detail != "key compromise" || got[2].Detail != "张*" || !got[4].At.Equal(base) {
		t.Fatalf("events not stored as given: %+v", got)
	}
	two, err := e.db.TrustEvents(ctx, 2)
	if err != nil || len(two) != 2 || two[0].ID != got[0].ID || two[1].ID != got[1].ID {
		t.Fatalf("TrustEvents(2) = %+v, %v; want the two newest", two, err)
	}
	if all, err := e.db.TrustEvents(ctx, 0); err != nil || len(all) != len(events) {
		t.Fatalf("TrustEvents(0) = %d, %v; want all %d under the default limit", len(all), err, len(events))
	}
}

func testReopen(t *testing.T, e env) {
	ctx := context.Background()
	r := sampleRecord(1)
	if err := e.db.InsertRecords(ctx, []audit.Record{r}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SaveTrustEntry(ctx, entry(store.KindEndorsement, "k", "j")); err != nil {
		t.Fatal(err)
	}
	if err := e.db.InsertTrustEvent(ctx, store.TrustEvent{Action: "endorse", Kid: "k"}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	db := e.reopen(t) // migrates an existing schema again
	got, err := db.GetRecord(ctx, r.ID)
	if err != nil || *got != stored(r) {
		t.Fatalf("after reopen: GetRecord = %+v, %v", got, err)
	}
	if en, err := db.TrustEntries(ctx); err != nil || len(en) != 1 {
		t.Fatalf("after reopen: TrustEntries = %+v, %v", en, err)
	}
	if ev, err := db.TrustEvents(ctx, 0); err != nil || len(ev) != 1 {
		t.Fatalf("after reopen: TrustEvents = %+v, %v", ev, err)
	}
	// Still writable, and the idempotence survives the reopen.
	if err := db.SaveTrustEntry(ctx, entry(store.KindEndorsement, "k", "j")); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertRecords(ctx, []audit.Record{sampleRecord(2)}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CountRecords(ctx); err != nil || n != 2 {
		t.Fatalf("CountRecords = %d, %v; want 2", n, err)
	}
}

func testConcurrentInserts(t *testing.T, e env) {
	ctx := context.Background()
	const workers, batches, size = 8, 10, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*batches)
	for w := range workers {
		wg.Go(func() {
			for b := range batches {
				recs := make([]audit.Record, size)
				for i := range recs {
					recs[i] = sampleRecord((w*batches+b)*size + i)
				}
				errs <- e.db.InsertRecords(ctx, recs)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent InsertRecords: %v", err)
		}
	}
	if n, err := e.db.CountRecords(ctx); err != nil || n != workers*batches*size {
		t.Fatalf("CountRecords = %d, %v; want %d", n, err, workers*batches*size)
	}
}

func testAuditWriterEndToEnd(t *testing.T, e env) {
	ctx := context.Background()
	w := audit.NewWriter(e.db, audit.DefaultOptions())
	const n = 200
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		r := sampleRecord(i)
		ids[i] = r.ID
		wg.Go(func() { errs <- w.Write(ctx, r) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("sync Write: %v", err)
		}
	}
	// Sync: every Write that returned nil is already readable.
	for _, id := range ids {
		if _, err := e.db.GetRecord(ctx, id); err != nil {
			t.Fatalf("GetRecord(%s) after sync Write: %v", id, err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func testPingAndDriver(t *testing.T, e env) {
	if err := e.db.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if e.db.Driver() != e.driver {
		t.Fatalf("Driver() = %q, want %q", e.db.Driver(), e.driver)
	}
	if e.db.Gorm() == nil {
		t.Fatal("Gorm() = nil")
	}
}

func testCancelledInsert(t *testing.T, e env) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.db.InsertRecords(ctx, []audit.Record{sampleRecord(0)}); !errors.Is(err, context.Canceled) {
		t.Fatalf("InsertRecords with a cancelled context: %v, want context.Canceled", err)
	}
	if n, err := e.db.CountRecords(context.Background()); err != nil || n != 0 {
		t.Fatalf("CountRecords = %d, %v; want 0", n, err)
	}
}

func TestOpenRefusesAnUnknownDriver(t *testing.T) {
	for _, driver := range []string{"postgres", "", "SQLite"} {
		_, err := store.Open(driver, "x")
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", driver)) {
			t.Fatalf("Open(%q): %v, want an error naming the driver", driver, err)
		}
	}
}

func TestSQLitePragmasTakeEffect(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]struct {
		dsn  string
		want map[string]string
	}{
		"defaults are added": {
			dsn:  "file:" + filepath.Join(dir, "a.db"),
			want: map[string]string{"journal_mode": "wal", "synchronous": "2", "busy_timeout": "5000", "foreign_keys": "1"},
		},
		"a plain path works too": {
			dsn:  filepath.Join(dir, "b.db"),
			want: map[string]string{"journal_mode": "wal", "synchronous": "2"},
		},
		"the DSN's own pragmas win": {
			dsn:  "file:" + filepath.Join(dir, "c.db") + "?_pragma=synchronous(NORMAL)&_pragma=busy_timeout(250)",
			want: map[string]string{"journal_mode": "wal", "synchronous": "1", "busy_timeout": "250", "foreign_keys": "1"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			db := open(t, store.DriverSQLite, tc.dsn)
			for pragma, want := range tc.want {
				var got string
				if err := db.Gorm().Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
					t.Fatalf("PRAGMA %s: %v", pragma, err)
				}
				if !strings.EqualFold(got, want) {
					t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
				}
			}
		})
	}
}

// TestSQLiteTimesAreStoredInSQLiteFormat pins the text form of stored
// times: the one SQLite's date functions read, whose text order is time
// order, and the one earlier versions of the gateway wrote (files keep
// working across the driver change).
// TestSQLiteCommitsWithFdatasync: opening a SQLite store switches the
// process's SQLite to fdatasync on Linux, and records still commit.
func TestSQLiteCommitsWithFdatasync(t *testing.T) {
	db, err := store.Open(store.DriverSQLite, "file:"+filepath.Join(t.TempDir(), "hcgw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if runtime.GOOS == "linux" && !moderncsqlite.FdatasyncEnabled() {
		t.Fatal("SQLite commits with fsync after store.Open; want fdatasync")
	}
	if err := db.InsertRecords(context.Background(), []audit.Record{sampleRecord(1)}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CountRecords(context.Background()); err != nil || n != 1 {
		t.Fatalf("CountRecords = %d, %v; want 1", n, err)
	}
}

func TestSQLiteTimesAreStoredInSQLiteFormat(t *testing.T) {
	db := open(t, store.DriverSQLite, "file:"+filepath.Join(t.TempDir(), "t.db"))
	at := time.Date(2026, 11, 24, 21, 50, 30, 123456000, time.UTC)
	if err := db.InsertRecords(context.Background(), []audit.Record{{ID: "r1", CreatedAt: at, Result: "valid"}}); err != nil {
		t.Fatal(err)
	}
	var text string
	if err := db.Gorm().Raw("SELECT unhex(hex(created_at)) FROM records WHERE id = 'r1'").Scan(&text).Error; err != nil {
		t.Fatal(err)
	}
	if want := "2026-11-24 21:50:30.123456+00:00"; text != want {
		t.Fatalf("created_at stored as %q, want %q", text, want)
	}
	var unix int64
	if err := db.Gorm().Raw("SELECT CAST(strftime('%s', created_at) AS INTEGER) FROM records WHERE id = 'r1'").Scan(&unix).Error; err != nil {
		t.Fatal(err)
	}
	if unix != at.Unix() {
		t.Fatalf("strftime('%%s', created_at) = %d, want %d", unix, at.Unix())
	}
	got, err := db.GetRecord(context.Background(), "r1")
	if err != nil || !got.CreatedAt.Equal(at) {
		t.Fatalf("GetRecord = %v, %v; want created_at %v", got, err, at)
	}
}

func TestOpenFailsOnAnUnusableSQLitePath(t *testing.T) {
	dsn := "file:" + filepath.Join(t.TempDir(), "no", "such", "dir", "hcgw.db")
	if db, err := store.Open(store.DriverSQLite, dsn); err == nil {
		db.Close()
		t.Fatal("Open on a missing directory succeeded")
	}
}

// BenchmarkSyncWriter is the whole hot-path write: sync audit writers (one
// record per request, 64 per CPU in flight) group-committing into the store.
// SQLite runs in WAL mode with synchronous(FULL): one fsync per commit.
func BenchmarkSyncWriter(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchSyncWriter(b, store.DriverSQLite, "file:"+filepath.Join(b.TempDir(), "bench.db"))
	})
	b.Run("mysql", func(b *testing.B) {
		benchSyncWriter(b, store.DriverMySQL, testdb.FreshMySQL(b))
	})
}

func benchSyncWriter(b *testing.B, driver, dsn string) {
	db, err := store.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	w := audit.NewWriter(db, audit.DefaultOptions())
	r := sampleRecord(0)
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			r := r
			r.ID = audit.NewID(time.Now())
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
}

// BenchmarkInsertOne is a lone record's commit (a quiet checkpoint): its
// latency is what an answer waits for at low load.
func BenchmarkInsertOne(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchInsertOne(b, store.DriverSQLite, "file:"+filepath.Join(b.TempDir(), "bench.db"))
	})
	b.Run("mysql", func(b *testing.B) {
		benchInsertOne(b, store.DriverMySQL, testdb.FreshMySQL(b))
	})
}

func benchInsertOne(b *testing.B, driver, dsn string) {
	db, err := store.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	r := sampleRecord(0)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.ID = audit.NewID(time.Now())
		if err := db.InsertRecords(ctx, []audit.Record{r}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsertBatch64 is one group commit of 64 records.
func BenchmarkInsertBatch64(b *testing.B) {
	db, err := store.Open(store.DriverSQLite, "file:"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	recs := make([]audit.Record, 64)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range recs {
			// Stamped now, as the gateway stamps its records: times that
			// repeat from one commit to the next would scatter the
			// created_at index and cost 2-3 times as much.
			now := time.Now()
			recs[j] = sampleRecord(j)
			recs[j].ID, recs[j].CreatedAt = audit.NewID(now), now
		}
		if err := db.InsertRecords(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "records/s")
}
