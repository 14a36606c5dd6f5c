package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/store"
)

// The figures of docs/SCALE.md. Each is bounded by -benchtime Nx.

// BenchmarkGaleraSyncWriter is BenchmarkSyncWriter on Galera: the group
// commit of 64 concurrent writers through one node, and through all three
// nodes at once (one writer and store a node, the 64 writers spread over
// them: three replicas of a region). records/s is the cluster's total.
func BenchmarkGaleraSyncWriter(b *testing.B) {
	b.Run("one-node", func(b *testing.B) { benchSpreadWriters(b, testdb.FreshGalera(b)[:1]) })
	b.Run("three-nodes", func(b *testing.B) { benchSpreadWriters(b, testdb.FreshGalera(b)) })
}

// BenchmarkMariaDBThreeWriters is three replicas' writers on one plain
// MariaDB, for comparison with three-nodes.
func BenchmarkMariaDBThreeWriters(b *testing.B) {
	dsn := testdb.FreshMySQL(b)
	benchSpreadWriters(b, []string{dsn, dsn, dsn})
}

func benchSpreadWriters(b *testing.B, dsns []string) {
	var writers []*audit.Writer
	for _, dsn := range dsns {
		db, err := store.Open(store.DriverMySQL, dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		writers = append(writers, audit.NewWriter(db, audit.DefaultOptions()))
	}
	r := freshRecord(0)
	var mu sync.Mutex
	next := 0
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		w := writers[next%len(writers)]
		next++
		mu.Unlock()
		ctx := context.Background()
		for pb.Next() {
			r := r
			r.ID, r.CreatedAt = audit.NewID(time.Now()), time.Now()
			if err := w.Write(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	for _, w := range writers {
		if err := w.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// freshRecord is sampleRecord stamped now, with a code id and hash as
// varied as real ones (a constant hash would compress on disk).
func freshRecord(i int) audit.Record {
	r := sampleRecord(i)
	r.CreatedAt = time.Now()
	r.ID = audit.NewID(r.CreatedAt)
	var h [32]byte
	_, _ = rand.Read(h[:])
	r.CodeSHA256 = hex.EncodeToString(h[:])
	r.CodeID = hex.EncodeToString(h[:12])
	return r
}

// BenchmarkRecordBytesOnDisk stores b.N records in group commits of 512 and
// reports what they take in InnoDB (data and indexes of the records
// partitions, after ANALYZE TABLE): the bytes a record costs at rest, for
// the sizes of a day's partition in docs/SCALE.md.
func BenchmarkRecordBytesOnDisk(b *testing.B) {
	for _, be := range []struct {
		name  string
		fresh func(b *testing.B) string
	}{
		{"mariadb", func(b *testing.B) string { return testdb.FreshMySQL(b) }},
		{"galera", func(b *testing.B) string { return testdb.FreshGalera(b)[0] }},
	} {
		b.Run(be.name, func(b *testing.B) {
			db, err := store.Open(store.DriverMySQL, be.fresh(b))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			b.ResetTimer()
			batch := make([]audit.Record, 0, 512)
			for i := range b.N {
				batch = append(batch, freshRecord(i))
				if len(batch) == cap(batch) || i == b.N-1 {
					if err := db.InsertRecords(ctx, batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			b.StopTimer()
			if err := db.Gorm().Exec("ANALYZE TABLE `records`").Error; err != nil {
				b.Fatal(err)
			}
			var data, index int64
			if err := db.Gorm().Raw("SELECT COALESCE(SUM(DATA_LENGTH),0), COALESCE(SUM(INDEX_LENGTH),0) FROM information_schema.PARTITIONS "+
				"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'records'").Row().Scan(&data, &index); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(data)/float64(b.N), "data-B/record")
			b.ReportMetric(float64(index)/float64(b.N), "index-B/record")
			b.ReportMetric(float64(data+index)/float64(b.N), "B/record")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
			if testing.Verbose() {
				fmt.Printf("%s: %d records: data %d B, indexes %d B\n", be.name, b.N, data, index)
			}
		})
	}
}
