package gateway

import (
	"context"
	"log/slog"
	"time"

	"github.com/hcgw/hcgw/store"
)

// maintainEvery is how often the records table is maintained: partitions
// made ahead, records past audit.retention purged. Hourly, so a day's
// partition is dropped within the hour it falls out of the retention and a
// missed run costs nothing.
const maintainEvery = time.Hour

// prepareRecords makes the records partitions of the days ahead before the
// gateway answers anything (fast: a few DDL statements at most), so that no
// record meets a day without its partition.
func prepareRecords(ctx context.Context, db *store.DB, now time.Time, log *slog.Logger) error {
	m, err := db.MaintainRecords(ctx, now, 0)
	if err != nil {
		return err
	}
	if len(m.Added) > 0 {
		log.Info("records partitions added", "partitions", m.Added)
	}
	if db.Driver() == "mysql" {
		if p, err := db.Partitioned(ctx); err == nil && !p {
			log.Warn("the records table is not partitioned by day (made before partitioning): " +
				"retention deletes in batches; docs/storage.md says how to partition it")
		}
	}
	return nil
}

// watchRecords enforces audit.retention now and every maintainEvery until
// ctx ends, on the one replica holding the lease "records" (the others
// would only repeat its DDL). A failure is logged and tried again at the
// next tick: records past their retention are a compliance matter, not a
// reason to stop verifying.
func (g *Gateway) watchRecords(ctx context.Context) {
	g.whileLeased(ctx, "records", g.maintainRecords)
}

func (g *Gateway) maintainRecords(ctx context.Context) {
	t := g.timers.NewTicker(maintainEvery)
	defer t.Stop()
	for {
		m, err := g.DB.MaintainRecords(ctx, g.clock(), g.Config.Audit.Retention)
		switch {
		case err != nil && ctx.Err() == nil:
			g.Logger.Error("records maintenance failed", "err", err)
		case len(m.Added)+len(m.Dropped) > 0 || m.Deleted > 0:
			g.Logger.Info("records maintained", "added", m.Added, "dropped", m.Dropped, "deleted", m.Deleted,
				"retention", g.Config.Audit.Retention.String())
		}

		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
	}
}

// watchReplays deletes the federation request ids whose exp has passed
// (they live a minute), every minute, in bounded batches, on the one
// replica holding the lease "replays": the replays table holds about a
// minute of the region's federation traffic.
func (g *Gateway) watchReplays(ctx context.Context) {
	g.whileLeased(ctx, "replays", g.purgeReplays)
}

func (g *Gateway) purgeReplays(ctx context.Context) {
	t := g.timers.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
		for batch := 0; batch < 1000; batch++ {
			n, err := g.DB.PurgeReplays(ctx, g.clock().Add(-time.Minute), replayPurgeBatch)
			if err != nil {
				if ctx.Err() == nil {
					g.Logger.Error("replay ids purge failed", "err", err)
				}
				break
			}
			if n < replayPurgeBatch {
				break
			}
		}
	}
}

// replayPurgeBatch is the most ids one purge statement deletes.
const replayPurgeBatch = 5000
