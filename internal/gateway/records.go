package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/store"
	"github.com/jonboulle/clockwork"
)

// The records capability: the database (records, trust entries, the
// simulated platform's codes, corrections, replays) and the group-commit
// writer of verification records.

// cleanup undoes what a constructor opened. New runs those of the parts
// built so far when a later part fails; Close runs them all, last first.
type cleanup func(context.Context) error

// openRecords opens the database of c and makes the records partitions of
// the days ahead before the gateway answers anything.
func openRecords(ctx context.Context, c config.Database, now time.Time, log *slog.Logger) (*store.DB, cleanup, error) {
	db, err := store.Open(c.Driver, c.DSN)
	if err != nil {
		return nil, nil, fmt.Errorf("database (%s %s): %w", c.Driver, config.RedactDSN(c.DSN), err)
	}
	if err := prepareRecords(ctx, db, now, log); err != nil {
		_ = db.Close()
		return nil, nil, fmt.Errorf("database (%s %s): %w", c.Driver, config.RedactDSN(c.DSN), err)
	}
	return db, func(context.Context) error { return db.Close() }, nil
}

// newAudit starts the writer of verification records into db. maxWait
// bounds each answer's wait for its record (one timer a batch, on timers),
// so the verifier need not make a deadline per verification.
func newAudit(db *store.DB, c config.Audit, maxWait time.Duration, onCommit func(records int, took, waited time.Duration),
	timers clockwork.Clock) (*audit.Writer, cleanup) {
	w := audit.NewWriter(db, audit.Options{Sync: c.Sync, QueueSize: c.QueueSize, MaxBatch: c.MaxBatch,
		OnCommit: onCommit, Linger: c.Linger, MaxWait: maxWait, Clock: timers})
	return w, w.Close
}
