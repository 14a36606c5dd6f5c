package bj_test

import (
	"fmt"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/bj"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/mapping"
)

const codeID = "bj-code-1"

// format is bj-v1 as the suite of JWS-based local formats tests it.
var format = adaptertest.JWSFormat{Spec: bj.Spec(), NewAdapter: bj.New, EncodeCode: provsim.EncodeBJ, KeyName: "bj",
	CodeID: codeID, Green: "未见异常", Yellow: "弹窗", Red: "红码", Payload: basePayload()}

func newWorld(t testing.TB) *adaptertest.JWS {
	t.Helper()
	return adaptertest.NewJWS(t, format)
}

// basePayload is the wire form of claims("未见异常"), written by hand so that
// cases can alter it byte for byte.
func basePayload() string {
	fullName, fullID := adaptertest.FullName, adaptertest.FullID
	tAt, expAt := adaptertest.StatusTime, adaptertest.Expires
	return fmt.Sprintf(`{"cid":%q,"zt":"未见异常","t":%d,"exp":%d,"name":%q,"idno":%q}`, codeID, tAt.Unix(), expAt.Unix(), fullName, fullID)
}

// decodeCases are the suite's codes of every JWS-based format and bj-v1's
// own, through the adapter with the golden registry.
func decodeCases(t testing.TB, w *adaptertest.JWS) map[string]adaptertest.DecodeCase {
	t.Helper()
	bjKey, gdKey, rogue := w.Key(t, "bj"), w.Key(t, "gd"), w.Key(t, "rogue")
	green := w.Encode(t, bjKey, w.Claims("未见异常"))
	payload := []byte(w.Payload)
	noBeijing := adaptertest.TrustEnv(t, w.G, adaptertest.GoldenTokens(t, w.G, "gd", "sh", "zj", "hub")...)
	// A Beijing key of the wrong algorithm, endorsed by the golden root.
	esKey, esEnv := w.EndorsedKey(t, jwa.ES256, "bj-es256")
	return w.DecodeCases(t, map[string]adaptertest.DecodeCase{
		"a 未见异常 code signed by Beijing's endorsed key is valid and green": {Code: green, Status: mapping.Green},
		"a 弹窗 code is yellow": {Code: w.Encode(t, bjKey, w.Claims("弹窗")), Status: mapping.Yellow},
		"a 红码 code is red":    {Code: w.Encode(t, bjKey, w.Claims("红码")), Status: mapping.Red},
		"a 未知 code is grey":   {Code: w.Encode(t, bjKey, w.Claims("未知")), Status: mapping.Grey},
		"an unknown status value is grey, never green": {
			Code: w.Encode(t, bjKey, w.Claims("绿码")), Status: mapping.Grey},
		"an ES256 key endorsed for Beijing cannot sign bj-v1, which is EdDSA": {
			Code: w.Raw(t, esKey, w.Header(esKey), payload), Env: &esEnv, Reason: fault.Malformed},
		"an ES256 signature under Beijing's kid claiming EdDSA is a bad signature": {
			Code: w.Raw(t, gdKey, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid(), "typ": bj.Typ}, payload), Reason: fault.BadSignature},
		"an ES256 key's own kid claiming EdDSA is a bad signature": {
			Code: w.Raw(t, gdKey, map[string]any{"alg": "EdDSA", "kid": gdKey.Kid(), "typ": bj.Typ}, payload), Reason: fault.BadSignature},
		"an Ed25519 signature whose header claims ES256 is a bad signature": {
			Code: w.Raw(t, bjKey, map[string]any{"alg": "ES256", "kid": bjKey.Kid(), "typ": bj.Typ}, payload), Reason: fault.BadSignature},
		"Beijing's kid over a stranger's signature is a bad signature, whatever jwk the header carries": {
			Code: w.Raw(t, rogue, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid(), "typ": bj.Typ,
				"jwk": rogue.Public().JWK, "jku": "http://127.0.0.1:1/jwks"}, payload), Reason: fault.BadSignature},
		"an unknown key when Beijing has no key at all is an unknown issuer": {
			Code: w.Raw(t, rogue, w.Header(rogue), payload), Env: &noBeijing, Reason: fault.UnknownIssuer},
		"Beijing's own key is an unknown issuer to a registry without Beijing": {
			Code: green, Env: &noBeijing, Reason: fault.UnknownIssuer},
		"Guangdong's key cannot sign Beijing's codes": {
			Code: w.Raw(t, gdKey, w.Header(gdKey), payload), Reason: fault.ScopeViolation},
	})
}

func TestDecode(t *testing.T) {
	w := newWorld(t)
	w.RunDecode(t, decodeCases(t, w), adaptertest.HolderIsTheFixture)
}

func TestDecodedCode(t *testing.T) { newWorld(t).RunDecodedCode(t) }

// claimCases are payloads signed by Beijing's endorsed key that the
// adapter must refuse as malformed: the suite's, and bj-v1's own.
func claimCases(t testing.TB, w *adaptertest.JWS) map[string]adaptertest.ClaimCase {
	t.Helper()
	r := func(old, new string) []byte { return w.Replace(t, old, new) }
	return w.ClaimCases(t, map[string]adaptertest.ClaimCase{
		"a status that is a number is malformed":              {Payload: r(`"zt":"未见异常"`, `"zt":1`), Claim: "zt"},
		"a code id with a space is malformed":                 {Payload: r(`"cid":"bj-code-1"`, `"cid":"bj code"`), Claim: "cid"},
		"a code id in Chinese is malformed":                   {Payload: r(`"cid":"bj-code-1"`, `"cid":"北京健康宝"`), Claim: "cid"},
		"a code id carrying the identity number is malformed": {Payload: r(`"cid":"bj-code-1"`, `"cid":"bj-`+adaptertest.FullID+`"`), Claim: "cid"},
	})
}

func TestMalformedClaims(t *testing.T) {
	w := newWorld(t)
	w.RunMalformedClaims(t, claimCases(t, w))
}

// designStatus is DESIGN §9's bj-v1 vocabulary, kept here independently of
// the table so that a table edit that changes a colour fails a test.
var designStatus = map[string]mapping.Status{"未见异常": mapping.Green, "弹窗": mapping.Yellow, "居家隔离": mapping.Yellow,
	"核酸异常": mapping.Yellow, "红码": mapping.Red, "未知": mapping.Grey}

func TestStatusMapping(t *testing.T) { newWorld(t).RunStatusMapping(t, designStatus, unknownStatuses) }

// unknownStatuses are values a province might send that the table does not
// know: near misses of the green value above all.
var unknownStatuses = []string{"", "未见异常 ", " 未见异常", "未见异常\u200b", "未見異常", "未见", "正常", "绿码", "green", "10", "弹", "红", adaptertest.FullName}

func TestHolderMasking(t *testing.T) { newWorld(t).RunHolderMasking(t) }

// TestNothingLeaks decodes every case of this file and checks that neither
// a returned Code nor any error holds the full name or identity number or a
// part masking removes.
func TestNothingLeaks(t *testing.T) {
	w := newWorld(t)
	w.RunNothingLeaks(t, decodeCases(t, w), claimCases(t, w), unknownStatuses)
}

func TestEncodeRefuses(t *testing.T) {
	w := newWorld(t)
	w.RunEncodeRefuses(t, map[string]adaptertest.EncodeCase{
		"an ES256 signer": {Signer: w.Key(t, "gd"), Claims: w.Claims(format.Green)},
	})
}

func TestNew(t *testing.T) {
	format.RunNew(t, map[string]adaptertest.NewCase{
		"a table for Guangdong's region refuses": {Old: `region: "110000"`, New: `region: "440000"`, WantErr: "region"},
	})
}

// TestRenamedFieldsAreRead shows the adapter reads the names its table
// gives, not the names of DESIGN §9.
func TestRenamedFieldsAreRead(t *testing.T) { newWorld(t).RunRenamedFieldsAreRead(t) }
