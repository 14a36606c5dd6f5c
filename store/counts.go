package store

import (
	"context"
	"fmt"
	"time"
)

// VerdictCount is how many verifications ended with one result and reason.
type VerdictCount struct {
	Result string `gorm:"column:result"`
	Reason string `gorm:"column:reason"`
	Count  int64  `gorm:"column:n"`
}

// VerdictCounts counts the records made at or after since, by result and
// reason, most frequent first (then by result and reason). It is one
// GROUP BY over the index on records.created_at; a zero since counts every
// record.
func (db *DB) VerdictCounts(ctx context.Context, since time.Time) ([]VerdictCount, error) {
	q := db.gdb.WithContext(ctx).Model(&recordRow{}).Select("result, reason, COUNT(*) AS n")
	if !since.IsZero() {
		// Stored times are UTC to the microsecond: a since between two
		// microseconds starts at the next one.
		at := since.UTC()
		if t := at.Truncate(time.Microsecond); !t.Equal(at) {
			at = t.Add(time.Microsecond)
		}
		q = q.Where("created_at >= ?", at)
	}
	out := []VerdictCount{}
	if err := q.Group("result, reason").Order("n DESC, result, reason").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("store: verdict counts: %w", err)
	}
	return out, nil
}
