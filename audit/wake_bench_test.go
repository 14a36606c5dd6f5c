package audit

import (
	"context"
	"crypto/sha256"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkWriteSyncLinger is BenchmarkWriteSync as the gateway sets the
// writer up (Linger, MaxWait, every Write announced by Expect), and reports
// the process's context switches per record (getrusage, all threads): the
// scheduler work the group commit's hand-offs cost, which the machine's
// load does not change as it changes the wall clock.
func BenchmarkWriteSyncLinger(b *testing.B) {
	var commits, records atomic.Int64
	sink := &fakeSink{insert: func(ctx context.Context, recs []Record) error {
		time.Sleep(200 * time.Microsecond)
		commits.Add(1)
		records.Add(int64(len(recs)))
		return nil
	}}
	opt := DefaultOptions()
	opt.Linger = 2 * time.Millisecond
	opt.MaxWait = 5 * time.Second
	w := NewWriter(sink, opt)
	r := Record{ID: NewID(time.Now()), HolderName: "张*三", HolderID: "3301**********1234", Result: "valid"}
	b.SetParallelism(32) // 64 writers on 2 cores, as the bench's 64 clients
	b.ReportAllocs()
	var before, after syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &before); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		var work [1024]byte
		for pb.Next() {
			w.Expect(1)
			// The verification between the announcement and the record
			// (about 30 µs of CPU): a batch lingers for announced records.
			for range 10 {
				d := sha256.Sum256(work[:])
				copy(work[:], d[:])
			}
			if err := w.Write(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &after); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(after.Nvcsw-before.Nvcsw)/float64(b.N), "vcsw/record")
	b.ReportMetric(float64(after.Nivcsw-before.Nivcsw)/float64(b.N), "ivcsw/record")
	if c := commits.Load(); c > 0 {
		b.ReportMetric(float64(records.Load())/float64(c), "records/commit")
	}
}
