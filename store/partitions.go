package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Records at national volume (docs/SCALE.md): on MySQL-compatible databases
// the records table is partitioned by day of created_at (RANGE COLUMNS), so
// that retention drops whole partitions, a file unlinked in milliseconds,
// instead of deleting a billion rows a day. The primary key is therefore
// (id, created_at): MySQL requires every unique key of a partitioned table
// to hold the partitioning column. ids stay unique (a UUIDv7 is its time
// plus 62 random bits); GetRecord bounds created_at by the id's time so
// that a lookup reads two or three partitions, not every one.
//
// SQLite keeps one table; retention deletes there in bounded batches.

// PartitionsAhead is how many days after today have their partition made
// in advance. A record whose day has no partition cannot be inserted (the
// verification answers 503, never an unrecorded verdict), so maintenance,
// run at start and every hour, keeps a week's margin.
const PartitionsAhead = 7

// purgeBatch is the most rows one retention DELETE removes (SQLite, and a
// MySQL table made before partitioning): small enough that a group commit
// waiting behind it waits milliseconds, and far under Galera's write-set
// limits.
const purgeBatch = 1000

// ddlPause separates two partition statements of one maintenance. On
// Galera a DDL runs in total order and aborts the writes to its table then
// in flight on every node (they are retried, retry.go); a maintenance that
// catches up many days at once must leave the group commit room between
// its statements, or a write could lose every one of its attempts.
const ddlPause = 50 * time.Millisecond

// dayLayout names a day partition: p20261201 holds [2026-12-01, 2026-12-02) UTC.
const dayLayout = "20060102"

// recordsDDL creates the partitioned records table; its columns are
// exactly what gorm's AutoMigrate makes of recordRow, so that migrating it
// afterwards changes nothing.
const recordsDDL = "CREATE TABLE IF NOT EXISTS `records` (" +
	"`id` varchar(36) NOT NULL," +
	"`created_at` datetime(6) NOT NULL," +
	"`gateway` varchar(16) NOT NULL," +
	"`checkpoint` varchar(128) NOT NULL," +
	"`scene` varchar(64) NOT NULL," +
	"`issuer` varchar(16) NOT NULL," +
	"`org` varchar(16) NOT NULL," +
	"`format` varchar(32) NOT NULL," +
	"`code_id` varchar(128) NOT NULL," +
	"`result` varchar(32) NOT NULL," +
	"`reason` varchar(32) NOT NULL," +
	"`status` varchar(32) NOT NULL," +
	"`source` varchar(32) NOT NULL," +
	"`degraded` boolean NOT NULL," +
	"`conflict` boolean NOT NULL," +
	"`holder_name` varchar(64) NOT NULL," +
	"`holder_id` varchar(64) NOT NULL," +
	"`code_sha256` char(64) NOT NULL," +
	"`duration_micros` bigint NOT NULL," +
	"`admission` varchar(8) NOT NULL DEFAULT ''," +
	"PRIMARY KEY (`id`,`created_at`)," +
	"KEY `idx_records_created_at` (`created_at`)" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin " +
	"PARTITION BY RANGE COLUMNS(`created_at`) ("

func dayStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func partitionDef(day time.Time) string {
	return fmt.Sprintf("PARTITION p%s VALUES LESS THAN ('%s')", day.Format(dayLayout),
		day.AddDate(0, 0, 1).Format("2006-01-02 15:04:05"))
}

// createPartitionedRecords makes the records table, partitioned from
// today through PartitionsAhead days ahead, unless it exists.
func (db *DB) createPartitionedRecords(now time.Time) error {
	var defs []string
	for d, i := dayStart(now), 0; i <= PartitionsAhead; i++ {
		defs = append(defs, partitionDef(d.AddDate(0, 0, i)))
	}
	return db.gdb.Exec(recordsDDL + strings.Join(defs, ",") + ")").Error
}

// dayPartitions returns the days of the records table's day partitions,
// oldest first; none when the table is not partitioned (SQLite, or a
// MySQL table made before partitioning).
func (db *DB) dayPartitions(ctx context.Context) ([]time.Time, error) {
	if db.driver != DriverMySQL {
		return nil, nil
	}
	var names []string
	err := db.gdb.WithContext(ctx).Raw("SELECT PARTITION_NAME FROM information_schema.PARTITIONS " +
		"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'records' AND PARTITION_NAME IS NOT NULL " +
		"ORDER BY PARTITION_ORDINAL_POSITION").Scan(&names).Error
	if err != nil {
		return nil, fmt.Errorf("store: records partitions: %w", err)
	}
	days := make([]time.Time, 0, len(names))
	for _, n := range names {
		d, err := time.Parse(dayLayout, strings.TrimPrefix(n, "p"))
		if err != nil || !strings.HasPrefix(n, "p") {
			return nil, fmt.Errorf("store: records partition %q is not a day partition (p%s)", n, dayLayout)
		}
		days = append(days, d)
	}
	return days, nil
}

// Partitioned reports whether the records table is partitioned by day.
func (db *DB) Partitioned(ctx context.Context) (bool, error) {
	days, err := db.dayPartitions(ctx)
	return len(days) > 0, err
}

// Maintenance is what one MaintainRecords did.
type Maintenance struct {
	Added   []string // partitions made, by name
	Dropped []string // partitions dropped, by name
	Deleted int64    // rows deleted in batches (unpartitioned tables)
}

// MaintainRecords makes the partitions of the days from now through
// PartitionsAhead days ahead, and enforces retention: records older than
// now - keep go (keep ≤ 0 keeps everything). On a partitioned table a day
// goes whole, once all of it is older than the cut, by DROP PARTITION; on
// SQLite and unpartitioned tables by DELETEs of at most purgeBatch rows,
// each its own transaction, so that the group commit is never queued
// behind more than one batch.
//
// Replicas may run it at the same time: a partition another replica made
// or dropped first is not an error.
func (db *DB) MaintainRecords(ctx context.Context, now time.Time, keep time.Duration) (Maintenance, error) {
	return db.maintainRecords(ctx, now, keep, nil)
}

// maintainRecords is MaintainRecords; afterBatch, when set, runs after
// every batch DELETE (tests).
func (db *DB) maintainRecords(ctx context.Context, now time.Time, keep time.Duration, afterBatch func()) (Maintenance, error) {
	var m Maintenance
	days, err := db.dayPartitions(ctx)
	if err != nil {
		return m, err
	}
	if len(days) == 0 {
		if keep > 0 {
			m.Deleted, err = db.purgeInBatches(ctx, now.Add(-keep), afterBatch)
		}
		return m, err
	}
	last := days[len(days)-1]
	for d := last.AddDate(0, 0, 1); !d.After(dayStart(now).AddDate(0, 0, PartitionsAhead)); d = d.AddDate(0, 0, 1) {
		err := db.ddl(ctx, "ALTER TABLE `records` ADD PARTITION ("+partitionDef(d)+")", errPartitionOrder, errPartitionSame)
		if err != nil {
			return m, fmt.Errorf("store: add records partition p%s: %w", d.Format(dayLayout), err)
		}
		m.Added = append(m.Added, "p"+d.Format(dayLayout))
		days = append(days, d)
	}
	if keep <= 0 {
		return m, nil
	}
	cut := now.Add(-keep).UTC()
	// Never the last partition: MySQL cannot drop every one (the ahead
	// partitions keep the newest far from the cut in any case).
	for _, d := range days[:len(days)-1] {
		if d.AddDate(0, 0, 1).After(cut) {
			break
		}
		name := "p" + d.Format(dayLayout)
		if err := db.ddl(ctx, "ALTER TABLE `records` DROP PARTITION "+name, errDropPartition); err != nil {
			return m, fmt.Errorf("store: drop records partition %s: %w", name, err)
		}
		m.Dropped = append(m.Dropped, name)
	}
	return m, nil
}

// MySQL errors of a partition DDL that lost a race with another replica's.
const (
	errPartitionOrder = 1493 // VALUES LESS THAN must be strictly increasing: the partition exists
	errPartitionSame  = 1517 // duplicate partition name
	errDropPartition  = 1507 // error in list of partitions to DROP: already dropped
)

// ddl runs a partition statement, ddlPause after the previous one; the
// error numbers in benign mean another replica did the same first.
func (db *DB) ddl(ctx context.Context, stmt string, benign ...uint16) error {
	db.ddlMu.Lock()
	wait := ddlPause - time.Since(db.lastDDL)
	db.ddlMu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	err := db.withRetry(ctx, func() error { return db.gdb.WithContext(ctx).Exec(stmt).Error })
	db.ddlMu.Lock()
	db.lastDDL = time.Now()
	db.ddlMu.Unlock()
	if no := mysqlErrNo(err); no != 0 {
		for _, b := range benign {
			if no == b {
				return nil
			}
		}
	}
	return err
}

// purgeInBatches deletes the records older than cut, purgeBatch at a time.
func (db *DB) purgeInBatches(ctx context.Context, cut time.Time, afterBatch func()) (int64, error) {
	cut = dbTime(cut)
	stmt := "DELETE FROM `records` WHERE `created_at` < ? ORDER BY `created_at` LIMIT ?"
	if db.driver == DriverSQLite {
		// SQLite's DELETE takes no LIMIT unless built to.
		stmt = "DELETE FROM `records` WHERE `rowid` IN (SELECT `rowid` FROM `records` WHERE `created_at` < ? ORDER BY `created_at` LIMIT ?)"
	}
	var total int64
	for {
		var n int64
		err := db.withRetry(ctx, func() error {
			res, err := db.sqlDB.ExecContext(ctx, stmt, cut, purgeBatch)
			if err == nil {
				n, err = res.RowsAffected()
			}
			return err
		})
		if err != nil {
			return total, fmt.Errorf("store: purge records before %s: %w", cut.Format(time.RFC3339), err)
		}
		total += n
		if afterBatch != nil {
			afterBatch()
		}
		if n < purgeBatch {
			return total, nil
		}
	}
}

// idTime is the time a UUIDv7 record id carries (its first 48 bits, unix
// milliseconds); false for any other id.
func idTime(id string) (time.Time, bool) {
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 7 {
		return time.Time{}, false
	}
	ms := int64(u[0])<<40 | int64(u[1])<<32 | int64(u[2])<<24 | int64(u[3])<<16 | int64(u[4])<<8 | int64(u[5])
	return time.UnixMilli(ms).UTC(), true
}

// idWindow bounds created_at around an id's time: audit.NewID stamps the
// record's own time, moved later only by ids made faster than 4,096 a
// millisecond or by a clock stepped back, so a day each way is ample and
// still prunes the lookup to three partitions.
const idWindow = 24 * time.Hour
