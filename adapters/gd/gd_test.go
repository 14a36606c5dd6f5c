package gd_test

import (
	"fmt"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/gd"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/mapping"
)

const codeID = "gd-code-1"

// format is gd-v1 as the suite of JWS-based local formats tests it.
var format = adaptertest.JWSFormat{Spec: gd.Spec(), NewAdapter: gd.New, EncodeCode: provsim.EncodeGD, KeyName: "gd",
	CodeID: codeID, Green: "10", Yellow: "20", Red: "30", Payload: basePayload()}

func newWorld(t testing.TB) *adaptertest.JWS {
	t.Helper()
	return adaptertest.NewJWS(t, format)
}

// basePayload is the wire form of claims("10"), written by hand so that
// cases can alter it byte for byte.
func basePayload() string {
	fullName, fullID := adaptertest.FullName, adaptertest.FullID
	sj, yxq := adaptertest.StatusTime, adaptertest.Expires
	return fmt.Sprintf(`{"xm":%q,"zjhm":%q,"mzt":"10","sj":%d,"yxq":%d,"id":%q}`, fullName, fullID, sj.Unix(), yxq.Unix(), codeID)
}

// decodeCases are the suite's codes of every JWS-based format and gd-v1's
// own, through the adapter with the golden registry.
func decodeCases(t testing.TB, w *adaptertest.JWS) map[string]adaptertest.DecodeCase {
	t.Helper()
	gdKey, bjKey, rogue := w.Key(t, "gd"), w.Key(t, "bj"), w.Key(t, "rogue")
	green := w.Encode(t, gdKey, w.Claims("10"))
	payload := []byte(w.Payload)
	noGuangdong := adaptertest.TrustEnv(t, w.G, adaptertest.GoldenTokens(t, w.G, "bj", "sh", "zj", "hub")...)
	// A Guangdong key of the wrong algorithm, endorsed by the golden root.
	edKey, edEnv := w.EndorsedKey(t, jwa.EdDSA, "gd-eddsa")
	return w.DecodeCases(t, map[string]adaptertest.DecodeCase{
		"a green code signed by Guangdong's endorsed key is valid and green": {Code: green, Status: mapping.Green},
		"a yellow code is yellow": {Code: w.Encode(t, gdKey, w.Claims("20")), Status: mapping.Yellow},
		"a red code is red":       {Code: w.Encode(t, gdKey, w.Claims("30")), Status: mapping.Red},
		"a grey code is grey":     {Code: w.Encode(t, gdKey, w.Claims("00")), Status: mapping.Grey},
		"an unknown status value is grey, never green": {
			Code: w.Encode(t, gdKey, w.Claims("99")), Status: mapping.Grey},
		"an EdDSA key endorsed for Guangdong cannot sign gd-v1, which is ES256": {
			Code: w.Raw(t, edKey, w.Header(edKey), payload), Env: &edEnv, Reason: fault.Malformed},
		"an ES256 signature whose header claims EdDSA is a bad signature": {
			Code: w.Raw(t, gdKey, map[string]any{"alg": "EdDSA", "kid": gdKey.Kid(), "typ": gd.Typ}, payload), Reason: fault.BadSignature},
		"an ES256 signature under Beijing's EdDSA kid is a bad signature": {
			Code: w.Raw(t, gdKey, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid(), "typ": gd.Typ}, payload), Reason: fault.BadSignature},
		"Guangdong's kid over a stranger's signature is a bad signature, whatever jwk the header carries": {
			Code: w.Raw(t, rogue, map[string]any{"alg": "ES256", "kid": gdKey.Kid(), "typ": gd.Typ,
				"jwk": rogue.Public().JWK, "jku": "http://127.0.0.1:1/jwks"}, payload), Reason: fault.BadSignature},
		"an unknown key when Guangdong has no key at all is an unknown issuer": {
			Code: w.Encode(t, rogue, w.Claims("10")), Env: &noGuangdong, Reason: fault.UnknownIssuer},
		"Guangdong's own key is an unknown issuer to a registry without Guangdong": {
			Code: green, Env: &noGuangdong, Reason: fault.UnknownIssuer},
		"Beijing's key cannot sign Guangdong's codes": {
			Code: w.Raw(t, bjKey, w.Header(bjKey), payload), Reason: fault.ScopeViolation},
	})
}

func TestDecode(t *testing.T) {
	w := newWorld(t)
	w.RunDecode(t, decodeCases(t, w), adaptertest.HolderIsTheFixture)
}

func TestDecodedCode(t *testing.T) { newWorld(t).RunDecodedCode(t) }

// claimCases are payloads signed by Guangdong's endorsed key that the
// adapter must refuse as malformed: the suite's, and gd-v1's own.
func claimCases(t testing.TB, w *adaptertest.JWS) map[string]adaptertest.ClaimCase {
	t.Helper()
	r := func(old, new string) []byte { return w.Replace(t, old, new) }
	return w.ClaimCases(t, map[string]adaptertest.ClaimCase{
		"a status that is a number is malformed":              {Payload: r(`"mzt":"10"`, `"mzt":10`), Claim: "mzt"},
		"a code id with a space is malformed":                 {Payload: r(`"id":"gd-code-1"`, `"id":"gd code"`), Claim: "id"},
		"a code id in Chinese is malformed":                   {Payload: r(`"id":"gd-code-1"`, `"id":"粤康码"`), Claim: "id"},
		"a code id carrying the identity number is malformed": {Payload: r(`"id":"gd-code-1"`, `"id":"gd-`+adaptertest.FullID+`"`), Claim: "id"},
	})
}

func TestMalformedClaims(t *testing.T) {
	w := newWorld(t)
	w.RunMalformedClaims(t, claimCases(t, w))
}

// designStatus is DESIGN §9's gd-v1 vocabulary, kept here independently of
// the table so that a table edit that changes a colour fails a test.
var designStatus = map[string]mapping.Status{"10": mapping.Green, "20": mapping.Yellow, "30": mapping.Red, "00": mapping.Grey}

func TestStatusMapping(t *testing.T) { newWorld(t).RunStatusMapping(t, designStatus, unknownStatuses) }

// unknownStatuses are values a province might send that the table does not
// know: near misses of the green value above all.
var unknownStatuses = []string{"", "99", "1", "010", "10 ", " 10", "green", "GREEN", "绿码", "１０", "10\x00", adaptertest.FullName}

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
		"an EdDSA signer": {Signer: w.Key(t, "bj"), Claims: w.Claims(format.Green)},
	})
}

func TestNew(t *testing.T) {
	format.RunNew(t, map[string]adaptertest.NewCase{
		"a table for Beijing's region refuses": {Old: `region: "440000"`, New: `region: "110000"`, WantErr: "region"},
	})
}

// TestRenamedFieldsAreRead shows the adapter reads the names its table
// gives, not the names of DESIGN §9.
func TestRenamedFieldsAreRead(t *testing.T) { newWorld(t).RunRenamedFieldsAreRead(t) }
