package httpapi_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// POST /v1/trust/revocations naming an anchor: 400, the message says how
// anchors are withdrawn, and nothing is stored or listed.
func TestRevocationOfAnchorIs400(t *testing.T) {
	f := newFixture(t)
	_, before := f.do(t, "GET", "/v1/trust/list", "", "")
	tok := f.root.Revoke(f.root.Kid())
	resp, b := f.do(t, "POST", "/v1/trust/revocations", adminToken, tok)
	if resp.StatusCode != 400 || errCode(t, b) != "bad_request" || !bytes.Contains(b, []byte("anchors are removed by configuration")) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	_, after := f.do(t, "GET", "/v1/trust/list", "", "")
	if !bytes.Equal(before, after) || bytes.Contains(after, []byte(tok)) {
		t.Fatalf("the trust list changed: %s", after)
	}
	if len(f.events.evs) != 0 {
		t.Fatalf("events %+v", f.events.evs)
	}
}

// POST /v1/trust/endorsements of the Ed25519 identity point: 400.
func TestEndorsementOfIdentityPointIs400(t *testing.T) {
	f := newFixture(t)
	nbf := testkit.Now.Add(-time.Hour)
	claims, _ := json.Marshal(map[string]any{
		"iss": mapping.NationalRegion, "sub": "330000",
		"jwk": json.RawMessage(`{"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`),
		"use": []string{"codes"}, "nbf": nbf.Unix(), "exp": nbf.Add(time.Hour * 48).Unix(), "iat": nbf.Unix(), "jti": "identity"})
	tok := testkit.SignRaw(t, f.root.TestKey, map[string]any{"alg": string(f.root.Alg()), "kid": f.root.Kid(), "typ": trust.TypEndorsement}, claims)
	resp, b := f.do(t, "POST", "/v1/trust/endorsements", adminToken, tok)
	if resp.StatusCode != 400 || errCode(t, b) != "bad_request" || !strings.Contains(string(b), "small order") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}
