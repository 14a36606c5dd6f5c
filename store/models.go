package store

import (
	"time"
)

// Column widths, in characters (MySQL counts varchar in characters). Values
// that are only displayed are clipped to them rather than refused: one
// over-long checkpoint name must not fail the whole group commit it rides in.
const (
	idLen         = 36 // a UUID string
	regionLen     = 16 // six digits today; room for a suffix
	checkpointLen = 128
	sceneLen      = 64
	formatLen     = 32
	codeIDLen     = 128 // NIC jti ≤ 64, zj-v1 token ≤ 64
	wordLen       = 32  // result, reason, status, source, action
	admissionLen  = 8   // admit, deny, check
	holderNameLen = 64  // masked; long minority and foreign names
	holderIDLen   = 64  // masked; identity numbers, passports
	kidLen        = 128 // RFC 7638 SHA-256 thumbprint: 43
	jtiLen        = 128
	actorLen      = 128
	detailLen     = 4096
)

// recordRow is the records table: one verification (audit.Record).
type recordRow struct {
	ID             string    `gorm:"column:id;type:varchar(36);primaryKey"`
	CreatedAt      time.Time `gorm:"column:created_at;not null;precision:6;index:idx_records_created_at"`
	Gateway        string    `gorm:"column:gateway;type:varchar(16);not null"`
	Checkpoint     string    `gorm:"column:checkpoint;type:varchar(128);not null"`
	Scene          string    `gorm:"column:scene;type:varchar(64);not null"`
	Issuer         string    `gorm:"column:issuer;type:varchar(16);not null"`
	Org            string    `gorm:"column:org;type:varchar(16);not null"`
	Format         string    `gorm:"column:format;type:varchar(32);not null"`
	CodeID         string    `gorm:"column:code_id;type:varchar(128);not null"`
	Result         string    `gorm:"column:result;type:varchar(32);not null"`
	Reason         string    `gorm:"column:reason;type:varchar(32);not null"`
	Status         string    `gorm:"column:status;type:varchar(32);not null"`
	Source         string    `gorm:"column:source;type:varchar(32);not null"`
	Degraded       bool      `gorm:"column:degraded;not null"`
	Conflict       bool      `gorm:"column:conflict;not null"`
	HolderName     string    `gorm:"column:holder_name;type:varchar(64);not null"`
	HolderID       string    `gorm:"column:holder_id;type:varchar(64);not null"`
	CodeSHA256     string    `gorm:"column:code_sha256;type:char(64);not null"`
	DurationMicros int64     `gorm:"column:duration_micros;not null"`
	// Admission is the admission decision (DESIGN §11); the default lets
	// the column be added to a table that already has rows.
	Admission string `gorm:"column:admission;type:varchar(8);not null;default:''"`
	// Star is the itinerary mark's star (DESIGN §12).
	Star bool `gorm:"column:star;not null;default:false"`
}

func (recordRow) TableName() string { return "records" }

// trustEntryRow is the trust_entries table: an endorsement or revocation JWS
// as received, replayed into the registry at start. Entries are read in
// created_at order, Seq breaking ties; (kind, kid, jti) makes saving
// idempotent. Seq is an AUTO_INCREMENT only because every table needs a
// primary key (Galera replicates none without): on Galera it interleaves
// across nodes (auto_increment_increment is the cluster size) and on TiDB
// it is allocated in per-server batches, so it orders entries saved by one
// replica only. The registry's replay needs no more: a revocation bars its
// key whether read before or after the key's endorsements. The one order
// that matters across replicas, two endorsements giving one kid to two
// regions (the first read wins), is by created_at, the saving replicas'
// clocks (docs/storage.md).
type trustEntryRow struct {
	Seq       int64     `gorm:"column:seq;primaryKey;autoIncrement"`
	Kind      string    `gorm:"column:kind;type:varchar(16);not null;uniqueIndex:ux_trust_entries_kind_kid_jti,priority:1"`
	Kid       string    `gorm:"column:kid;type:varchar(128);not null;uniqueIndex:ux_trust_entries_kind_kid_jti,priority:2"`
	JTI       string    `gorm:"column:jti;type:varchar(128);not null;uniqueIndex:ux_trust_entries_kind_kid_jti,priority:3"`
	Sub       string    `gorm:"column:sub;type:varchar(16);not null"`
	JWS       string    `gorm:"column:jws;size:16777215;not null"` // MEDIUMTEXT on MySQL: a rule JWS may pass TEXT's 64 KiB
	CreatedAt time.Time `gorm:"column:created_at;not null;precision:6;index:idx_trust_entries_created_at"`
}

func (trustEntryRow) TableName() string { return "trust_entries" }

// trustEventRow is the trust_events table: an admin action on trust.
type trustEventRow struct {
	ID     string    `gorm:"column:id;type:varchar(36);primaryKey"`
	At     time.Time `gorm:"column:at;not null;precision:6;index:idx_trust_events_at"`
	Action string    `gorm:"column:action;type:varchar(32);not null"`
	Kid    string    `gorm:"column:kid;type:varchar(128);not null"`
	Sub    string    `gorm:"column:sub;type:varchar(16);not null"`
	Actor  string    `gorm:"column:actor;type:varchar(128);not null"`
	Detail string    `gorm:"column:detail;type:text;not null"`
}

func (trustEventRow) TableName() string { return "trust_events" }

// dbTime is how times are stored: UTC, to the microsecond (MySQL datetime(6)
// holds no more, and a time read back equals the one written).
func dbTime(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC().Truncate(time.Microsecond)
}
