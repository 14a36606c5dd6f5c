package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

// certRetries is how many times a write that lost a certification conflict
// is tried again. Galera certifies a transaction against those committed on
// other nodes meanwhile and aborts the loser with a deadlock error (1213);
// InnoDB gives the same error to a deadlock victim. Either is safe to run
// again whole, and another attempt a few milliseconds later almost always
// passes; nine writers of one row each on three nodes lost up to five
// times in a row. The bound (pauses adding up to about half a second)
// keeps a pathological hot row from stalling a writer.
const certRetries = 8

// MySQL server error numbers the store treats specially.
const (
	errDeadlock = 1213 // ER_LOCK_DEADLOCK: a Galera certification failure or an InnoDB deadlock
	// TiDB's write conflict of an optimistic transaction, its form of the
	// same loss (pessimistic transactions, its default, report 1213).
	errTiDBWriteConflict = 9007
	// ER_NEED_REPREPARE: a prepared INSERT met a table whose definition
	// changed under it (records maintenance adds and drops partitions);
	// execInsert prepares it again and the write is retried.
	errNeedReprepare = 1615
	// ER_QUERY_INTERRUPTED: how Galera may report a local write aborted
	// by a replicated DDL on its table (a partition another node added).
	errInterrupted = 1317
	errDuplicate   = 1062 // ER_DUP_ENTRY
	// SQLITE_CONSTRAINT_PRIMARYKEY, the extended code modernc.org/sqlite reports.
	sqlitePrimaryKey = 1555
)

func mysqlErrNo(err error) uint16 {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// retryable reports whether err is a write conflict worth trying again.
func retryable(err error) bool {
	no := mysqlErrNo(err)
	return no == errDeadlock || no == errTiDBWriteConflict || no == errNeedReprepare || no == errInterrupted
}

// duplicateKey reports whether err is a primary-key violation.
func duplicateKey(err error) bool {
	if mysqlErrNo(err) == errDuplicate {
		return true
	}
	var se interface{ Code() int }
	return errors.As(err, &se) && se.Code() == sqlitePrimaryKey
}

// withRetry runs write, again after a short random pause while it fails with
// a certification conflict, at most certRetries more times. write must be a
// whole transaction (or one statement): nothing of a failed attempt remains.
func (db *DB) withRetry(ctx context.Context, write func() error) error {
	pause := time.Millisecond
	for attempt := 0; ; attempt++ {
		err := write()
		if err == nil || attempt == certRetries || !retryable(err) {
			return err
		}
		db.conflicts.Add(1)
		// Random, growing pauses: the two losers of a conflict must not
		// collide again in step.
		t := time.NewTimer(pause + rand.N(pause))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		pause *= 2
	}
}

// Conflicts is how many writes failed a certification conflict (or a
// deadlock) and were tried again since Open: a metric of how contended the
// rows are across the cluster's nodes.
func (db *DB) Conflicts() int64 { return db.conflicts.Load() }
