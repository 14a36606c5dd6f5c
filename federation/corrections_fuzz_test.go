package federation_test

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// As FuzzVerifyRequestClaims: the fuzzer's claims are signed with an
// endorsed key, so the checks behind the signature are what is fuzzed.

func FuzzVerifyCorrectionClaims(f *testing.F) {
	n := newNation(f, shR, gdR)
	now := testkit.Now
	f.Add(testkit.JSON(f, goodCorrection(now, "j-1")))
	f.Add([]byte(`{"iss":"310000","aud":"440000","iat":1795420800,"exp":1795420830,"jti":"a","ticket":"t","cid":"c","claim":"other","detail":"张三"}`))
	f.Add([]byte(`{"iss":"310000","aud":"440000","iat":1795420800,"exp":1795420830,"jti":"a","ticket":"t","cid":"c","claim":"other","claim":"x"}`))
	f.Add([]byte(`{"iss":"310000","aud":"440000","iat":1795420800,"exp":1795420830,"jti":"a","ticket":"t","cid":"11010519491231002X","claim":"other"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		tok, err := n.keys[shR].SignCompact(payload, federation.TypCorrection)
		if err != nil {
			t.Skip()
		}
		m, err := federation.VerifyCorrection(n.reg.Snapshot(), tok, now, skew)
		if err != nil {
			if m != nil || fault.ReasonOf(err) == fault.None {
				t.Fatalf("refusal %v came with %+v", err, m)
			}
			return
		}
		switch {
		case m.Iss != shR || !mapping.ValidRegion(m.Aud):
			t.Fatalf("accepted iss %q aud %q", m.Iss, m.Aud)
		case !federation.ValidClaim(m.Claim):
			t.Fatalf("accepted claim %q", m.Claim)
		case utf8.RuneCountInString(m.Detail) > 500 || mapping.FreeTextProblem(m.Detail) != "":
			t.Fatalf("accepted detail %q", m.Detail)
		case mapping.HoldsIdentityNumber(m.CID) || !federation.ValidTicket(m.Ticket):
			t.Fatalf("accepted cid %q ticket %q", m.CID, m.Ticket)
		case m.EXP <= m.IAT || m.EXP-m.IAT > 60:
			t.Fatalf("accepted iat %d exp %d", m.IAT, m.EXP)
		}
	})
}

func FuzzVerifyCorrectionQueryClaims(f *testing.F) {
	n := newNation(f, shR, gdR)
	now := testkit.Now
	f.Add(testkit.JSON(f, federation.CorrectionQuery{Iss: shR, Aud: gdR, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(), JTI: "q", Ticket: ticket}))
	f.Add([]byte(`{"iss":"310000","aud":"440000","iat":1795420800,"exp":1795420830,"jti":"a","ticket":"a b"}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		tok, err := n.keys[shR].SignCompact(payload, federation.TypCorrectionQuery)
		if err != nil {
			t.Skip()
		}
		q, err := federation.VerifyCorrectionQuery(n.reg.Snapshot(), tok, now, skew)
		if err != nil {
			if q != nil {
				t.Fatalf("refusal %v came with %+v", err, q)
			}
			return
		}
		if q.Iss != shR || !federation.ValidTicket(q.Ticket) || q.EXP <= q.IAT {
			t.Fatalf("accepted %+v", q)
		}
	})
}

func FuzzVerifyAckClaims(f *testing.F) {
	n := newNation(f, shR, gdR)
	now := testkit.Now
	want := federation.AckExpect{Org: gdR, Aud: shR, RJTI: "j1", Ticket: ticket}
	f.Add(testkit.JSON(f, federation.CorrectionAck{Iss: gdR, Aud: shR, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(), RJTI: "j1",
		Ticket: ticket, State: federation.StateCorrected, St: mapping.Green, RAT: now.Unix(), Note: "已更正"}))
	f.Add([]byte(`{"iss":"440000","aud":"310000","iat":1795420800,"exp":1795420860,"rjti":"j1","ticket":"` + ticket + `","state":"open","st":"green"}`))
	f.Add([]byte(`{"iss":"440000","aud":"310000","iat":1795420800,"exp":1795420860,"rjti":"j1","ticket":"` + ticket + `","state":"open","note":null}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		tok, err := n.keys[gdR].SignCompact(payload, federation.TypCorrectionAck)
		if err != nil {
			t.Skip()
		}
		a, err := federation.VerifyAck(n.reg.Snapshot(), tok, want, now, skew)
		if err != nil {
			if a != nil {
				t.Fatalf("refusal %v came with %+v", err, a)
			}
			return
		}
		switch {
		case a.Iss != gdR || a.Aud != shR || a.RJTI != "j1" || a.Ticket != ticket:
			t.Fatalf("accepted %+v", a)
		case a.State != federation.StateOpen && a.State != federation.StateCorrected && a.State != federation.StateRejected:
			t.Fatalf("accepted state %q", a.State)
		case a.St != "" && (a.State != federation.StateCorrected || !a.St.Valid()):
			t.Fatalf("accepted st %q with %q", a.St, a.State)
		case mapping.FreeTextProblem(a.Note) != "":
			t.Fatalf("accepted note %q", a.Note)
		}
	})
}
