package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"gorm.io/gorm"

	"github.com/hcgw/hcgw/audit"
)

// insertChunk is the rows per INSERT statement: 500 rows × 19 columns stays
// under SQLite's 32,766 and MySQL's 65,535 placeholders.
const insertChunk = 500

// InsertRecords stores recs in one transaction, with multi-row inserts
// (audit.Sink). A record without an ID is given one; a record without a time
// is stamped now. Display strings longer than their column are clipped.
func (db *DB) InsertRecords(ctx context.Context, recs []audit.Record) error {
	if len(recs) == 0 {
		return nil
	}
	rows := make([]recordRow, len(recs))
	for i := range recs {
		rows[i] = toRecordRow(&recs[i])
		if len(rows[i].ID) > idLen {
			return fmt.Errorf("store: record id %q longer than %d characters", rows[i].ID, idLen)
		}
	}
	var err error
	if len(rows) <= insertChunk {
		// One statement is its own transaction: no BEGIN/COMMIT round trips.
		// The hot write bypasses gorm's reflection: a cached multi-row
		// statement and a flat argument list.
		err = db.gdb.WithContext(ctx).Exec(insertSQL(len(rows)), recordArgs(rows)...).Error
	} else {
		err = db.gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return tx.CreateInBatches(&rows, insertChunk).Error
		})
	}
	if err != nil {
		return fmt.Errorf("store: insert %d records: %w", len(rows), err)
	}
	return nil
}

// GetRecord returns the record with this id, or ErrNotFound.
func (db *DB) GetRecord(ctx context.Context, id string) (*audit.Record, error) {
	if id == "" || len(id) > idLen {
		return nil, ErrNotFound
	}
	var row recordRow
	err := db.gdb.WithContext(ctx).Where("id = ?", id).Take(&row).Error
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

func toRecordRow(r *audit.Record) recordRow {
	at := dbTime(r.CreatedAt)
	id := r.ID
	if id == "" {
		id = audit.NewID(at)
	}
	return recordRow{
		ID:             id,
		CreatedAt:      at,
		Gateway:        clip(r.Gateway, regionLen),
		Checkpoint:     clip(r.Checkpoint, checkpointLen),
		Scene:          clip(r.Scene, sceneLen),
		Issuer:         clip(r.Issuer, regionLen),
		Org:            clip(r.Org, regionLen),
		Format:         clip(r.Format, formatLen),
		CodeID:         clip(r.CodeID, codeIDLen),
		Result:         clip(r.Result, wordLen),
		Reason:         clip(r.Reason, wordLen),
		Status:         clip(r.Status, wordLen),
		Source:         clip(r.Source, wordLen),
		Degraded:       r.Degraded,
		Conflict:       r.Conflict,
		HolderName:     clip(r.HolderName, holderNameLen),
		HolderID:       clip(r.HolderID, holderIDLen),
		CodeSHA256:     clip(r.CodeSHA256, 64),
		DurationMicros: r.DurationMicros,
	}
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
	}
}

// recordColumns are the records table's columns, in recordArgs' order.
const recordColumns = "`id`,`created_at`,`gateway`,`checkpoint`,`scene`,`issuer`,`org`,`format`,`code_id`,`result`," +
	"`reason`,`status`,`source`,`degraded`,`conflict`,`holder_name`,`holder_id`,`code_sha256`,`duration_micros`"

const recordColumnCount = 19

// insertStatements caches the INSERT of n rows, n ≤ insertChunk.
var insertStatements [insertChunk + 1]atomic.Pointer[string]

func insertSQL(n int) string {
	if p := insertStatements[n].Load(); p != nil {
		return *p
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", recordColumnCount), ",") + ")"
	var b strings.Builder
	b.WriteString("INSERT INTO `records` (" + recordColumns + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	q := b.String()
	insertStatements[n].Store(&q)
	return q
}

func recordArgs(rows []recordRow) []any {
	args := make([]any, 0, len(rows)*recordColumnCount)
	for i := range rows {
		r := &rows[i]
		args = append(args, r.ID, r.CreatedAt, r.Gateway, r.Checkpoint, r.Scene, r.Issuer, r.Org, r.Format, r.CodeID, r.Result,
			r.Reason, r.Status, r.Source, r.Degraded, r.Conflict, r.HolderName, r.HolderID, r.CodeSHA256, r.DurationMicros)
	}
	return args
}
