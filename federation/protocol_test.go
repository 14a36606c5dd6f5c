package federation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

const skew = 30 * time.Second

// hostile builds a token whose header and payload the test chooses, signed
// (for real) by key.
func hostile(t *testing.T, key *testkit.TestKey, alg, typ string, payload []byte) string {
	t.Helper()
	return testkit.SignRaw(t, key, map[string]any{"alg": alg, "kid": key.Kid(), "typ": typ}, payload)
}

func sign(t *testing.T, key *testkit.TestKey, typ string, v any) string {
	t.Helper()
	tok, err := key.SignCompact(testkit.JSON(t, v), typ)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyRequest(t *testing.T) {
	n := newNation(t, hubR, shR, zjR)
	now := testkit.Now
	sh := n.keys[shR]
	esFed := n.endorse(shR, jwa.ES256, testkit.Spec{Use: []trust.Use{trust.UseFederation}, JTI: "es-fed"})
	noFed := n.endorse(shR, jwa.EdDSA, testkit.Spec{Use: []trust.Use{trust.UseCodes, trust.UseStatus}, JTI: "no-fed"})
	revoked := n.endorse(shR, jwa.EdDSA, testkit.Spec{JTI: "revoked"})
	n.revoke(revoked.Kid())
	stranger := testkit.Key(t, jwa.EdDSA)
	lapsed := testkit.Key(t, jwa.EdDSA)
	if _, _, err := n.reg.AddEndorsement(context.Background(), n.root.Endorse(lapsed, shR,
		testkit.Spec{NotBefore: now.Add(-10 * 24 * time.Hour), NotAfter: now.Add(-24 * time.Hour)})); err != nil {
		t.Fatal(err)
	}

	good := federation.Request{Iss: shR, Aud: zjR, IAT: now.Add(-time.Second).Unix(), EXP: now.Add(59 * time.Second).Unix(),
		JTI: "rq_Abc-123", Org: zjR, CID: "code-1", Scene: "entry"}
	with := func(m func(*federation.Request)) federation.Request { r := good; m(&r); return r }
	goodTok := sign(t, sh, federation.TypRequest, good)
	dot := strings.LastIndexByte(goodTok, '.')
	goodJSON := testkit.JSON(t, good)

	tests := map[string]struct {
		token string
		want  fault.Kind
	}{
		"a request signed by the requester's federation key is accepted": {goodTok, fault.None},
		"a request signed with an ES256 federation key is accepted": {
			sign(t, esFed, federation.TypRequest, good), fault.None},
		"a request issued inside the clock skew ahead is accepted": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) {
				r.IAT, r.EXP = now.Add(29*time.Second).Unix(), now.Add(60*time.Second).Unix()
			})), fault.None},
		"a request living exactly 60 s is accepted": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.EXP = r.IAT + 60 })), fault.None},
		"a cid using every allowed character is accepted": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.CID = "Az09_.:-" + strings.Repeat("x", 120) })), fault.None},

		"an unsigned request (empty signature part) is malformed": {goodTok[:dot+1], fault.Malformed},
		"a cid holding a resident identity number is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.CID = "tok-330102199001011234" })), fault.Malformed},
		"a cid holding an identity number with separators is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.CID = "330102-19900101-123X" })), fault.Malformed},
		"alg none is a bad signature": {
			hostile(t, sh, "none", federation.TypRequest, goodJSON), fault.BadSignature},
		"alg HS256 keyed with the public key is a bad signature": {
			testkit.HMACToken(t, map[string]any{"alg": "HS256", "kid": sh.Kid(), "typ": federation.TypRequest}, goodJSON, sh.JWK),
			fault.BadSignature},
		"a header naming ES256 for an EdDSA key is a bad signature": {
			hostile(t, sh, "ES256", federation.TypRequest, goodJSON), fault.BadSignature},
		"a payload changed after signing is a bad signature": {
			strings.Split(goodTok, ".")[0] + "." + testkit.B64(testkit.JSON(t, with(func(r *federation.Request) { r.CID = "code-2" }))) +
				goodTok[dot:], fault.BadSignature},
		"the answer's typ is malformed": {
			sign(t, sh, federation.TypAnswer, good), fault.Malformed},
		"a code's typ is malformed": {
			sign(t, sh, "nic+jwt", good), fault.Malformed},
		"a signer no anchor endorsed is an unknown key": {
			sign(t, stranger, federation.TypRequest, good), fault.UnknownKey},
		"a revoked signer is refused": {
			sign(t, revoked, federation.TypRequest, good), fault.RevokedKey},
		"a signer endorsed for codes and status but not federation is a scope violation": {
			sign(t, noFed, federation.TypRequest, good), fault.ScopeViolation},
		"a signer whose endorsement window has passed is not valid": {
			sign(t, lapsed, federation.TypRequest, good), fault.KeyNotValid},
		"iss another province than the key's is a scope violation": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.Iss = zjR })), fault.ScopeViolation},
		"iss the hub's, signed by a province's key, is a scope violation": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.Iss = hubR })), fault.ScopeViolation},
		"exp 61 s after iat is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.EXP = r.IAT + 61 })), fault.Malformed},
		"exp equal to iat is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.EXP = r.IAT })), fault.Malformed},
		"iat zero is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.IAT, r.EXP = 0, 30 })), fault.Malformed},
		"a request whose exp is now has expired": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) {
				r.IAT, r.EXP = now.Add(-30*time.Second).Unix(), now.Unix()
			})), fault.Expired},
		"a request that expired a minute ago has expired": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) {
				r.IAT, r.EXP = now.Add(-2*time.Minute).Unix(), now.Add(-time.Minute).Unix()
			})), fault.Expired},
		"a request issued beyond the clock skew ahead is not yet valid": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) {
				r.IAT, r.EXP = now.Add(31*time.Second).Unix(), now.Add(61*time.Second).Unix()
			})), fault.NotYetValid},
		"an empty jti is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.JTI = "" })), fault.Malformed},
		"a jti with a dot is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.JTI = "a.b" })), fault.Malformed},
		"a jti of 65 characters is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.JTI = strings.Repeat("j", 65) })), fault.Malformed},
		"a jti with a space is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.JTI = "a b" })), fault.Malformed},
		"a 65-character jti is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.JTI = strings.Repeat("j", 65) })), fault.Malformed},
		"an empty cid is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.CID = "" })), fault.Malformed},
		"a cid with a slash is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.CID = "../etc" })), fault.Malformed},
		"a cid with a newline is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.CID = "a\nb" })), fault.Malformed},
		"a 129-character cid is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.CID = strings.Repeat("c", 129) })), fault.Malformed},
		"an aud of five digits is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.Aud = "33000" })), fault.Malformed},
		"an aud of letters is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.Aud = "zjzjzj" })), fault.Malformed},
		"an empty org is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.Org = "" })), fault.Malformed},
		"an org of seven digits is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.Org = "3300000" })), fault.Malformed},
		"an iss that is not a region is malformed": {
			sign(t, sh, federation.TypRequest, with(func(r *federation.Request) { r.Iss = "sh" })), fault.Malformed},
		"a second JSON object after the claims is malformed": {
			hostile(t, sh, "EdDSA", federation.TypRequest, append(append([]byte{}, goodJSON...), "{}"...)), fault.Malformed},
		"garbage after the claims is malformed": {
			hostile(t, sh, "EdDSA", federation.TypRequest, append(append([]byte{}, goodJSON...), " x"...)), fault.Malformed},
		"claims that are not an object are malformed": {
			hostile(t, sh, "EdDSA", federation.TypRequest, []byte(`["310000"]`)), fault.Malformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := federation.VerifyRequest(n.reg.Snapshot(), tc.token, now, skew)
			if r := fault.ReasonOf(err); r != tc.want {
				t.Fatalf("reason %q, want %q (err %v)", r, tc.want, err)
			}
			if tc.want != fault.None {
				if got != nil {
					t.Fatalf("a refused request came back: %+v", got)
				}
				return
			}
			if got == nil || got.Iss != shR || got.Aud != zjR || got.Org != zjR || got.JTI != good.JTI {
				t.Fatalf("accepted request %+v", got)
			}
		})
	}
}

func TestVerifyAnswer(t *testing.T) {
	n := newNation(t, hubR, shR, zjR, gdR)
	now := testkit.Now
	zj := n.keys[zjR]
	noStatus := n.endorse(zjR, jwa.EdDSA, testkit.Spec{Use: []trust.Use{trust.UseCodes, trust.UseFederation}, JTI: "no-status"})
	gdForZJ := n.endorse(gdR, jwa.EdDSA, testkit.Spec{Scope: []string{gdR, zjR}, JTI: "gd-for-zj"})
	revoked := n.endorse(zjR, jwa.ES256, testkit.Spec{JTI: "revoked"})
	n.revoke(revoked.Kid())
	stranger := testkit.Key(t, jwa.EdDSA)

	want := federation.Expect{Org: zjR, Aud: shR, RJTI: "rq-1", CID: "code-1"}
	good := federation.Answer{Iss: zjR, Aud: shR, IAT: now.Add(-time.Second).Unix(), EXP: now.Add(59 * time.Second).Unix(),
		RJTI: "rq-1", CID: "code-1", St: mapping.Red, SA: now.Add(-time.Hour).Unix(), HN: maskedName, HID: maskedID}
	with := func(m func(*federation.Answer)) federation.Answer { a := good; m(&a); return a }
	ans := func(k *testkit.TestKey, a federation.Answer) string { return sign(t, k, federation.TypAnswer, a) }
	goodJSON := testkit.JSON(t, good)

	tests := map[string]struct {
		token  string
		want   fault.Kind
		lapsed bool // accepted, and grey as of now
	}{
		"an answer signed by the org's status key is accepted": {ans(zj, good), fault.None, false},
		"an answer without a holder is accepted": {
			ans(zj, with(func(a *federation.Answer) { a.HN, a.HID = "", "" })), fault.None, false},
		"an answer issued inside the clock skew ahead is accepted": {
			ans(zj, with(func(a *federation.Answer) { a.IAT = now.Add(29 * time.Second).Unix() })), fault.None, false},

		"an answer to another request (rjti) is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.RJTI = "rq-2" })), fault.Malformed, false},
		"an answer about another code (cid) is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.CID = "code-2" })), fault.Malformed, false},
		"an answer for another gateway (aud) is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.Aud = gdR })), fault.Malformed, false},
		"an answer from a region that was not asked is a scope violation": {
			ans(n.keys[gdR], with(func(a *federation.Answer) { a.Iss = gdR })), fault.ScopeViolation, false},
		"an answer signed by a key without the status use is a scope violation": {
			ans(noStatus, good), fault.ScopeViolation, false},
		"an answer claiming the org but signed by another province's key is a scope violation": {
			ans(n.keys[shR], good), fault.ScopeViolation, false},
		"an answer claiming the org, signed by a key whose scope covers it but of another region, is a scope violation": {
			ans(gdForZJ, good), fault.ScopeViolation, false},
		"an answer claiming the org but signed by the hub (scope *) is a scope violation": {
			ans(n.keys[hubR], good), fault.ScopeViolation, false},
		"an answer whose exp is now is accepted, and its status has lapsed: grey": {
			ans(zj, with(func(a *federation.Answer) { a.IAT, a.EXP = now.Add(-time.Minute).Unix(), now.Unix() })), fault.None, true},
		"an answer whose exp is before its iat (the platform's status ended before) is grey": {
			ans(zj, with(func(a *federation.Answer) { a.EXP = now.Add(-10 * time.Minute).Unix() })), fault.None, true},
		"an answer whose exp equals its iat is grey": {
			ans(zj, with(func(a *federation.Answer) { a.EXP = a.IAT })), fault.None, true},
		"an answer issued two hours ago is no answer to a request made now": {
			ans(zj, with(func(a *federation.Answer) { a.IAT, a.EXP = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix() })), fault.Expired, false},
		"an answer without exp is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.EXP = 0 })), fault.Malformed, false},
		"an answer issued beyond the clock skew ahead is not yet valid": {
			ans(zj, with(func(a *federation.Answer) {
				a.IAT, a.EXP = now.Add(31*time.Second).Unix(), now.Add(90*time.Second).Unix()
			})), fault.NotYetValid, false},
		"an answer without sa is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.SA = 0 })), fault.Malformed, false},
		"an answer carrying a full three-character name is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.HN = "张三丰" })), fault.Malformed, false},
		"an answer carrying a full two-character name is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.HN = "张三" })), fault.Malformed, false},
		"an answer carrying a full identity number is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.HID = "330102199001011234" })), fault.Malformed, false},
		"an answer with status blue is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.St = "blue" })), fault.Malformed, false},
		"an answer with status GREEN in capitals is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.St = "GREEN" })), fault.Malformed, false},
		"an answer without a status is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.St = "" })), fault.Malformed, false},
		"an answer signed by a revoked key is refused":                   {ans(revoked, good), fault.RevokedKey, false},
		"an answer signed by a key no anchor endorsed is an unknown key": {ans(stranger, good), fault.UnknownKey, false},
		"an answer typed as a request is malformed":                      {sign(t, zj, federation.TypRequest, good), fault.Malformed, false},
		"alg none is a bad signature":                                    {hostile(t, zj, "none", federation.TypAnswer, goodJSON), fault.BadSignature, false},
		"data after the claims is malformed": {
			hostile(t, zj, "EdDSA", federation.TypAnswer, append(append([]byte{}, goodJSON...), "{}"...)), fault.Malformed, false},
		"an answer with an itinerary is accepted": {
			ans(zj, with(func(a *federation.Answer) {
				a.IT = &mapping.Itinerary{Regions: []string{"420100"}, Star: true, Time: now.Add(-time.Hour).Unix()}
			})), fault.None, false},
		"an itinerary without its star is malformed": {
			hostile(t, zj, "EdDSA", federation.TypAnswer, []byte(strings.TrimSuffix(string(goodJSON), "}")+`,"it":{"r":[],"t":1700000000}}`)), fault.Malformed, false},
		"an itinerary with a region of five digits is malformed": {
			ans(zj, with(func(a *federation.Answer) { a.IT = &mapping.Itinerary{Regions: []string{"42010"}, Time: now.Unix()} })), fault.Malformed, false},
		"an itinerary whose star is given twice is malformed": {
			hostile(t, zj, "EdDSA", federation.TypAnswer, []byte(strings.TrimSuffix(string(goodJSON), "}")+`,"it":{"r":[],"star":false,"st\u0061r":true,"t":1700000000}}`)), fault.Malformed, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := federation.VerifyAnswer(n.reg.Snapshot(), tc.token, want, now, skew)
			if r := fault.ReasonOf(err); r != tc.want {
				t.Fatalf("reason %q, want %q (err %v)", r, tc.want, err)
			}
			if tc.want != fault.None {
				if got != nil {
					t.Fatalf("a refused answer came back: %+v", got)
				}
				return
			}
			live := got.Live(now)
			wantSt := mapping.Red
			if tc.lapsed {
				wantSt = mapping.Grey
			}
			if got.Key() == nil || got.Key().Kid != n.keys[zjR].Kid() {
				t.Fatalf("the answer does not name the key that signed it: %+v", got.Key())
			}
			if live.Status != wantSt || !live.Expires.Equal(time.Unix(got.EXP, 0)) || !live.At.Equal(time.Unix(good.SA, 0)) {
				t.Fatalf("live status %+v from %+v", live, got)
			}
		})
	}
}
