package verify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// itOnline answers green with an itinerary.
type itOnline struct{ it *mapping.Itinerary }

func (f itOnline) Status(context.Context, string, string) (mapping.LiveStatus, bool, error) {
	return mapping.LiveStatus{Status: mapping.Green, At: testkit.Now.Add(-time.Minute), Expires: testkit.Now.Add(10 * time.Minute), IT: f.it}, true, nil
}

// TestConvertKeepsTheIssuersItinerary: a converted national code carries the
// itinerary the verdict shows, the issuer's when its answer is newer than
// the code's (a star dropped in conversion would pass a venue rule).
func TestConvertKeepsTheIssuersItinerary(t *testing.T) {
	w := newWorld(t)
	w.v.Region = mapping.NationalRegion
	greenCode := code(t, w.zjKey, testkit.Claims(zj, mapping.Green))
	w.v.Online = itOnline{&mapping.Itinerary{Regions: []string{"440300"}, Star: true, Time: testkit.Now.Add(-time.Minute).Unix()}}
	out, err := w.v.Convert(context.Background(), verify.Request{Code: greenCode}, []trust.Signer{w.hub})
	if err != nil {
		t.Fatal(err)
	}
	if out.Verdict.Itinerary == nil || !out.Verdict.Itinerary.Star {
		t.Fatalf("verdict itinerary %+v", out.Verdict.Itinerary)
	}
	var c mapping.Claims
	_, payload, _ := trust.SplitCompact(strings.TrimPrefix(out.NationalCode, nic.Prefix))
	_ = json.Unmarshal(payload, &c)
	if c.IT == nil || !c.IT.Star {
		t.Fatalf("verdict says star, the converted national code carries it %+v", c.IT)
	}
}
