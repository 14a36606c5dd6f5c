package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	IT         *mapping.Itinerary // the itinerary mark; nil: none
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
	// The itinerary mark: regions joined by commas (32 × 7 characters at
	// most), the star, and when it was computed (0: no itinerary).
	ITRegions string `gorm:"column:it_regions;type:varchar(255);not null;default:''"`
	ITStar    bool   `gorm:"column:it_star;not null;default:false"`
	ITTime    int64  `gorm:"column:it_time;not null;default:0"`
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
	if it := c.IT; it != nil {
		if err := it.Validate("it"); err != nil {
			return fmt.Errorf("store: platform code itinerary: %w", err)
		}
		row.ITRegions, row.ITStar, row.ITTime = strings.Join(it.Regions, ","), it.Star, it.Time
	}
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
	out := &PlatformCode{CID: row.CID, Org: row.Org, Status: row.Status, StatusAt: row.StatusAt.UTC(), Expires: row.Expires.UTC(),
		HolderName: row.HolderName, HolderID: row.HolderID}
	if row.ITTime > 0 {
		out.IT = &mapping.Itinerary{Regions: []string{}, Star: row.ITStar, Time: row.ITTime}
		if row.ITRegions != "" {
			out.IT.Regions = strings.Split(row.ITRegions, ",")
		}
	}
	return out, nil
}
