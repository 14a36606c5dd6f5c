package gateway_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/hcgw/hcgw/mapping"
)

// TestAHungDatabaseDoesNotHangTheCheckpoint: while another connection holds
// SQLite's write lock, a verification's commit waits (busy_timeout, 5 s).
// The answer must not wait with it: past the record timeout (2 s, the
// audit writer's MaxWait) it is a 503, and the record, still queued, is
// committed once the lock is released. Had the answer waited for the
// commit instead, the commit would have failed at the busy timeout and the
// record would be missing.
func TestAHungDatabaseDoesNotHangTheCheckpoint(t *testing.T) {
	e := newEnv(t, "sqlite", "")
	r := start(t, e)
	code := nicNow(t, e.own, "310000", mapping.Green)

	// The locker waits out the gateway's own brief writes at start (its
	// maintenance pass): the lock it takes, not a race for it, is the test.
	locker, err := sql.Open("sqlite", "file:"+filepath.Join(e.dir, "gw.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	ctx := context.Background()
	conn, err := locker.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	before, err := r.g.DB.CountRecords(ctx)
	if err != nil {
		t.Fatal(err)
	}

	st, b := r.call(t, "POST", "/v1/verify", verifierToken, `{"code":"`+code+`"}`)
	if st != 503 || !bytes.Contains(b, []byte(`"unavailable"`)) {
		t.Fatalf("verify while the database is locked: %d %s, want 503 unavailable", st, b)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second) // only turns a hang into a failure
	for {
		n, err := r.g.DB.CountRecords(ctx)
		if err == nil && n == before+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("records %d (%v), want %d: the late verification's record was not committed", n, err, before+1)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
