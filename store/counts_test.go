package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/store"
)

// TestVerdictCounts runs on every backend: counts by result and reason of
// the records at or after a time, to the microsecond, whatever the zone.
func TestVerdictCounts(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			db := open(t, be.driver, be.fresh(t))
			ctx := context.Background()

			got, err := db.VerdictCounts(ctx, time.Now().Add(-time.Hour))
			if err != nil || got == nil || len(got) != 0 {
				t.Fatalf("an empty database: %#v, %v (want an empty, non-nil list)", got, err)
			}

			since := time.Date(2026, 11, 23, 16, 0, 0, 123456000, shanghai) // 08:00:00.123456 UTC
			at := func(d time.Duration) time.Time { return since.Add(d) }
			type rec struct {
				at             time.Time
				result, reason string
			}
			recs := []rec{
				// before since: never counted
				{at(-time.Hour), "valid", ""},
				{at(-time.Second), "invalid", "bad_signature"},
				{at(-time.Microsecond), "invalid", "expired"},
				{since.Truncate(time.Second), "invalid", "expired"}, // 08:00:00, a whole second
				// at or after since
				{since, "valid", ""},
				{at(time.Microsecond), "valid", ""},
				{at(376544 * time.Microsecond), "valid", ""},           // 08:00:00.5
				{at(876544 * time.Microsecond), "invalid", "expired"},  // 08:00:01, a whole second
				{at(10 * time.Minute), "unverified", "status_unknown"}, // in another zone below
				{at(59 * time.Minute), "invalid", "bad_signature"},
				{at(2 * time.Hour), "invalid", "bad_signature"},
			}
			batch := make([]audit.Record, len(recs))
			for i, r := range recs {
				a := sampleRecord(i)
				a.ID = ""
				a.CreatedAt, a.Result, a.Reason = r.at, r.result, r.reason
				if i%3 == 0 {
					a.CreatedAt = r.at.In(time.FixedZone("PST", -8*3600))
				}
				batch[i] = a
			}
			if err := db.InsertRecords(ctx, batch); err != nil {
				t.Fatal(err)
			}

			want := []store.VerdictCount{
				{Result: "valid", Reason: "", Count: 3},
				{Result: "invalid", Reason: "bad_signature", Count: 2},
				{Result: "invalid", Reason: "expired", Count: 1},
				{Result: "unverified", Reason: "status_unknown", Count: 1},
			}
			for _, s := range []time.Time{since, since.UTC(), since.In(time.FixedZone("X", 5*3600+1800))} {
				got, err := db.VerdictCounts(ctx, s)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("since %s:\n got %v\nwant %v", s, got, want)
				}
			}

			// A since between two microseconds starts at the next one.
			got, err = db.VerdictCounts(ctx, since.Add(-500*time.Nanosecond))
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("since half a microsecond earlier: %v %v", got, err)
			}
			got, err = db.VerdictCounts(ctx, since.Add(500*time.Nanosecond))
			if err != nil || fmt.Sprint(got) != fmt.Sprint([]store.VerdictCount{
				{Result: "invalid", Reason: "bad_signature", Count: 2},
				{Result: "valid", Reason: "", Count: 2},
				{Result: "invalid", Reason: "expired", Count: 1},
				{Result: "unverified", Reason: "status_unknown", Count: 1},
			}) {
				t.Errorf("since half a microsecond later: %v %v", got, err)
			}

			// A zero since counts everything.
			all, err := db.VerdictCounts(ctx, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			n := int64(0)
			for _, c := range all {
				n += c.Count
			}
			if n != int64(len(recs)) || all[0] != (store.VerdictCount{Result: "valid", Reason: "", Count: 4}) {
				t.Errorf("everything: %v", all)
			}

			// A cancelled context is an error, not an empty list.
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if got, err := db.VerdictCounts(cctx, since); err == nil {
				t.Errorf("a cancelled context: %v, no error", got)
			}
		})
	}
}
