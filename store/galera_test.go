package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/store"
)

// openNodes opens one store a node of a fresh Galera database, one after
// the other (the first migrates the schema).
func openNodes(t *testing.T) []*store.DB {
	t.Helper()
	var dbs []*store.DB
	for _, dsn := range testdb.FreshGalera(t) {
		dbs = append(dbs, open(t, store.DriverMySQL, dsn))
	}
	return dbs
}

// TestGaleraConcurrentWritesOfOneRow makes every node write the same rows at
// once: Galera lets one commit and aborts the others at certification with
// a deadlock error, which the store must retry, not return. Without the
// retry some of these writes fail (error 1213).
func TestGaleraConcurrentWritesOfOneRow(t *testing.T) {
	dbs := openNodes(t)
	ctx := context.Background()
	const rounds, perNode = 40, 3
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for r := range rounds {
		if time.Now().After(deadline) {
			t.Fatalf("round %d of %d not reached within 2 minutes", r, rounds)
		}
		kid := fmt.Sprintf("kid-%03d", r)
		cid := fmt.Sprintf("cid-%03d", r)
		start := make(chan struct{})
		for n, db := range dbs {
			for w := range perNode {
				wg.Go(func() {
					<-start
					e := store.TrustEntry{Kind: store.KindEndorsement, Kid: kid, JTI: "j1", Sub: "310000", JWS: "x.y.z"}
					if err := db.SaveTrustEntry(ctx, e); err != nil {
						fail(fmt.Errorf("node %d: SaveTrustEntry: %w", n+1, err))
					}
					c := store.PlatformCode{CID: cid, Org: "310000", Status: fmt.Sprintf("s%d-%d", n, w), StatusAt: time.Now(), Expires: time.Now()}
					if err := db.PutPlatformCode(ctx, c); err != nil {
						fail(fmt.Errorf("node %d: PutPlatformCode: %w", n+1, err))
					}
				})
			}
		}
		close(start)
		wg.Wait()
	}
	for _, err := range errs {
		t.Error(err)
	}
	entries, err := dbs[0].TrustEntries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != rounds {
		t.Fatalf("%d trust entries, want %d (one a round)", len(entries), rounds)
	}
	var conflicts int64
	for _, db := range dbs {
		conflicts += db.Conflicts()
	}
	t.Logf("certification conflicts retried: %d over %d rounds of %d writers", conflicts, rounds, len(dbs)*perNode)
	if conflicts == 0 {
		t.Fatal("no certification conflict happened: the test did not exercise the retry")
	}
}

// TestGaleraRecordsFromEveryNode group-commits records through every node
// at once and reads each back through another node.
func TestGaleraRecordsFromEveryNode(t *testing.T) {
	dbs := openNodes(t)
	ctx := context.Background()
	const perNode = 300
	ids := make([][]string, len(dbs))
	var wg sync.WaitGroup
	errc := make(chan error, len(dbs))
	for n, db := range dbs {
		w := audit.NewWriter(db, audit.DefaultOptions())
		t.Cleanup(func() { w.Close(context.Background()) })
		ids[n] = make([]string, perNode)
		for i := range perNode {
			r := sampleRecord(n*perNode + i)
			ids[n][i] = r.ID
			wg.Go(func() {
				if err := w.Write(ctx, r); err != nil {
					errc <- fmt.Errorf("node %d: %w", n+1, err)
				}
			})
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	for n := range dbs {
		reader := dbs[(n+1)%len(dbs)]
		for _, id := range ids[n] {
			if _, err := readCausal(ctx, reader, id); err != nil {
				t.Fatalf("record %s written through node %d, read through node %d: %v", id, n+1, (n+1)%len(dbs)+1, err)
			}
		}
	}
	if c, err := dbs[0].CountRecords(ctx); err != nil || c != int64(len(dbs)*perNode) {
		t.Fatalf("CountRecords = %d, %v; want %d", c, err, len(dbs)*perNode)
	}
}

// readCausal reads a record through another node than the one that wrote
// it: Galera applies a commit on the other nodes just after it returns, so
// a read immediately after may briefly miss it.
func readCausal(ctx context.Context, db *store.DB, id string) (*audit.Record, error) {
	var err error
	for range 50 {
		var r *audit.Record
		if r, err = db.GetRecord(ctx, id); err == nil {
			return r, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, err
}
