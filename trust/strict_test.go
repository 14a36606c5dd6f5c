package trust_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/trust"
)

// splice puts members (raw JSON, with a leading comma) at the end of the
// object obj.
func splice(obj []byte, members string) []byte {
	return []byte(strings.TrimSuffix(string(obj), "}") + members + "}")
}

// TestEndorsementCaseVariantGrantsNothing is the attack: a root-signed
// endorsement for status answers that also carries "USE" with every use
// and "SCOPE" ["*"]. encoding/json matched names without regard to case and
// kept the last, so the key came out with every use and scope *. It must
// be refused.
func TestEndorsementCaseVariantGrantsNothing(t *testing.T) {
	root := testkit.NewRoot(t)
	key := testkit.Key(t, jwa.ES256)
	claims := endorsementClaims(t, key, zj)
	claims["use"] = []string{"status"}
	payload := splice(testkit.JSON(t, claims), `,"USE":["codes","status","federation"],"SCOPE":["*"]`)
	token := testkit.SignRaw(t, root.TestKey, header(root, trust.TypEndorsement), payload)

	e, err := root.Anchors().ParseEndorsement(token)
	if err == nil {
		t.Fatalf("accepted: use %v, scope %v", e.Use, e.Scope)
	}
	wantDetail(t, err, `claim "USE": unknown claim`)
}

// TestTrustArtefactsAreReadStrictly holds endorsements and revocations to
// each rule of the strict reader, with payloads made here and signed by the
// anchor: the signature is good, the JSON is what is refused.
func TestTrustArtefactsAreReadStrictly(t *testing.T) {
	root := testkit.NewRoot(t)
	key := testkit.Key(t, jwa.ES256)
	anchors := root.Anchors()
	endorsement := testkit.JSON(t, endorsementClaims(t, key, zj))
	revocation := testkit.JSON(t, revocationClaims(key.Kid()))
	jwk := string(testkit.JSON(t, key.Public().JWK))
	dupJWK := strings.Replace(jwk, `"kty":`, `"kty":"EC","kt\u0079":`, 1)

	type artefact int
	const (
		endorse artefact = iota
		revoke
	)
	tests := map[string]struct {
		kind    artefact
		payload []byte
		want    string
	}{
		// Case variants.
		"an endorsement with USE beside use":      {endorse, splice(endorsement, `,"USE":["federation"]`), `claim "USE": unknown claim`},
		"an endorsement with Scope beside scope":  {endorse, splice(endorsement, `,"Scope":["*"]`), `claim "Scope": unknown claim`},
		"an endorsement whose use is spelled Use": {endorse, []byte(strings.Replace(string(endorsement), `"use":`, `"Use":`, 1)), `claim "Use": unknown claim`},
		"an endorsement with SUB beside sub":      {endorse, splice(endorsement, `,"SUB":"310000"`), `claim "SUB": unknown claim`},
		"a revocation with KID beside kid":        {revoke, splice(revocation, `,"KID":"another-kid"`), `claim "KID": unknown claim`},
		"a revocation with Revoked_At":            {revoke, splice(revocation, `,"Revoked_At":1`), `claim "Revoked_At": unknown claim`},
		"a revocation whose kid is spelled Kid":   {revoke, []byte(strings.Replace(string(revocation), `"kid":`, `"Kid":`, 1)), `claim "Kid": unknown claim`},

		// Duplicates, also through escapes.
		"an endorsement with use twice":                  {endorse, splice(endorsement, `,"use":["codes","status","federation"]`), `claim "use": duplicate`},
		"an endorsement with use again as u\\u0073e":     {endorse, splice(endorsement, `,"u\u0073e":["codes","status","federation"]`), `claim "use": duplicate`},
		"an endorsement with scope again as \\u0073cope": {endorse, splice(endorsement, `,"\u0073cope":["*"]`), `claim "scope": duplicate`},
		"an endorsement whose jwk has kty twice":         {endorse, []byte(strings.Replace(string(endorsement), jwk, dupJWK, 1)), `claim "jwk.kty": duplicate`},
		"a revocation with kid twice":                    {revoke, splice(revocation, `,"kid":"another-kid"`), `claim "kid": duplicate`},
		"a revocation with kid again as k\\u0069d":       {revoke, splice(revocation, `,"k\u0069d":"another-kid"`), `claim "kid": duplicate`},
		"a revocation with reason twice":                 {revoke, splice(revocation, `,"reason":"superseded"`), `claim "reason": duplicate`},

		// Unknown members: DESIGN §5 names them all.
		"an endorsement with an aud":       {endorse, splice(endorsement, `,"aud":"330000"`), `claim "aud": unknown claim`},
		"an endorsement with a nested ext": {endorse, splice(endorsement, `,"ext":{"use":["federation"]}`), `claim "ext": unknown claim`},
		"a revocation with a scope":        {revoke, splice(revocation, `,"scope":["*"]`), `claim "scope": unknown claim`},
		"a revocation with an until":       {revoke, splice(revocation, `,"until":1`), `claim "until": unknown claim`},

		// Invalid UTF-8.
		"an endorsement with invalid UTF-8 in jti":      {endorse, []byte(strings.Replace(string(endorsement), `"e-hand-1"`, "\"e-\xff\"", 1)), "claims: invalid UTF-8"},
		"an endorsement with invalid UTF-8 in a name":   {endorse, splice(endorsement, ",\"\xc0\xaf\":1"), "claims: invalid UTF-8"},
		"a revocation with invalid UTF-8 in its reason": {revoke, []byte(strings.Replace(string(revocation), `"key compromise"`, "\"key \xed\xa0\x80\"", 1)), "claims: invalid UTF-8"},
		"a revocation with a lone surrogate":            {revoke, []byte(strings.Replace(string(revocation), `"key compromise"`, `"key \udc00"`, 1)), `claim "reason": invalid JSON`},

		// null is not an absent member.
		"an endorsement with use null":    {endorse, []byte(strings.Replace(string(endorsement), `"use":["codes"]`, `"use":null`, 1)), `claim "use": must be an array, not null`},
		"a revocation with a null reason": {revoke, []byte(strings.Replace(string(revocation), `"key compromise"`, `null`, 1)), `claim "reason": must be a string, not null`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var err error
			switch tc.kind {
			case endorse:
				var e *trust.Endorsement
				e, err = anchors.ParseEndorsement(testkit.SignRaw(t, root.TestKey, header(root, trust.TypEndorsement), tc.payload))
				if err == nil {
					t.Fatalf("accepted %s: use %v, scope %v", tc.payload, e.Use, e.Scope)
				}
			case revoke:
				var r *trust.Revocation
				r, err = anchors.ParseRevocation(testkit.SignRaw(t, root.TestKey, header(root, trust.TypRevocation), tc.payload))
				if err == nil {
					t.Fatalf("accepted %s: kid %s", tc.payload, r.Kid)
				}
			}
			wantDetail(t, err, tc.want)
		})
	}
	// The payloads above differ from good ones only where named.
	if _, err := anchors.ParseEndorsement(testkit.SignRaw(t, root.TestKey, header(root, trust.TypEndorsement), endorsement)); err != nil {
		t.Fatalf("the good endorsement: %v", err)
	}
	if _, err := anchors.ParseRevocation(testkit.SignRaw(t, root.TestKey, header(root, trust.TypRevocation), revocation)); err != nil {
		t.Fatalf("the good revocation: %v", err)
	}
}

// TestProtectedHeaderIsReadStrictly: the header's member set is open (JOSE
// registers more than hcgw reads), but a case variant of a member read, a
// duplicate, invalid UTF-8 and null are refused.
func TestProtectedHeaderIsReadStrictly(t *testing.T) {
	payload := testkit.B64([]byte(`{}`))
	tests := map[string]struct {
		header string
		want   string // "" to accept
	}{
		"a plain header":                {`{"alg":"ES256","kid":"k1","typ":"nic+jwt"}`, ""},
		"an unknown member is ignored":  {`{"alg":"ES256","kid":"k1","typ":"nic+jwt","x5t":"abc"}`, ""},
		"ALG beside alg":                {`{"alg":"ES256","kid":"k1","typ":"nic+jwt","ALG":"none"}`, `JWS header "alg": another member differs from it only in case`},
		"Kid instead of kid":            {`{"alg":"ES256","Kid":"k1","typ":"nic+jwt"}`, `JWS header "kid": another member differs`},
		"CRIT beside no crit":           {`{"alg":"ES256","kid":"k1","typ":"nic+jwt","CRIT":["exp"]}`, `JWS header "crit": another member differs`},
		"B64 false":                     {`{"alg":"ES256","kid":"k1","typ":"nic+jwt","B64":false}`, `JWS header "b64": another member differs`},
		"kid twice":                     {`{"alg":"ES256","kid":"k1","typ":"nic+jwt","kid":"k2"}`, `JWS header "kid": duplicate`},
		"kid again as k\\u0069d":        {`{"alg":"ES256","kid":"k1","typ":"nic+jwt","k\u0069d":"k2"}`, `JWS header "kid": duplicate`},
		"alg again as \\u0061lg":        {`{"alg":"ES256","\u0061lg":"none","kid":"k1","typ":"nic+jwt"}`, `JWS header "alg": duplicate`},
		"an unknown member twice":       {`{"alg":"ES256","kid":"k1","typ":"nic+jwt","x":1,"x":2}`, `JWS header "x": duplicate`},
		"invalid UTF-8 in kid":          {"{\"alg\":\"ES256\",\"kid\":\"k\xff\",\"typ\":\"nic+jwt\"}", "JWS header: invalid UTF-8"},
		"invalid UTF-8 in another name": {"{\"alg\":\"ES256\",\"kid\":\"k1\",\"typ\":\"nic+jwt\",\"\xfe\":1}", "JWS header: invalid UTF-8"},
		"a null alg":                    {`{"alg":null,"kid":"k1","typ":"nic+jwt"}`, `JWS header "alg": must be a string, not null`},
		"a numeric kid":                 {`{"alg":"ES256","kid":7,"typ":"nic+jwt"}`, `JWS header "kid": must be a string, not a number`},
		"an array header":               {`[{"alg":"ES256"}]`, "JWS header: must be a JSON object, not an array"},
		"data after the header":         {`{"alg":"ES256","kid":"k1","typ":"nic+jwt"} {}`, "JWS header: trailing data"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h, _, err := trust.SplitCompact(testkit.B64([]byte(tc.header)) + "." + payload + ".AAAA")
			if tc.want == "" {
				if err != nil || h.Alg != "ES256" || h.Kid != "k1" || h.Typ != "nic+jwt" {
					t.Fatalf("SplitCompact = %+v, %v; want ES256 k1 nic+jwt", h, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted header %s as %+v", tc.header, h)
			}
			wantDetail(t, err, tc.want)
		})
	}
}

// wantDetail fails unless err is a malformed *fault.Error whose detail
// holds want.
func wantDetail(t testing.TB, err error, want string) {
	t.Helper()
	wantReason(t, err, fault.Malformed)
	var p *fault.Error
	if errors.As(err, &p) && !strings.Contains(p.Message, want) {
		t.Errorf("detail %q, want it to contain %q", p.Message, want)
	}
}
