package gateway_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/store"
)

// TestServingEnforcesRetention: a gateway that starts serving purges the
// records older than audit.retention by its clock and keeps the others, on
// SQLite (batched deletes) and on MariaDB (day partitions). The gateway's
// clock is injected, twelve days ahead: a record made now is then twelve
// days old, one made in three days nine.
func TestServingEnforcesRetention(t *testing.T) {
	for _, driver := range []string{"sqlite", "mysql"} {
		t.Run(driver, func(t *testing.T) {
			dsn := ""
			if driver == "mysql" {
				dsn = testdb.FreshMySQL(t)
			}
			e := newEnv(t, driver, dsn)
			e.cfgBytes = append(e.cfgBytes, []byte("audit: {retention: 240h}\n")...)
			cfg, err := config.Parse("gw.yaml", e.cfgBytes)
			if err != nil {
				t.Fatal(err)
			}
			e.cfg = cfg

			now := time.Now()
			old := audit.Record{CreatedAt: now, Gateway: "310000", Result: "valid"}
			// Within the partitions made at open (PartitionsAhead days).
			kept := audit.Record{CreatedAt: now.AddDate(0, 0, 3), Gateway: "310000", Result: "valid"}
			// Both ids of now: an id of a later time would move every later id
			// of this test binary there (audit.NewID never goes back).
			old.ID, kept.ID = audit.NewID(old.CreatedAt), audit.NewID(now)
			db, err := store.Open(cfg.Database.Driver, cfg.Database.DSN)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.InsertRecords(context.Background(), []audit.Record{old, kept}); err != nil {
				t.Fatal(err)
			}
			db.Close()

			clock := func() time.Time { return time.Now().AddDate(0, 0, 12) }
			g, err := gateway.New(context.Background(), cfg, gateway.Options{Clock: clock, Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := g.Listen("127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			sctx, stop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- g.Serve(sctx) }()
			t.Cleanup(func() {
				stop()
				if err := <-done; err != nil {
					t.Errorf("serve: %v", err)
				}
			})
			r := &running{g: g}
			ctx := context.Background()
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				_, err := r.g.DB.GetRecord(ctx, old.ID)
				if errors.Is(err, store.ErrNotFound) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("a record 12 days old by the gateway's clock is still there 20 s after start with a retention of 10 days (%v)", err)
				}
			}
			if _, err := r.g.DB.GetRecord(ctx, kept.ID); err != nil {
				t.Fatalf("a record 9 days old, within the retention: %v", err)
			}
		})
	}
}
