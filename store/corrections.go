package store

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hcgw/hcgw/mapping"
)

// Sides of a correction ticket: one this gateway filed for a traveller (and
// delivers to the org), and one that arrived here, at the issuing region.
// A gateway that is its own org keeps both rows of one ticket.
const (
	CorrectionFiled    = "filed"
	CorrectionReceived = "received"
)

// Correction states (DESIGN §13).
const (
	CorrectionPending   = "pending" // filed, the org not reached yet
	CorrectionOpen      = "open"
	CorrectionCorrected = "corrected"
	CorrectionRejected  = "rejected"
)

// CorrectionTextMax bounds detail and note, in characters (DESIGN §13).
const CorrectionTextMax = 500

// ErrConflict means a row exists under that key with other content: a
// ticket id another region already filed.
var ErrConflict = errors.New("store: conflicting row")

// Correction is one correction ticket on one side. Nothing in it holds a
// full name or identity number: CID is a code id or a holder key, Detail
// and Note were checked before they got here.
type Correction struct {
	Ticket     string
	Side       string // CorrectionFiled or CorrectionReceived
	Peer       string // filed: the org; received: the region that filed it
	CID        string
	Claim      string
	Detail     string
	Checkpoint string
	Actor      string // the client that filed (filed) or resolved (received) it
	State      string
	Status     string // the new status, when a resolution changed it
	Note       string
	FiledAt    time.Time
	ResolvedAt time.Time // zero until resolved
	Attempts   int       // deliveries tried (filed, pending)
	NextTry    time.Time // when a pending ticket is tried again
	LastError  string    // why the last delivery failed; never holder data
}

// Final reports whether the ticket's state can no longer change.
func (c Correction) Final() bool {
	return c.State == CorrectionCorrected || c.State == CorrectionRejected
}

// correctionRow is the corrections table. The key is (side, ticket): the
// ticket id is time-ordered (audit.NewID), so inserts do not hot-spot.
type correctionRow struct {
	Side       string     `gorm:"column:side;type:varchar(8);primaryKey;index:idx_corrections_side_state,priority:1"`
	Ticket     string     `gorm:"column:ticket;type:varchar(36);primaryKey"`
	Peer       string     `gorm:"column:peer;type:varchar(16);not null"`
	CID        string     `gorm:"column:cid;type:varchar(128);not null"`
	Claim      string     `gorm:"column:claim;type:varchar(32);not null"`
	Detail     string     `gorm:"column:detail;type:varchar(500);not null"`
	Checkpoint string     `gorm:"column:checkpoint;type:varchar(128);not null"`
	Actor      string     `gorm:"column:actor;type:varchar(128);not null"`
	State      string     `gorm:"column:state;type:varchar(16);not null;index:idx_corrections_side_state,priority:2"`
	Status     string     `gorm:"column:status;type:varchar(16);not null"`
	Note       string     `gorm:"column:note;type:varchar(500);not null"`
	FiledAt    time.Time  `gorm:"column:filed_at;not null;precision:6"`
	ResolvedAt *time.Time `gorm:"column:resolved_at;precision:6"`
	Attempts   int        `gorm:"column:attempts;not null"`
	NextTry    time.Time  `gorm:"column:next_try_at;not null;precision:6"`
	LastError  string     `gorm:"column:last_error;type:varchar(200);not null"`
}

func (correctionRow) TableName() string { return "corrections" }

func (c Correction) check() error {
	switch {
	case c.Side != CorrectionFiled && c.Side != CorrectionReceived:
		return fmt.Errorf("store: correction side %q", c.Side)
	case !mapping.IDText(c.Ticket, idLen) && !uuidText(c.Ticket):
		return fmt.Errorf("store: correction ticket: want 1 to %d of [A-Za-z0-9_-]", idLen)
	case c.CID == "" || len(c.CID) > codeIDLen:
		return fmt.Errorf("store: correction cid: want 1 to %d characters", codeIDLen)
	case len(c.Peer) > regionLen || len(c.Claim) > wordLen || len(c.State) > 16 || len(c.Status) > 16:
		return fmt.Errorf("store: correction fields too long")
	case utf8.RuneCountInString(c.Detail) > CorrectionTextMax || utf8.RuneCountInString(c.Note) > CorrectionTextMax:
		return fmt.Errorf("store: correction text: at most %d characters", CorrectionTextMax)
	case !utf8.ValidString(c.Detail) || !utf8.ValidString(c.Note):
		return fmt.Errorf("store: correction text: not UTF-8")
	}
	return nil
}

// uuidText admits the UUID spelling of audit.NewID (hex and dashes).
func uuidText(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || c == '-') {
			return false
		}
	}
	return true
}

func toRow(c Correction) correctionRow {
	r := correctionRow{Side: c.Side, Ticket: c.Ticket, Peer: c.Peer, CID: c.CID, Claim: c.Claim, Detail: c.Detail,
		Checkpoint: mapping.Clip(c.Checkpoint, checkpointLen), Actor: mapping.Clip(c.Actor, actorLen), State: c.State,
		Status: c.Status, Note: c.Note, FiledAt: dbTime(c.FiledAt), Attempts: c.Attempts, NextTry: dbTime(c.NextTry),
		LastError: mapping.Clip(c.LastError, 200)}
	if !c.ResolvedAt.IsZero() {
		t := dbTime(c.ResolvedAt)
		r.ResolvedAt = &t
	}
	return r
}

func fromRow(r correctionRow) Correction {
	c := Correction{Ticket: r.Ticket, Side: r.Side, Peer: r.Peer, CID: r.CID, Claim: r.Claim, Detail: r.Detail,
		Checkpoint: r.Checkpoint, Actor: r.Actor, State: r.State, Status: r.Status, Note: r.Note,
		FiledAt: r.FiledAt.UTC(), Attempts: r.Attempts, NextTry: r.NextTry.UTC(), LastError: r.LastError}
	if r.ResolvedAt != nil {
		c.ResolvedAt = r.ResolvedAt.UTC()
	}
	return c
}

// PutCorrection stores a new ticket. Storing one that exists with the same
// peer and cid is not an error: it returns the stored row (a delivery
// retried after its answer was lost) with created false. One that exists
// with another peer or cid is ErrConflict.
func (db *DB) PutCorrection(ctx context.Context, c Correction) (_ Correction, created bool, err error) {
	if err := c.check(); err != nil {
		return Correction{}, false, err
	}
	row := toRow(c)
	res := db.gdb.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return Correction{}, false, fmt.Errorf("store: put correction: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return fromRow(row), true, nil
	}
	old, err := db.GetCorrection(ctx, c.Side, c.Ticket)
	if err != nil {
		return Correction{}, false, err
	}
	if old.Peer != c.Peer || old.CID != c.CID {
		return Correction{}, false, ErrConflict
	}
	return *old, false, nil
}

// GetCorrection returns one ticket of one side, or ErrNotFound.
func (db *DB) GetCorrection(ctx context.Context, side, ticket string) (*Correction, error) {
	var row correctionRow
	err := db.gdb.WithContext(ctx).Where("side = ? AND ticket = ?", side, ticket).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: get correction: %w", err)
	}
	c := fromRow(row)
	return &c, nil
}

// UpdateCorrection writes c's changing fields (state, status, note,
// resolved_at, actor, attempts, next try, last error) to the stored ticket,
// only while its state is one of from (none: any). It reports whether the
// row was changed: false when another writer moved it on first.
func (db *DB) UpdateCorrection(ctx context.Context, c Correction, from ...string) (bool, error) {
	if err := c.check(); err != nil {
		return false, err
	}
	r := toRow(c)
	q := db.gdb.WithContext(ctx).Model(&correctionRow{}).Where("side = ? AND ticket = ?", c.Side, c.Ticket)
	if len(from) > 0 {
		q = q.Where("state IN ?", from)
	}
	res := q.Updates(map[string]any{"state": r.State, "status": r.Status, "note": r.Note, "resolved_at": r.ResolvedAt,
		"actor": r.Actor, "attempts": r.Attempts, "next_try_at": r.NextTry, "last_error": r.LastError})
	if res.Error != nil {
		return false, fmt.Errorf("store: update correction: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ListCorrections returns up to limit tickets of one side in state (any
// state when empty), oldest first.
func (db *DB) ListCorrections(ctx context.Context, side, state string, limit int) ([]Correction, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q := db.gdb.WithContext(ctx).Where("side = ?", side)
	if state != "" {
		q = q.Where("state = ?", state)
	}
	var rows []correctionRow
	if err := q.Order("filed_at, ticket").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list corrections: %w", err)
	}
	out := make([]Correction, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// DueCorrections returns up to limit filed tickets in state whose next try
// is at or before now, the longest waiting first: pending ones to deliver,
// open ones to ask about.
func (db *DB) DueCorrections(ctx context.Context, state string, now time.Time, limit int) ([]Correction, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var rows []correctionRow
	err := db.gdb.WithContext(ctx).Where("side = ? AND state = ? AND next_try_at <= ?", CorrectionFiled, state, dbTime(now)).
		Order("next_try_at, ticket").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: due corrections: %w", err)
	}
	out := make([]Correction, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// RetryCorrectionsNow makes every pending filed ticket due at now, and
// says how many there are: a gateway that starts tries them all at once,
// since the outage that kept them pending may be over.
func (db *DB) RetryCorrectionsNow(ctx context.Context, now time.Time) (int64, error) {
	res := db.gdb.WithContext(ctx).Model(&correctionRow{}).Where("side = ? AND state = ?", CorrectionFiled, CorrectionPending).
		Update("next_try_at", dbTime(now))
	if res.Error != nil {
		return 0, fmt.Errorf("store: retry corrections: %w", res.Error)
	}
	return res.RowsAffected, nil
}
