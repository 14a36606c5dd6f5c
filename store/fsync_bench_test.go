package store_test

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	moderncsqlite "modernc.org/sqlite"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/store"
)

// BenchmarkFsyncWakeup is the machine under the group commit, not hcgw: a
// 4 KiB write and fdatasync, as SQLite's WAL commit does, on an idle
// process and on one whose every P is busy computing (as the gateway's are
// at 64 clients, with ECDSA). The thread that waited in fdatasync must be
// scheduled again by the kernel when the disk answers; with every core
// busy it may wait for a time slice, which shows in the p99 (see
// docs/PERFORMANCE.md, "Where a commit's time goes").
func BenchmarkFsyncWakeup(b *testing.B) {
	for _, busy := range []bool{false, true} {
		name := "idle"
		if busy {
			name = "busy"
		}
		b.Run(name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "wal"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			page := make([]byte, 4096)
			var stop atomic.Bool
			var wg sync.WaitGroup
			if busy {
				for range runtime.GOMAXPROCS(0) {
					wg.Go(func() {
						buf := make([]byte, 1024)
						for !stop.Load() {
							for range 64 {
								sha256.Sum256(buf)
							}
						}
					})
				}
				defer func() { stop.Store(true); wg.Wait() }()
			}
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				if _, err := f.WriteAt(page, int64(i%16)*4096); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// BenchmarkCommitSyscall is a group commit of 17 records (the size the
// bare comparison's 64 clients make) with SQLite syncing by fsync and by
// fdatasync, with the process's system CPU time per commit: what the
// kernel spends on the durable write beside the wait.
func BenchmarkCommitSyscall(b *testing.B) {
	for _, fdatasync := range []bool{false, true} {
		name := "fsync"
		if fdatasync {
			name = "fdatasync"
		}
		b.Run(name, func(b *testing.B) {
			db, err := store.Open(store.DriverSQLite, "file:"+filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			prev, err := moderncsqlite.Fdatasync(fdatasync) // after Open, which turns it on
			if err != nil {
				b.Skip(err)
			}
			defer moderncsqlite.Fdatasync(prev)
			recs := make([]audit.Record, 17)
			ctx := context.Background()
			sys0 := systemCPU()
			b.ResetTimer()
			for range b.N {
				for j := range recs {
					now := time.Now()
					recs[j] = sampleRecord(j)
					recs[j].ID, recs[j].CreatedAt = audit.NewID(now), now
				}
				if err := db.InsertRecords(ctx, recs); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64((systemCPU()-sys0).Microseconds())/float64(b.N), "sys-µs/op")
		})
	}
}

// systemCPU is the process's system CPU time so far.
func systemCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Stime.Nano())
}
