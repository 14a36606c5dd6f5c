package verify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/hcgw/hcgw/admission"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

type fakeHolders struct {
	sh  federation.Shared
	err error
	got string
}

func (f *fakeHolders) LookupHolder(_ context.Context, number string) (federation.Shared, string, string, error) {
	f.got = number
	return f.sh, "3301**********1234", "hk:key", f.err
}

// TestDocumentVerdicts: how the regions' answers about a holder become a
// verdict (DESIGN §12).
func TestDocumentVerdicts(t *testing.T) {
	at := testkit.Now.Add(-time.Minute)
	answer := func(region string, st mapping.Status, src string) federation.RegionAnswer {
		return federation.RegionAnswer{Region: region, Status: st, StatusAsOf: at, Source: src}
	}
	tests := map[string]struct {
		number   string
		sh       federation.Shared
		err      error
		result   fault.Result
		reason   fault.Kind
		status   mapping.Status
		issuer   string
		conflict bool
		degraded bool
		source   verify.Source
	}{
		"one region green": {sh: federation.Shared{Status: mapping.Green, Answered: []federation.RegionAnswer{answer("330000", mapping.Green, "online")}},
			result: fault.Valid, status: mapping.Green, issuer: "330000", source: verify.SourceOnline},
		"two regions: the most severe decides, in conflict": {sh: federation.Shared{Status: mapping.Red, Answered: []federation.RegionAnswer{
			answer("310000", mapping.Green, "online"), answer("440000", mapping.Red, "cache"), answer("330000", mapping.Yellow, "online")}},
			result: fault.Valid, status: mapping.Red, issuer: "440000", conflict: true, source: verify.SourceCache},
		"two regions agreeing": {sh: federation.Shared{Status: mapping.Yellow, Answered: []federation.RegionAnswer{
			answer("310000", mapping.Yellow, "online"), answer("330000", mapping.Yellow, "online")}},
			result: fault.Valid, status: mapping.Yellow, issuer: "310000", source: verify.SourceOnline},
		"a region unreachable leaves the answer degraded": {sh: federation.Shared{Status: mapping.Green,
			Answered: []federation.RegionAnswer{answer("330000", mapping.Green, "online")}, Unavailable: []string{"440000"}},
			result: fault.Valid, status: mapping.Green, issuer: "330000", degraded: true, source: verify.SourceOnline},
		"known nowhere": {sh: federation.Shared{Status: mapping.Grey, Unknown: []string{"310000", "330000"}},
			result: fault.Unverified, reason: fault.StatusUnknown, status: mapping.Grey},
		"unknown where asked, some not reachable": {sh: federation.Shared{Status: mapping.Grey, Unknown: []string{"310000"}, Unavailable: []string{"330000"}},
			result: fault.Unverified, reason: fault.IssuerUnavailable, status: mapping.Grey},
		"a wrong check digit": {number: "330102199001011235", result: fault.Invalid, reason: fault.Malformed, status: mapping.Grey},
		"a lookup that fails": {err: errors.New("no"), result: fault.Invalid, reason: fault.Malformed, status: mapping.Grey},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			h := &fakeHolders{sh: tc.sh, err: tc.err}
			w.v.Holders = h
			number := tc.number
			if number == "" {
				number = "330102199001011234"
			}
			vd, err := w.v.Verify(context.Background(), verify.Request{Document: &verify.Document{Type: verify.DocumentResidentID, Number: number}})
			if err != nil {
				t.Fatal(err)
			}
			if vd.Result != tc.result || vd.Reason != tc.reason || vd.Status != tc.status || vd.Issuer != tc.issuer ||
				vd.Conflict != tc.conflict || vd.Degraded != tc.degraded || vd.Source != tc.source || vd.Format != verify.FormatIDDocument {
				t.Fatalf("verdict %+v", vd)
			}
			if tc.number != "" && vd.Detail != "the check character of the resident identity number is wrong" {
				t.Fatalf("detail %q: the number's refusal, as a client reads it", vd.Detail)
			}
			r := w.rec.recs[0]
			// The record's hash is of the holder key, never of the number.
			key := "hk:key"
			if tc.result == fault.Invalid {
				key = "" // refused before any lookup
			}
			want := sha256.Sum256([]byte(key))
			of := sha256.Sum256([]byte(number))
			if r.CodeID != "" || r.HolderID == number || r.CodeSHA256 != hex.EncodeToString(want[:]) ||
				r.CodeSHA256 == hex.EncodeToString(of[:]) || r.Format != verify.FormatIDDocument {
				t.Fatalf("record %+v", r)
			}
		})
	}
}

// TestDocumentItinerary: a region's star stands on a verification by
// identity document, whichever region's status decided the colour, and the
// admission rules see it.
func TestDocumentItinerary(t *testing.T) {
	w := newWorld(t)
	venue := rule("SH-VENUE", "Acceptance", sh, "1.0.0", testkit.Now.Add(-time.Hour), `["venue"]`, `{"!":[{"var":"payload.it.star"}]}`)
	if _, _, err := w.reg.AddRule(context.Background(), w.root.Rule(venue)); err != nil {
		t.Fatal(err)
	}
	at := testkit.Now.Add(-time.Minute)
	star := &mapping.Itinerary{Regions: []string{"420100"}, Star: true, Time: at.Unix()}
	plain := &mapping.Itinerary{Regions: []string{"440300"}, Time: at.Unix()}
	w.v.Holders = &fakeHolders{sh: federation.Shared{Status: mapping.Yellow, Answered: []federation.RegionAnswer{
		{Region: "330000", Status: mapping.Green, StatusAsOf: at, Source: "online", IT: star},
		{Region: "440000", Status: mapping.Yellow, StatusAsOf: at, Source: "online", IT: plain}}}}
	vd, err := w.v.Verify(context.Background(), verify.Request{Document: &verify.Document{Type: verify.DocumentResidentID, Number: "330102199001011234"}, Scene: "venue"})
	if err != nil {
		t.Fatal(err)
	}
	if vd.Issuer != "440000" || vd.Itinerary == nil || !vd.Itinerary.Star || vd.Admission.Decision != admission.Deny || !w.rec.recs[0].Star {
		t.Fatalf("verdict issuer %s itinerary %+v admission %+v record star %v", vd.Issuer, vd.Itinerary, vd.Admission, w.rec.recs[0].Star)
	}
}
