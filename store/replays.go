package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// replayRow is the replays table: federation message ids every replica of
// the region has seen, until their exp (federation.Replays).
type replayRow struct {
	Key   string    `gorm:"column:msg_key;type:varchar(255);primaryKey"`
	Until time.Time `gorm:"column:expires_at;not null;precision:6;index:idx_replays_expires_at"`
}

func (replayRow) TableName() string { return "replays" }

// maxReplayKey bounds a key: a region, a kind and a jti of at most 128.
const maxReplayKey = 255

// FirstSeen records key until `until` and reports whether no replica had
// recorded it before (federation.Replays). One INSERT a message: the
// primary key decides, on every backend and on every Galera node
// (certification refuses the second of two concurrent inserts).
func (db *DB) FirstSeen(ctx context.Context, key string, until time.Time) (bool, error) {
	if key == "" || len(key) > maxReplayKey {
		return false, fmt.Errorf("store: replay key: want 1 to %d bytes", maxReplayKey)
	}
	var added int64
	err := db.withRetry(ctx, func() error {
		res := db.gdb.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&replayRow{Key: key, Until: dbTime(until)})
		added = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return false, fmt.Errorf("store: replay: %w", err)
	}
	return added == 1, nil
}

// PurgeReplays deletes the ids whose exp has passed before `before`, at
// most limit of them (a bounded statement: ids live a minute).
func (db *DB) PurgeReplays(ctx context.Context, before time.Time, limit int) (int64, error) {
	var keys []string
	err := db.gdb.WithContext(ctx).Model(&replayRow{}).Where("expires_at < ?", dbTime(before)).Limit(limit).Pluck("msg_key", &keys).Error
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	res := db.gdb.WithContext(ctx).Where("msg_key IN ?", keys).Delete(&replayRow{})
	if res.Error != nil && !errors.Is(res.Error, gorm.ErrRecordNotFound) {
		return 0, fmt.Errorf("store: purge replays: %w", res.Error)
	}
	return res.RowsAffected, nil
}
