package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hcgw/hcgw/mapping"
)

// PlatformCode is one code of the built-in simulated provincial platform:
// what a province's own system knows of a code it issued. Holder fields are
// masked: the simulation never holds a full identity either.
type PlatformCode struct {
	CID        string
	Org        string
	Status     string // national status
	StatusAt   time.Time
	Expires    time.Time // how long an answer about it may be cached
	HolderName string
	HolderID   string
}

// platformCodeRow is the platform_codes table.
type platformCodeRow struct {
	CID        string    `gorm:"column:cid;type:varchar(128);primaryKey"`
	Org        string    `gorm:"column:org;type:varchar(16);not null"`
	Status     string    `gorm:"column:status;type:varchar(32);not null"`
	StatusAt   time.Time `gorm:"column:status_at;not null;precision:6"`
	Expires    time.Time `gorm:"column:expires;not null;precision:6"`
	HolderName string    `gorm:"column:holder_name;type:varchar(64);not null"`
	HolderID   string    `gorm:"column:holder_id;type:varchar(64);not null"`
}

func (platformCodeRow) TableName() string { return "platform_codes" }

// PutPlatformCode creates or changes a code (statuses change: a traveller
// turns yellow after a contact, green again after tests).
func (db *DB) PutPlatformCode(ctx context.Context, c PlatformCode) error {
	if c.CID == "" || len(c.CID) > codeIDLen {
		return fmt.Errorf("store: platform code id: want 1 to %d characters", codeIDLen)
	}
	row := platformCodeRow{CID: c.CID, Org: c.Org, Status: c.Status, StatusAt: dbTime(c.StatusAt), Expires: dbTime(c.Expires),
		HolderName: mapping.Clip(c.HolderName, holderNameLen), HolderID: mapping.Clip(c.HolderID, holderIDLen)}
	err := db.withRetry(ctx, func() error {
		return db.gdb.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("store: put platform code: %w", err)
	}
	return nil
}

// GetPlatformCode returns a code, or ErrNotFound.
func (db *DB) GetPlatformCode(ctx context.Context, cid string) (*PlatformCode, error) {
	var row platformCodeRow
	err := db.gdb.WithContext(ctx).Where("cid = ?", cid).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: get platform code: %w", err)
	}
	return &PlatformCode{CID: row.CID, Org: row.Org, Status: row.Status, StatusAt: row.StatusAt.UTC(), Expires: row.Expires.UTC(),
		HolderName: row.HolderName, HolderID: row.HolderID}, nil
}
