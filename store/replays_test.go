package store_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/store"
)

// TestReplays: a message id is first seen once, by every database handle on
// one database (replicas), even when they race; expired ids are purged.
func TestReplays(t *testing.T) {
	for _, be := range backends {
		t.Run(be.driver, func(t *testing.T) {
			dsn := be.fresh(t)
			a, b := open(t, be.driver, dsn), open(t, be.driver, dsn)
			ctx := context.Background()
			until := time.Now().Add(time.Minute)
			if first, err := a.FirstSeen(ctx, "status|310000|jti-1", until); err != nil || !first {
				t.Fatalf("the first sight: %v %v", first, err)
			}
			if first, err := b.FirstSeen(ctx, "status|310000|jti-1", until); err != nil || first {
				t.Fatalf("another replica sees it again: %v %v", first, err)
			}
			// Eight replicas race for one id: exactly one is first.
			var wg sync.WaitGroup
			var mu sync.Mutex
			firsts := 0
			for i := 0; i < 8; i++ {
				db := a
				if i%2 == 1 {
					db = b
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					first, err := db.FirstSeen(ctx, "status|310000|jti-race", until)
					if err != nil {
						t.Error(err)
					}
					if first {
						mu.Lock()
						firsts++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if firsts != 1 {
				t.Fatalf("%d replicas saw the raced id first, want 1", firsts)
			}
			if _, err := a.FirstSeen(ctx, "", until); err == nil {
				t.Fatal("an empty key was taken")
			}
			if _, err := a.FirstSeen(ctx, "status|old", time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			n, err := a.PurgeReplays(ctx, time.Now(), 100)
			if err != nil || n != 1 {
				t.Fatalf("purged %d, %v; want the one expired id", n, err)
			}
		})
	}
}

// BenchmarkFirstSeen is what shared replay protection adds to a status
// request at the responder: one INSERT on the region's MariaDB.
//
//	go test -run '^$' -bench FirstSeen -benchtime 2000x ./store
func BenchmarkFirstSeen(b *testing.B) {
	db, err := store.Open(store.DriverMySQL, testdb.FreshMySQL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	until := time.Now().Add(time.Minute)
	i := 0
	for b.Loop() {
		i++
		if first, err := db.FirstSeen(ctx, "status|310000|bench-"+strconv.Itoa(i), until); err != nil || !first {
			b.Fatal(first, err)
		}
	}
}
