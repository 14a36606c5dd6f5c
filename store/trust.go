package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/mapping"
)

// Kinds of TrustEntry.
const (
	KindEndorsement = "endorsement"
	KindRevocation  = "revocation"
	KindRule        = "rule" // a signed admission rule; kid is its Country:Identifier:Version
)

// TrustEntry is an endorsement, revocation or rule as received: the registry
// re-verifies JWS against its anchors when it loads it, so the store is not
// trusted with anything but keeping it.
type TrustEntry struct {
	Seq       int64  // the row's sequence, set by the store (read only)
	Kind      string // "endorsement", "revocation" or "rule"
	Kid       string
	JTI       string
	Sub       string
	JWS       string
	CreatedAt time.Time
}

// SaveTrustEntry stores e once: saving the same (kind, kid, jti) again is not
// an error and keeps the first row. A zero CreatedAt is stamped now.
func (db *DB) SaveTrustEntry(ctx context.Context, e TrustEntry) error {
	switch {
	case e.Kind != KindEndorsement && e.Kind != KindRevocation && e.Kind != KindRule:
		return fmt.Errorf("store: trust entry kind %q: want %q, %q or %q", e.Kind, KindEndorsement, KindRevocation, KindRule)
	case e.Kid == "" || len(e.Kid) > kidLen:
		return fmt.Errorf("store: trust entry kid: want 1 to %d characters, have %d", kidLen, len(e.Kid))
	case len(e.JTI) > jtiLen:
		return fmt.Errorf("store: trust entry jti: want at most %d characters, have %d", jtiLen, len(e.JTI))
	case len(e.Sub) > regionLen:
		return fmt.Errorf("store: trust entry sub: want at most %d characters, have %d", regionLen, len(e.Sub))
	case e.JWS == "":
		return fmt.Errorf("store: trust entry %s %s: empty JWS", e.Kind, e.Kid)
	}
	row := trustEntryRow{Kind: e.Kind, Kid: e.Kid, JTI: e.JTI, Sub: e.Sub, JWS: e.JWS, CreatedAt: dbTime(e.CreatedAt)}
	err := db.withRetry(ctx, func() error {
		row.Seq = 0 // a failed attempt may have set it
		return db.gdb.WithContext(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "kind"}, {Name: "kid"}, {Name: "jti"}},
			DoNothing: true,
		}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("store: save %s %s: %w", e.Kind, e.Kid, err)
	}
	return nil
}

// TrustEntries returns every trust entry in the order it was first saved.
func (db *DB) TrustEntries(ctx context.Context) ([]TrustEntry, error) {
	var rows []trustEntryRow
	if err := db.gdb.WithContext(ctx).Order("created_at, seq").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: trust entries: %w", err)
	}
	out := make([]TrustEntry, len(rows))
	for i, r := range rows {
		out[i] = fromTrustRow(r)
	}
	return out, nil
}

func fromTrustRow(r trustEntryRow) TrustEntry {
	return TrustEntry{Seq: r.Seq, Kind: r.Kind, Kid: r.Kid, JTI: r.JTI, Sub: r.Sub, JWS: r.JWS, CreatedAt: r.CreatedAt.UTC()}
}

// TrustSeqs returns the sequence of every trust entry above after, in
// ascending order: what a replica polls to learn of entries other
// replicas saved (internal/gateway's trust refresh). It reads the primary
// key alone; the table holds thousands of rows, not millions.
func (db *DB) TrustSeqs(ctx context.Context, after int64) ([]int64, error) {
	var seqs []int64
	err := db.gdb.WithContext(ctx).Model(&trustEntryRow{}).Where("seq > ?", after).Order("seq").Pluck("seq", &seqs).Error
	if err != nil {
		return nil, fmt.Errorf("store: trust sequences: %w", err)
	}
	return seqs, nil
}

// trustFetchChunk bounds the IN list of one TrustEntriesBySeq statement.
const trustFetchChunk = 200

// TrustEntriesBySeq returns the trust entries of those sequences that exist,
// in ascending sequence order.
func (db *DB) TrustEntriesBySeq(ctx context.Context, seqs []int64) ([]TrustEntry, error) {
	var out []TrustEntry
	for start := 0; start < len(seqs); start += trustFetchChunk {
		var rows []trustEntryRow
		chunk := seqs[start:min(start+trustFetchChunk, len(seqs))]
		if err := db.gdb.WithContext(ctx).Where("seq IN ?", chunk).Order("seq").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("store: trust entries by sequence: %w", err)
		}
		for _, r := range rows {
			out = append(out, fromTrustRow(r))
		}
	}
	return out, nil
}

// TrustEvent is an admin action on trust, for the record.
type TrustEvent struct {
	ID     string
	At     time.Time
	Action string // endorse, revoke, key_generate, issue
	Kid    string
	Sub    string
	Actor  string
	Detail string
}

// DefaultTrustEventLimit is what TrustEvents returns for a limit ≤ 0.
const DefaultTrustEventLimit = 100

// InsertTrustEvent stores ev. An empty ID is made with audit.NewID(At); a
// zero At is now. Display strings longer than their column are clipped.
func (db *DB) InsertTrustEvent(ctx context.Context, ev TrustEvent) error {
	at := dbTime(ev.At)
	if ev.ID == "" {
		ev.ID = audit.NewID(at)
	}
	if len(ev.ID) > idLen {
		return fmt.Errorf("store: trust event id %q longer than %d characters", ev.ID, idLen)
	}
	row := trustEventRow{
		ID: ev.ID, At: at,
		Action: mapping.Clip(ev.Action, wordLen),
		Kid:    mapping.Clip(ev.Kid, kidLen),
		Sub:    mapping.Clip(ev.Sub, regionLen),
		Actor:  mapping.Clip(ev.Actor, actorLen),
		Detail: mapping.Clip(ev.Detail, detailLen),
	}
	if err := db.withRetry(ctx, func() error { return db.gdb.WithContext(ctx).Create(&row).Error }); err != nil {
		return fmt.Errorf("store: insert trust event: %w", err)
	}
	return nil
}

// TrustEvents returns up to limit events, newest first (DefaultTrustEventLimit
// when limit ≤ 0).
func (db *DB) TrustEvents(ctx context.Context, limit int) ([]TrustEvent, error) {
	if limit <= 0 {
		limit = DefaultTrustEventLimit
	}
	var rows []trustEventRow
	err := db.gdb.WithContext(ctx).Order("at DESC, id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: trust events: %w", err)
	}
	out := make([]TrustEvent, len(rows))
	for i, r := range rows {
		out[i] = TrustEvent{ID: r.ID, At: r.At.UTC(), Action: r.Action, Kid: r.Kid, Sub: r.Sub, Actor: r.Actor, Detail: r.Detail}
	}
	return out, nil
}
