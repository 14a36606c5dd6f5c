package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// TestItineraryStarAtAVenue: a national code with the itinerary mark is
// signed at Zhejiang and verified at Shanghai, whose venue rule (signed by
// the root, loaded with the trust folder) denies a star (DESIGN §11, §12).
func TestItineraryStarAtAVenue(t *testing.T) {
	f := newFed(t, []string{hub, shR, zjR}, map[string][]string{hub: {shR, zjR}, shR: {hub}, zjR: {hub}}, "", nil)
	now := time.Now()
	venue := fmt.Sprintf(`{"Identifier":"SH-VENUE-01","Type":"Acceptance","Country":"310000","Version":"1.0.0","SchemaVersion":"1.0.0",
"Engine":"CERTLOGIC","EngineVersion":"1.3.0","CertificateType":"National","Description":[{"lang":"zh","desc":"绿码且行程卡无星号"},{"lang":"en","desc":"Green, and no star on the itinerary"}],
"ValidFrom":%q,"ValidTo":%q,"AffectedFields":["st","it"],"Logic":{"and":[{"===":[{"var":"payload.st"},"green"]},{"!":[{"var":"payload.it.star"}]}]},"Scenes":["venue"]}`,
		now.Add(-time.Hour).UTC().Format(time.RFC3339), now.Add(24*time.Hour).UTC().Format(time.RFC3339))
	st, body := do(t, "POST", f.nodes[shR].url+"/v1/rules", adminToken, f.root.Rule(venue))
	if st != 201 {
		t.Fatalf("POST /v1/rules: %d %s", st, body)
	}
	signed := func(star bool) string {
		c := testkit.ClaimsAt(zjR, mapping.Green, now)
		c.JTI = fmt.Sprintf("it-%v-%x", star, now.UnixNano())
		c.IT = &mapping.Itinerary{Regions: []string{"330100", "420100"}, Star: star, Time: now.Add(-2 * time.Hour).Unix()}
		code, err := nic.Encode(f.nodes[zjR].key, c)
		if err != nil {
			t.Fatal(err)
		}
		f.nodes[zjR].platform.Set(c.JTI, mapping.LiveStatus{Status: mapping.Green, At: now, Expires: now.Add(time.Minute)})
		return code
	}
	for _, tc := range []struct {
		star bool
		want string
	}{{true, "deny"}, {false, "admit"}} {
		st, b := do(t, "POST", f.nodes[shR].url+"/v1/verify", verifierToken, `{"code":"`+signed(tc.star)+`","scene":"venue"}`)
		var vd verify.Verdict
		if st != 200 || json.Unmarshal(b, &vd) != nil {
			t.Fatalf("%d %s", st, b)
		}
		if vd.Result != fault.Valid || vd.Source != verify.SourceOnline || string(vd.Admission.Decision) != tc.want ||
			vd.Itinerary == nil || vd.Itinerary.Star != tc.star || len(vd.Itinerary.Regions) != 2 {
			t.Fatalf("star %v: %s", tc.star, b)
		}
		st, rec := do(t, "GET", f.nodes[shR].url+"/v1/records/"+vd.RecordID, adminToken, "")
		if st != 200 || !bytes.Contains(rec, []byte(fmt.Sprintf(`"star":%v`, tc.star))) || !bytes.Contains(rec, []byte(`"admission":"`+tc.want+`"`)) {
			t.Fatalf("record %d %s", st, rec)
		}
	}

	// An online-only token: the itinerary comes in Zhejiang's signed status
	// answer (relayed by the hub), and stays with the cached answer.
	token := provsim.NewZJToken()
	f.nodes[zjR].platform.Set(token, mapping.LiveStatus{Status: mapping.Green, At: now, Expires: now.Add(time.Minute),
		IT: &mapping.Itinerary{Regions: []string{"420100"}, Star: true, Time: now.Add(-time.Hour).Unix()}})
	code, err := provsim.EncodeZJ(token)
	if err != nil {
		t.Fatal(err)
	}
	for _, source := range []verify.Source{verify.SourceOnline, verify.SourceCache} {
		st, b := do(t, "POST", f.nodes[shR].url+"/v1/verify", verifierToken, `{"code":"`+code+`","scene":"venue"}`)
		var vd verify.Verdict
		if st != 200 || json.Unmarshal(b, &vd) != nil {
			t.Fatalf("%d %s", st, b)
		}
		if vd.Result != fault.Valid || vd.Source != source || vd.Itinerary == nil || !vd.Itinerary.Star ||
			vd.Itinerary.Regions[0] != "420100" || vd.Admission.Decision != "deny" {
			t.Fatalf("the %s answer: %s", source, b)
		}
	}
}
