package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/store"
)

// TestPlatformCodes: the simulated platform's codes round-trip, the
// itinerary mark included, on every backend; an unsound itinerary is
// refused.
func TestPlatformCodes(t *testing.T) {
	for _, be := range backends {
		t.Run(be.driver, func(t *testing.T) {
			db := open(t, be.driver, be.fresh(t))
			ctx := context.Background()
			at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
			for _, c := range []store.PlatformCode{
				{CID: "plain", Org: "330000", Status: "green", StatusAt: at, Expires: at.Add(time.Minute), HolderName: "张*丰", HolderID: "3301**********1234"},
				{CID: "star", Org: "330000", Status: "green", StatusAt: at, Expires: at.Add(time.Minute),
					IT: &mapping.Itinerary{Regions: []string{"330100", "420100"}, Star: true, Time: at.Add(-time.Hour).Unix()}},
				{CID: "nowhere", Org: "330000", Status: "yellow", StatusAt: at, Expires: at.Add(time.Minute),
					IT: &mapping.Itinerary{Regions: []string{}, Time: at.Unix()}},
			} {
				if err := db.PutPlatformCode(ctx, c); err != nil {
					t.Fatal(err)
				}
				got, err := db.GetPlatformCode(ctx, c.CID)
				if err != nil || !reflect.DeepEqual(*got, c) {
					t.Fatalf("%s: got %+v, %v; want %+v", c.CID, got, err, c)
				}
			}
			bad := store.PlatformCode{CID: "bad", Org: "330000", Status: "green", StatusAt: at, Expires: at,
				IT: &mapping.Itinerary{Regions: []string{"4201"}, Time: at.Unix()}}
			if err := db.PutPlatformCode(ctx, bad); err == nil {
				t.Fatal("an itinerary with a four-digit region was stored")
			}
		})
	}
}
