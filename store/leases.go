package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Leases: a background job that every replica of a region runs (corrections
// delivery, records maintenance, the replay ids' purge) is done by the one
// replica holding its lease. A lease is a row of the leases table: its
// holder and when it expires. It is taken by a conditional write, decided
// by the row on every node of the cluster (Galera certifies two takers of
// one row against each other: one commits, the other's retry finds it
// held), renewed by its holder before it expires, and lapses by itself
// when the holder dies. Expiry is compared with the callers' clocks, so
// replicas' clocks must agree to well within a lease's length (NTP does:
// milliseconds against tens of seconds).

// Bounds of a lease's names.
const (
	leaseNameLen   = 64
	leaseHolderLen = 128
)

// leaseRow is the leases table: one row a job.
type leaseRow struct {
	Name      string    `gorm:"column:name;type:varchar(64);primaryKey"`
	Holder    string    `gorm:"column:holder;type:varchar(128);not null"`
	ExpiresAt time.Time `gorm:"column:expires_at;not null;precision:6"`
}

func (leaseRow) TableName() string { return "leases" }

// Lease is a lease as stored.
type Lease struct {
	Name, Holder string
	ExpiresAt    time.Time
}

// lapsed is the expiry a released lease gets: long past, so that anyone
// takes it at once.
var lapsed = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func checkLease(name, holder string) error {
	switch {
	case name == "" || len(name) > leaseNameLen:
		return fmt.Errorf("store: lease name: want 1 to %d characters, have %d", leaseNameLen, len(name))
	case holder == "" || len(holder) > leaseHolderLen:
		return fmt.Errorf("store: lease holder: want 1 to %d characters, have %d", leaseHolderLen, len(holder))
	}
	return nil
}

// TakeLease takes or renews the lease name for holder until now+ttl, and
// reports whether holder has it: true when the lease was free, lapsed
// (expired before now) or already holder's; false while another holds it.
func (db *DB) TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if err := checkLease(name, holder); err != nil {
		return false, err
	}
	if ttl <= 0 {
		return false, fmt.Errorf("store: lease %s: ttl %v: want more than 0", name, ttl)
	}
	now = dbTime(now)
	until := now.Add(ttl).Truncate(time.Microsecond)
	var held bool
	err := db.withRetry(ctx, func() error {
		held = false
		// The first taker of a new job makes its row.
		res := db.gdb.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&leaseRow{Name: name, Holder: holder, ExpiresAt: until})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			held = true
			return nil
		}
		// One conditional UPDATE: renewed by its holder, or taken over
		// once lapsed.
		res = db.gdb.WithContext(ctx).Model(&leaseRow{}).
			Where("name = ? AND (holder = ? OR expires_at < ?)", name, holder, now).
			Updates(map[string]any{"holder": holder, "expires_at": until})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			held = true
			return nil
		}
		// No row changed: held by another, or renewed by holder with the
		// very same expiry (MySQL counts changed rows, not matched ones).
		l, err := db.lease(ctx, name)
		if err != nil {
			return err
		}
		held = l.Holder == holder
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: take lease %s: %w", name, err)
	}
	return held, nil
}

// ReleaseLease gives up holder's lease name, so that another replica takes
// it at once rather than when it would have expired. Releasing a lease one
// does not hold changes nothing.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	if err := checkLease(name, holder); err != nil {
		return err
	}
	// Through database/sql, not gorm: a release races the database's
	// close when a gateway stops, and that failure is nobody's to log.
	err := db.withRetry(ctx, func() error {
		_, err := db.sqlDB.ExecContext(ctx, "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?", lapsed, name, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}

// GetLease returns the lease name as stored, or ErrNotFound when no one
// ever took it.
func (db *DB) GetLease(ctx context.Context, name string) (Lease, error) {
	l, err := db.lease(ctx, name)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Lease{}, ErrNotFound
	}
	if err != nil {
		return Lease{}, fmt.Errorf("store: get lease %s: %w", name, err)
	}
	return Lease{Name: l.Name, Holder: l.Holder, ExpiresAt: l.ExpiresAt.UTC()}, nil
}

func (db *DB) lease(ctx context.Context, name string) (leaseRow, error) {
	var row leaseRow
	err := db.gdb.WithContext(ctx).Where("name = ?", name).Take(&row).Error
	return row, err
}
