package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"gorm.io/gorm"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/mapping"
)

// insertChunk is the most rows one INSERT statement carries: group commits
// are mostly smaller (a commit takes what arrived during the previous one),
// and 64 rows × 21 columns stays far under SQLite's 32,766 and MySQL's
// 65,535 placeholders.
const insertChunk = 64

// InsertRecords stores recs in one transaction (audit.Sink). A record
// without an ID is given one; a record without a time is stamped now.
// Display strings longer than their column are clipped.
//
// The hot write bypasses gorm: a commit of n ≤ 64 records is one execution
// of a prepared n-row INSERT (one statement is its own transaction, so no
// BEGIN/COMMIT round trips); more are chunks of 64 in one transaction.
// Preparing once spares SQLite the parse and code generation of a
// statement of up to 1,344 placeholders at every commit, and MySQL the
// prepare and close round trips of an unprepared statement with arguments.
func (db *DB) InsertRecords(ctx context.Context, recs []audit.Record) error {
	if len(recs) == 0 {
		return nil
	}
	ap := insertArgs.Get().(*[]any)
	defer func() {
		if cap(*ap) <= maxPooledArgs {
			clear(*ap) // drop the records' strings now, not at the next commit
			insertArgs.Put(ap)
		}
	}()
	args := (*ap)[:0]
	for i := range recs {
		var err error
		if args, err = appendRecordArgs(args, &recs[i]); err != nil {
			return err
		}
	}
	*ap = args
	err := db.withRetry(ctx, func() error {
		if len(recs) <= insertChunk {
			return db.execInsert(ctx, nil, len(recs), args)
		}
		return db.insertInTx(ctx, args)
	})
	if err != nil && duplicateKey(err) && db.allStored(ctx, args) {
		// An earlier attempt committed and its answer was lost (the
		// connection or the node died after COMMIT): the batch is stored.
		// Ids are time plus 62 random bits, so finding every one of them
		// means these very records, not a collision.
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: insert %d records: %w", len(recs), err)
	}
	return nil
}

// insertArgs hold a commit's INSERT arguments between commits: a commit
// is up to MaxBatch records of recordColumnCount arguments each, every
// one of which would otherwise be a new slice for the collector to sweep.
var insertArgs = sync.Pool{New: func() any { return new([]any) }}

// maxPooledArgs is the largest arguments slice kept: audit's default
// MaxBatch of records.
const maxPooledArgs = audit.DefaultMaxBatch * recordColumnCount

// allStored reports whether every id of the rows whose arguments are args
// is in the records table.
func (db *DB) allStored(ctx context.Context, args []any) bool {
	ids := make([]string, 0, len(args)/recordColumnCount)
	for i := 0; i < len(args); i += recordColumnCount {
		ids = append(ids, args[i].(string))
	}
	var n int64
	for chunk := range slices.Chunk(ids, 500) {
		var c int64
		if err := db.gdb.WithContext(ctx).Model(&recordRow{}).Where("id IN ?", chunk).Count(&c).Error; err != nil {
			return false
		}
		n += c
	}
	return n == int64(len(slices.Compact(slices.Sorted(slices.Values(ids)))))
}

// insertInTx inserts the rows whose arguments are args (recordColumnCount
// each) in chunks of insertChunk, in one transaction.
func (db *DB) insertInTx(ctx context.Context, args []any) error {
	rows := len(args) / recordColumnCount
	// Prepare before BEGIN: SQLite has one connection, which the
	// transaction holds.
	for _, n := range []int{insertChunk, rows % insertChunk} {
		if n > 0 {
			if _, err := db.insertStmt(ctx, n); err != nil {
				return err
			}
		}
	}
	tx, err := db.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for len(args) > 0 {
		n := min(len(args)/recordColumnCount, insertChunk)
		if err := db.execInsert(ctx, tx, n, args[:n*recordColumnCount]); err != nil {
			_ = tx.Rollback()
			return err
		}
		args = args[n*recordColumnCount:]
	}
	return tx.Commit()
}

// execInsert runs the prepared n-row INSERT, in tx when not nil.
func (db *DB) execInsert(ctx context.Context, tx *sql.Tx, n int, args []any) error {
	st, err := db.insertStmt(ctx, n)
	if err != nil {
		return err
	}
	if tx != nil {
		st = tx.StmtContext(ctx, st)
		defer st.Close() // the transaction's copy only
	}
	_, err = st.ExecContext(ctx, args...)
	if mysqlErrNo(err) == errNeedReprepare {
		db.forgetInserts()
	}
	return err
}

// forgetInserts closes the prepared INSERTs, to be prepared again at their
// next use.
func (db *DB) forgetInserts() {
	db.prepareMu.Lock()
	defer db.prepareMu.Unlock()
	for i := range db.inserts {
		if st := db.inserts[i].Swap(nil); st != nil {
			_ = st.Close()
		}
	}
}

// insertStmt returns the prepared INSERT of n rows, preparing it once.
func (db *DB) insertStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if st := db.inserts[n].Load(); st != nil {
		return st, nil
	}
	db.prepareMu.Lock()
	defer db.prepareMu.Unlock()
	if st := db.inserts[n].Load(); st != nil {
		return st, nil
	}
	st, err := db.sqlDB.PrepareContext(ctx, insertSQL(n))
	if err != nil {
		return nil, err
	}
	db.inserts[n].Store(st)
	return st, nil
}

// GetRecord returns the record with this id, or ErrNotFound.
func (db *DB) GetRecord(ctx context.Context, id string) (*audit.Record, error) {
	if id == "" || len(id) > idLen {
		return nil, ErrNotFound
	}
	var row recordRow
	var err error
	at, ok := idTime(id)
	if ok {
		// The id's time bounds created_at: on a partitioned table the
		// lookup reads the partitions of three days, not of every day.
		err = db.gdb.WithContext(ctx).Where("id = ? AND created_at >= ? AND created_at < ?",
			id, at.Add(-idWindow), at.Add(idWindow)).Take(&row).Error
	}
	if !ok || errors.Is(err, gorm.ErrRecordNotFound) {
		// Not a time-ordered id, or a record stamped far from its id's
		// time (a clock stepped back): every partition, one index probe
		// each.
		err = db.gdb.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: get record: %w", err)
	}
	r := fromRecordRow(&row)
	return &r, nil
}

// CountRecords returns the number of stored records.
func (db *DB) CountRecords(ctx context.Context) (int64, error) {
	var n int64
	if err := db.gdb.WithContext(ctx).Model(&recordRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count records: %w", err)
	}
	return n, nil
}

func fromRecordRow(row *recordRow) audit.Record {
	return audit.Record{
		ID:             row.ID,
		CreatedAt:      row.CreatedAt.UTC(),
		Gateway:        row.Gateway,
		Checkpoint:     row.Checkpoint,
		Scene:          row.Scene,
		Issuer:         row.Issuer,
		Org:            row.Org,
		Format:         row.Format,
		CodeID:         row.CodeID,
		Result:         row.Result,
		Reason:         row.Reason,
		Status:         row.Status,
		Source:         row.Source,
		Degraded:       row.Degraded,
		Conflict:       row.Conflict,
		HolderName:     row.HolderName,
		HolderID:       row.HolderID,
		CodeSHA256:     row.CodeSHA256,
		DurationMicros: row.DurationMicros,
		Admission:      row.Admission,
		Star:           row.Star,
	}
}

// recordColumns are the records table's columns, in recordArgs' order.
const recordColumns = "`id`,`created_at`,`gateway`,`checkpoint`,`scene`,`issuer`,`org`,`format`,`code_id`,`result`," +
	"`reason`,`status`,`source`,`degraded`,`conflict`,`holder_name`,`holder_id`,`code_sha256`,`duration_micros`,`admission`,`star`"

const recordColumnCount = 21

// insertSQL is the INSERT of n rows.
func insertSQL(n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", recordColumnCount), ",") + ")"
	var b strings.Builder
	b.WriteString("INSERT INTO `records` (" + recordColumns + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	return b.String()
}

// appendRecordArgs appends r's INSERT arguments, in recordColumns' order,
// as the records table stores them: a record without an ID is given one,
// one without a time is stamped now, display strings longer than their
// column are clipped.
func appendRecordArgs(args []any, r *audit.Record) ([]any, error) {
	at := dbTime(r.CreatedAt)
	id := r.ID
	if id == "" {
		id = audit.NewID(at)
	}
	if len(id) > idLen {
		return args, fmt.Errorf("store: record id %q longer than %d characters", id, idLen)
	}
	return append(args, id, at,
		mapping.Clip(r.Gateway, regionLen),
		mapping.Clip(r.Checkpoint, checkpointLen),
		mapping.Clip(r.Scene, sceneLen),
		mapping.Clip(r.Issuer, regionLen),
		mapping.Clip(r.Org, regionLen),
		mapping.Clip(r.Format, formatLen),
		mapping.Clip(r.CodeID, codeIDLen),
		mapping.Clip(r.Result, wordLen),
		mapping.Clip(r.Reason, wordLen),
		mapping.Clip(r.Status, wordLen),
		mapping.Clip(r.Source, wordLen),
		r.Degraded,
		r.Conflict,
		mapping.Clip(r.HolderName, holderNameLen),
		mapping.Clip(r.HolderID, holderIDLen),
		mapping.Clip(r.CodeSHA256, 64),
		r.DurationMicros,
		mapping.Clip(r.Admission, admissionLen),
		r.Star), nil
}
