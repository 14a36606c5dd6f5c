package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// liveCode issues a signed green national code of region r whose live
// status on r's platform is live, ending at end.
func (f *fed) liveCode(r string, live mapping.Status, end time.Time) (code, cid string) {
	f.t.Helper()
	n := f.nodes[r]
	now := time.Now()
	cid = fmt.Sprintf("l%x", now.UnixNano())
	c := testkit.ClaimsAt(r, mapping.Green, now)
	c.JTI = cid
	code, err := nic.Encode(n.key, c)
	if err != nil {
		f.t.Fatal(err)
	}
	n.platform.Set(cid, mapping.LiveStatus{Status: live, At: now.Add(-10 * time.Minute), Expires: end,
		Holder: mapping.Holder{Name: "张*三", ID: "3301**********1234"}})
	return code, cid
}

// A platform's green that ended minutes ago is grey everywhere: at its own
// gateway, in the answer that gateway signs (exp never beyond the
// platform's end), relayed by the hub, in the asking gateway's cache; and
// /v1/convert never mints a code that outlives the status it carries.
func TestALapsedStatusIsGreyEverywhere(t *testing.T) {
	f := newFed(t, []string{hub, shR, zjR}, map[string][]string{hub: {shR, zjR}, shR: {hub}, zjR: {hub}}, "", nil)
	ended := time.Now().Add(-3 * time.Minute).Truncate(time.Second)

	t.Run("at the issuer's own gateway", func(t *testing.T) {
		code, _ := f.liveCode(zjR, mapping.Green, ended)
		vd := f.verify(zjR, code)
		if vd.Status != mapping.Grey || vd.Source != verify.SourceOnline || !vd.Conflict {
			t.Fatalf("a green that ended 3 minutes ago, at its issuer: %+v", vd)
		}
	})
	answer := func(t *testing.T, at, cid string) federation.Answer {
		t.Helper()
		st, b := post(t, f.nodes[at].url, f.signedRequest(shR, zjR, cid))
		if st != 200 {
			t.Fatalf("%d %s", st, b)
		}
		_, payload, err := trust.SplitCompact(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		var a federation.Answer
		if err := json.Unmarshal(payload, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, at := range []string{zjR, hub} {
		t.Run("in the answer Zhejiang signs, asked at "+at, func(t *testing.T) {
			_, cid := f.liveCode(zjR, mapping.Green, ended)
			a := answer(t, at, cid)
			if a.St != mapping.Grey || a.EXP > ended.Unix() {
				t.Fatalf("answer st %s exp %s; want grey, exp at or before the platform's end %s",
					a.St, time.Unix(a.EXP, 0).UTC(), ended)
			}
		})
	}
	t.Run("at the asking gateway, through the hub, and never from its cache", func(t *testing.T) {
		code, _ := f.liveCode(zjR, mapping.Green, ended)
		for i := range 3 {
			vd := f.verify(shR, code)
			if vd.Status != mapping.Grey || vd.Source != verify.SourceOnline || !vd.Conflict || vd.Degraded {
				t.Fatalf("verification %d at Shanghai: %+v", i, vd)
			}
		}
	})
	t.Run("a green cached at the asking gateway lapses there at the platform's end", func(t *testing.T) {
		end := time.Now().Add(2 * time.Second).Truncate(time.Second)
		code, _ := f.liveCode(zjR, mapping.Green, end)
		if vd := f.verify(shR, code); vd.Status != mapping.Green || vd.Source != verify.SourceOnline {
			t.Fatalf("before its end: %+v", vd)
		}
		if vd := f.verify(shR, code); vd.Status != mapping.Green || vd.Source != verify.SourceCache {
			t.Fatalf("before its end, again: %+v", vd)
		}
		time.Sleep(time.Until(end) + 50*time.Millisecond)
		if vd := f.verify(shR, code); vd.Status != mapping.Grey || vd.Source == verify.SourceCache {
			t.Fatalf("after its end: %+v", vd)
		}
	})

	type converted struct {
		NationalCode string `json:"national_code"`
		Error        struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	convert := func(t *testing.T, at, code string) (int, converted) {
		t.Helper()
		st, b := do(t, "POST", f.nodes[at].url+"/v1/convert", verifierToken, `{"code":"`+code+`"}`)
		var out converted
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%d %s", st, b)
		}
		return st, out
	}
	for _, at := range []string{zjR, hub} {
		t.Run("/v1/convert at "+at+" refuses a lapsed status", func(t *testing.T) {
			code, _ := f.liveCode(zjR, mapping.Green, ended)
			st, out := convert(t, at, code)
			if st != http.StatusUnprocessableEntity || out.NationalCode != "" || out.Error.Code != "code_not_valid" {
				t.Fatalf("%d %+v", st, out)
			}
		})
		t.Run("/v1/convert at "+at+" mints nothing that outlives the status", func(t *testing.T) {
			end := time.Now().Add(2 * time.Minute).Truncate(time.Second)
			code, _ := f.liveCode(zjR, mapping.Green, end)
			st, out := convert(t, at, code)
			if st != 200 || !strings.HasPrefix(out.NationalCode, "NIC1:") {
				t.Fatalf("%d %+v", st, out)
			}
			_, payload, err := trust.SplitCompact(strings.TrimPrefix(out.NationalCode, "NIC1:"))
			if err != nil {
				t.Fatal(err)
			}
			var c mapping.Claims
			if err := json.Unmarshal(payload, &c); err != nil {
				t.Fatal(err)
			}
			if c.St != mapping.Green || c.EXP > end.Unix() {
				t.Fatalf("converted st %s exp %s; the status ends %s", c.St, time.Unix(c.EXP, 0).UTC(), end)
			}
		})
	}
}

// An answer cached at Shanghai before the key that signed it was revoked
// there is not served again: the next verification asks Zhejiang, whose
// answers that key signs, and they are refused.
func TestACachedAnswerOfARevokedKeyIsNotServed(t *testing.T) {
	f := newFed(t, []string{hub, shR, zjR}, map[string][]string{hub: {shR, zjR}, shR: {hub}, zjR: {hub}}, "", nil)
	tok := provsim.NewZJToken()
	now := time.Now()
	f.nodes[zjR].platform.Set(tok, mapping.LiveStatus{Status: mapping.Green, At: now, Expires: now.Add(10 * time.Minute),
		Holder: mapping.Holder{Name: "张*三", ID: "3301**********1234"}})
	code, err := provsim.EncodeZJ(tok) // online-only: no signature of its own to be revoked
	if err != nil {
		t.Fatal(err)
	}
	if vd := f.verify(shR, code); vd.Status != mapping.Green || vd.Source != verify.SourceOnline {
		t.Fatalf("first: %+v", vd)
	}
	if vd := f.verify(shR, code); vd.Status != mapping.Green || vd.Source != verify.SourceCache {
		t.Fatalf("second, not from the cache: %+v", vd)
	}
	if st, b := do(t, "POST", f.nodes[shR].url+"/v1/trust/revocations", adminToken, f.root.Revoke(f.nodes[zjR].key.Kid())); st != 201 {
		t.Fatalf("revoke at Shanghai: %d %s", st, b)
	}
	vd := f.verify(shR, code)
	if vd.Source == verify.SourceCache || vd.Result != fault.Unverified || vd.Reason != fault.IssuerUnavailable {
		t.Fatalf("after Zhejiang's status key was revoked: %+v", vd)
	}
}
