package federation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// The fuzz targets sign whatever claims the fuzzer makes with a properly
// endorsed key, so that the claim checks behind the signature are reached;
// FuzzVerifyRequestToken feeds whole tokens (header and shape attacks).
// testdata/fuzz holds seeds that are not tied to this run's keys.

func FuzzVerifyRequestClaims(f *testing.F) {
	n := newNation(f, shR, zjR)
	now := testkit.Now
	good := federation.Request{Iss: shR, Aud: zjR, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(), JTI: "j-1", Org: zjR, CID: "c.1:x"}
	f.Add(testkit.JSON(f, good))
	f.Add([]byte(`{"iss":"310000","aud":"330000","iat":1795420800,"exp":1795420860,"jti":"a","org":"330000","cid":"b"}{}`))
	f.Add([]byte(`{"iss":"310000","ISS":"330000","aud":"330000","iat":1795420800,"exp":1795420860,"jti":"a","org":"330000","cid":"b"}`))
	f.Add([]byte(`{"iss":"310000","aud":"330000","iat":1.7954208e9,"exp":1795420860,"jti":"a","org":"330000","cid":"b"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		tok, err := n.keys[shR].SignCompact(payload, federation.TypRequest)
		if err != nil {
			t.Skip()
		}
		r, err := federation.VerifyRequest(n.reg.Snapshot(), tok, now, skew)
		if err != nil {
			if r != nil || fault.ReasonOf(err) == fault.None {
				t.Fatalf("refusal %v came with %+v", err, r)
			}
			return
		}
		switch {
		case r.Iss != shR:
			t.Fatalf("accepted iss %q from a key of %s", r.Iss, shR)
		case !mapping.ValidRegion(r.Aud) || !mapping.ValidRegion(r.Org):
			t.Fatalf("accepted aud %q org %q", r.Aud, r.Org)
		case r.JTI == "" || len(r.JTI) > 64 || strings.ContainsAny(r.JTI, ". /\n|"):
			t.Fatalf("accepted jti %q", r.JTI)
		case r.CID == "" || len(r.CID) > 128 || strings.ContainsAny(r.CID, " /\n|"):
			t.Fatalf("accepted cid %q", r.CID)
		case r.EXP <= r.IAT || r.EXP-r.IAT > 60:
			t.Fatalf("accepted iat %d exp %d", r.IAT, r.EXP)
		case r.IAT > now.Add(skew).Unix() || r.EXP <= now.Unix():
			t.Fatalf("accepted iat %d exp %d at %d", r.IAT, r.EXP, now.Unix())
		}
	})
}

func FuzzVerifyAnswerClaims(f *testing.F) {
	n := newNation(f, shR, zjR)
	now := testkit.Now
	want := federation.Expect{Org: zjR, Aud: shR, RJTI: "rq-1", CID: "code-1"}
	good := federation.Answer{Iss: zjR, Aud: shR, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(), RJTI: "rq-1", CID: "code-1",
		St: mapping.Red, SA: now.Unix(), HN: maskedName, HID: maskedID}
	f.Add(testkit.JSON(f, good))
	f.Add([]byte(`{"iss":"330000","aud":"310000","iat":1795420800,"exp":1795420860,"rjti":"rq-1","cid":"code-1","st":"green","sa":1,"hn":"张三","hid":""}`))
	f.Add([]byte(`{"iss":"330000","aud":"310000","iat":1795420800,"exp":1795420860,"rjti":"rq-1","cid":"code-1","st":"green","sa":1,"hn":"欧**锋","hid":"3301**********123X"}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		tok, err := n.keys[zjR].SignCompact(payload, federation.TypAnswer)
		if err != nil {
			t.Skip()
		}
		a, err := federation.VerifyAnswer(n.reg.Snapshot(), tok, want, now, skew)
		if err != nil {
			if a != nil || fault.ReasonOf(err) == fault.None {
				t.Fatalf("refusal %v came with %+v", err, a)
			}
			return
		}
		switch {
		case a.Iss != want.Org || a.Aud != want.Aud || a.RJTI != want.RJTI || a.CID != want.CID:
			t.Fatalf("accepted an answer to something else: %+v", a)
		case !a.St.Valid():
			t.Fatalf("accepted status %q", a.St)
		case a.EXP <= 0 || a.IAT > now.Add(skew).Unix() || a.IAT < now.Add(-federation.MaxRequestLifetime-skew).Unix():
			t.Fatalf("accepted iat %d exp %d at %d", a.IAT, a.EXP, now.Unix())
		case a.HN != "" && !mapping.IsMaskedName(a.HN), a.HID != "" && !mapping.IsMaskedID(a.HID):
			t.Fatalf("accepted an unmasked holder %q %q", a.HN, a.HID)
		}
		live := a.Live(now)
		if lapsed := a.EXP <= now.Unix(); lapsed && live.Status != mapping.Grey || !lapsed && live.Status != a.St || live.Expires.Unix() != a.EXP {
			t.Fatalf("live %+v from %+v", live, a)
		}
	})
}

func FuzzVerifyRequestToken(f *testing.F) {
	n := newNation(f, shR, zjR)
	now := testkit.Now
	good := signRequest(f, n.keys[shR], federation.Request{Iss: shR, Aud: zjR, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(),
		JTI: "j-1", Org: zjR, CID: "code-1"})
	f.Add(good)
	f.Add(good + ".")
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add(good[:strings.LastIndexByte(good, '.')+1])
	f.Fuzz(func(t *testing.T, token string) {
		r, err := federation.VerifyRequest(n.reg.Snapshot(), token, now, skew)
		if err == nil && (r == nil || r.Iss != shR) {
			t.Fatalf("accepted %+v", r)
		}
		if err != nil && r != nil {
			t.Fatalf("refusal %v came with %+v", err, r)
		}
	})
}
