package adapters

import (
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// VerifyJWS checks a compact JWS of type typ against the trust snapshot and
// authorises its key to sign codes as iss for org at iat. issOf reads the
// claimed issuer region from the (not yet trusted) payload; it refines an
// unknown kid into unknown_issuer when the claimed region has no key at all.
func VerifyJWS(env Env, token, typ string, issOf func(payload []byte) string) (*trust.Key, []byte, error) {
	key, payload, err := env.Trust.VerifyCompact(token, typ)
	if err != nil {
		if fault.ReasonOf(err) == fault.UnknownKey && payload != nil && issOf != nil {
			if iss := issOf(payload); iss != "" && len(env.Trust.KeysOf(iss)) == 0 {
				return nil, nil, fault.Fail(fault.UnknownIssuer, "no key of region %s is endorsed", iss)
			}
		}
		return nil, nil, err
	}
	return key, payload, nil
}

// Authorize checks that key may sign codes as iss about org at iat.
func Authorize(env Env, key *trust.Key, iss, org string, iat time.Time) error {
	return key.Authorize(trust.UseCodes, iss, org, iat, env.Skew)
}

// PeekString reads one top-level string member of a JSON object without
// trusting it; "" when absent or not a region. It reads as strictly as the
// signed claims are read, so that it names the region they would.
func PeekString(payload []byte, name string) string {
	var m map[string]jsontext.Value
	if mapping.DecodeStrict(payload, &m, mapping.Strict{}) != nil {
		return ""
	}
	v := m[name]
	if len(v) == 0 || v[0] != '"' {
		return ""
	}
	s, err := jsontext.AppendUnquote(nil, v)
	if err != nil || !mapping.ValidRegion(string(s)) {
		return ""
	}
	return string(s)
}
