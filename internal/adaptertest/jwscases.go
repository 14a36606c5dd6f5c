package adaptertest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters/localjws"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// The cases below hold for every localjws format: they are the rules of
// the shared decoder, written against the format's own prefix, algorithm
// and claim names. A package adds the cases of its own: its status values,
// its algorithm's confusions, its neighbours.

// merge adds own to shared, refusing a name given twice.
func merge[C any](t testing.TB, shared, own map[string]C) map[string]C {
	t.Helper()
	for name, c := range own {
		if _, dup := shared[name]; dup {
			t.Fatalf("case %q is the suite's already", name)
		}
		shared[name] = c
	}
	return shared
}

// DecodeCases are the decoding cases of every localjws format, with own.
func (w *JWS) DecodeCases(t testing.TB, own map[string]DecodeCase) map[string]DecodeCase {
	t.Helper()
	k, rogue, revoked := w.Signer(t), w.Key(t, "rogue"), w.Key(t, "gd-revoked")
	p, typ, alg := w.Spec.Prefix, w.Spec.Typ, w.Spec.Alg
	green := w.Encode(t, k, w.Claims(w.Green))
	red := w.Encode(t, k, w.Claims(w.Red))
	parts, greenParts := w.Parts(red), w.Parts(green)
	payload := []byte(w.Payload)
	pub := testkit.JSON(t, k.Public().JWK)
	status := fmt.Sprintf("%q:%q", w.Spec.Wire.Status, w.Green)
	none := p + testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": k.Kid(), "typ": typ})) + "." + testkit.B64(payload)
	return merge(t, map[string]DecodeCase{
		"claims the adapter does not read are ignored": {
			Code:   w.Signed(t, k, w.Replace(t, status, status+`,"ext":{"hs":[1,2,{"x":null}]},"v":2`)),
			Status: mapping.Green},
		"a code valid for exactly seven days is accepted": {
			Code:   w.Encode(t, k, With(w.Claims(w.Green), func(c *localjws.Claims) { c.Expires = c.StatusTime + 7*24*3600 })),
			Status: mapping.Green},
		"typ is compared without regard to case": {
			Code:   w.Raw(t, k, map[string]any{"alg": alg, "kid": k.Kid(), "typ": strings.ToLower(typ)}, payload),
			Status: mapping.Green},

		"a national code is not this format": {
			Code: "NIC1:" + strings.TrimPrefix(green, p), Reason: fault.UnrecognizedFormat},
		"a lower-case prefix is not this format": {
			Code: strings.ToLower(p) + strings.TrimPrefix(green, p), Reason: fault.UnrecognizedFormat},
		"a bare prefix is malformed": {Code: p, Reason: fault.Malformed},
		"two parts are malformed":    {Code: p + parts[0] + "." + parts[1], Reason: fault.Malformed},
		"a payload that is not base64url is malformed": {
			Code: p + parts[0] + ".eyJ4bSI6I+/." + parts[2], Reason: fault.Malformed},
		"typ nic+jwt is malformed": {
			Code: w.Raw(t, k, map[string]any{"alg": alg, "kid": k.Kid(), "typ": "nic+jwt"}, payload), Reason: fault.Malformed},
		"a missing typ is malformed": {
			Code: w.Raw(t, k, map[string]any{"alg": alg, "kid": k.Kid()}, payload), Reason: fault.Malformed},
		"typ JOSE is malformed": {
			Code: w.Raw(t, k, map[string]any{"alg": alg, "kid": k.Kid(), "typ": "JOSE"}, payload), Reason: fault.Malformed},
		"a missing kid is malformed": {
			Code: w.Raw(t, k, map[string]any{"alg": alg, "typ": typ}, payload), Reason: fault.Malformed},
		"a critical header is malformed": {
			Code:   w.Raw(t, k, map[string]any{"alg": alg, "kid": k.Kid(), "typ": typ, "crit": []string{"exp"}, "exp": 1}, payload),
			Reason: fault.Malformed},

		"an altered signature is a bad signature": {
			Code: p + parts[0] + "." + parts[1] + "." + FlipAt(parts[2], 10), Reason: fault.BadSignature},
		"a red code's payload turned green is a bad signature": {
			Code: p + parts[0] + "." + greenParts[1] + "." + parts[2], Reason: fault.BadSignature},
		"alg none is a bad signature":                                {Code: none + ".AAAA", Reason: fault.BadSignature},
		"alg none with an empty signature is not even a compact JWS": {Code: none + ".", Reason: fault.Malformed},
		"HS256 keyed with the public key (algorithm confusion) is a bad signature": {
			Code:   p + testkit.HMACToken(t, map[string]any{"alg": "HS256", "kid": k.Kid(), "typ": typ}, payload, pub),
			Reason: fault.BadSignature},

		"a key endorsed only by another root is unknown": {Code: w.Raw(t, rogue, w.Header(rogue), payload), Reason: fault.UnknownKey},
		"a revoked key verifies nothing":                 {Code: w.Raw(t, revoked, w.Header(revoked), payload), Reason: fault.RevokedKey},
		"a status time before the key's endorsement window is key_not_valid": {
			Code: w.Encode(t, k, With(w.Claims(w.Green), func(c *localjws.Claims) {
				c.StatusTime = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC).Unix()
				c.Expires = c.StatusTime + 3600
			})), Reason: fault.KeyNotValid},
	}, own)
}

// ClaimCases are the payloads every localjws format must refuse as
// malformed, written with the format's claim names, with own.
func (w *JWS) ClaimCases(t testing.TB, own map[string]ClaimCase) map[string]ClaimCase {
	t.Helper()
	wire := w.Spec.Wire
	nm, idc, stc, at, exp, cid := wire.Name, wire.ID, wire.Status, wire.StatusTime, wire.Expires, wire.CodeID
	// m is a claim's JSON member with a raw JSON value; r replaces members
	// of Payload in turn (old, new, old, new …).
	m := func(claim, raw string) string { return fmt.Sprintf("%q:%s", claim, raw) }
	r := func(oldNew ...string) []byte {
		p := w.Payload
		for i := 0; i < len(oldNew); i += 2 {
			p = string(Replace(t, p, oldNew[i], oldNew[i+1]))
		}
		return []byte(p)
	}
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	name, id, green, codeID := q(FullName), q(FullID), q(w.Green), q(w.CodeID)
	atS, expS := fmt.Sprint(StatusTime.Unix()), fmt.Sprint(Expires.Unix())
	c := func(p []byte, claim string) ClaimCase { return ClaimCase{Payload: p, Claim: claim} }
	cases := map[string]ClaimCase{
		"a name that is a number is malformed":                     c(r(m(nm, name), m(nm, "123")), nm),
		"a name that is null is malformed":                         c(r(m(nm, name), m(nm, "null")), nm),
		"an identity number written as a JSON number is malformed": c(r(m(idc, id), m(idc, FullID)), idc),
		"a status that is an array is malformed":                   c(r(m(stc, green), m(stc, "["+green+"]")), stc),
		"a status time that is a string is malformed":              c(r(m(at, atS), m(at, `"`+atS+`"`)), at),
		"a status time with a fraction is malformed":               c(r(m(at, atS), m(at, atS+".0")), at),
		"a status time in exponent form is malformed":              c(r(m(at, atS), m(at, "1.7955e9")), at),
		"a status time of zero is malformed":                       c(r(m(at, atS), m(at, "0")), at),
		"a negative status time is malformed":                      c(r(m(at, atS), m(at, "-1")), at),
		"a status time after the year 9999 is malformed":           c(r(m(at, atS), m(at, "253402300800")), at),
		"a status time and expiry both after the year 9999 are malformed": c(
			r(m(at, atS), m(at, "253402300800"), m(exp, expS), m(exp, "253402304400")), at),
		"a negative status time and expiry are malformed": c(r(m(at, atS), m(at, "-7200"), m(exp, expS), m(exp, "-3600")), at),
		"an expiry after the year 9999 is malformed":      c(r(m(exp, expS), m(exp, "253402300800")), exp),
		"an expiry that is a boolean is malformed":        c(r(m(exp, expS), m(exp, "true")), exp),
		"an expiry beyond int64 is malformed":             c(r(m(exp, expS), m(exp, "9223372036854775808")), exp),
		"an expiry equal to the status time is malformed": c(r(m(exp, expS), m(exp, atS)), exp),
		"an expiry before the status time is malformed":   c(r(m(exp, expS), m(exp, fmt.Sprint(StatusTime.Unix()-1))), exp),
		"an expiry more than seven days after the status time is malformed": c(
			r(m(exp, expS), m(exp, fmt.Sprint(StatusTime.Unix()+7*24*3600+1))), exp),
		"a code id that is a number is malformed":                 c(r(m(cid, codeID), m(cid, "1")), cid),
		"an empty code id is malformed":                           c(r(m(cid, codeID), m(cid, `""`)), cid),
		"a code id of 65 characters is malformed":                 c(r(m(cid, codeID), m(cid, q(strings.Repeat("a", 65)))), cid),
		"the identity number as the code id is malformed":         c(r(m(cid, codeID), m(cid, id)), cid),
		"the holder's full name as the code id is malformed":      c(r(m(cid, codeID), m(cid, name)), cid),
		"an empty name is malformed":                              c(r(m(nm, name), m(nm, `""`)), nm),
		"a name of white space is malformed":                      c(r(m(nm, name), m(nm, `"\u3000 "`)), nm),
		"a name with a newline is malformed":                      c(r(m(nm, name), m(nm, `"张三\n丰"`)), nm),
		"a name with a bidi override is malformed":                c(r(m(nm, name), m(nm, `"张\u202e三丰"`)), nm),
		"a name of 65 characters is malformed":                    c(r(m(nm, name), m(nm, q(strings.Repeat("张", 65)))), nm),
		"a name with a lone surrogate is malformed":               c(r(m(nm, name), m(nm, `"张\ud800丰"`)), nm),
		"an identity number of four characters is malformed":      c(r(m(idc, id), m(idc, `"1234"`)), idc),
		"an identity number with lower-case letters is malformed": c(r(m(idc, id), m(idc, `"33010219900101abcd"`)), idc),
		"an identity number in Chinese is malformed":              c(r(m(idc, id), m(idc, `"三三零一"`)), idc),
		"a name given twice is malformed":                         c(r(m(nm, name), m(nm, `"李四"`)+","+m(nm, name)), nm),
		"a status given twice is malformed":                       c(r(m(stc, green), m(stc, q(w.Red))+","+m(stc, green)), stc),
		"an unknown member given twice is malformed":              c(r(m(stc, green), m(stc, green)+`,"ext":1,"ext":2`), ""),
		// The strict reader (mapping.DecodeStrict): a second status a
		// lenient reader would take is refused, whatever its spelling.
		"a status beside a case variant of it is malformed":          c(r(m(stc, green), m(stc, green)+","+m(strings.ToUpper(stc), q(w.Red))), stc),
		"a status only in another case is malformed":                 c(r(m(stc, green), m(strings.ToUpper(stc), green)), stc),
		"a status given again through an escape is malformed":        c(r(m(stc, green), m(stc, green)+","+escFirst(stc)+":"+q(w.Red)), stc),
		"a name given again through an escape is malformed":          c(r(m(nm, name), m(nm, name)+","+escFirst(nm)+":"+q("李四")), nm),
		"invalid UTF-8 in a member name is malformed":                c(r(m(stc, green), m(stc, green)+",\"\xff\":1"), ""),
		"invalid UTF-8 in a member the adapter ignores is malformed": c(r(m(stc, green), m(stc, green)+`,"ext":["`+"\xed\xa0\x80"+`"]`), ""),
		"a lone surrogate in the code id is malformed":               c(r(m(cid, codeID), m(cid, `"a\udc00"`)), cid),
		"a payload that is an array is malformed":                    c([]byte(`[`+w.Payload+`]`), ""),
		"a payload that is a string is malformed":                    c([]byte(`"`+FullName+`"`), ""),
		"an empty payload is malformed":                              c([]byte{}, ""),
		"trailing data after the object is malformed":                c([]byte(w.Payload+` {}`), ""),
		"an unclosed object is malformed":                            c([]byte(strings.TrimSuffix(w.Payload, "}")), ""),
		"invalid JSON is malformed":                                  c(r(m(stc, green), m(stc, green)+",,"), ""),
		"invalid UTF-8 is malformed":                                 c(r(m(nm, name), m(nm, "\"\xff\xfe\"")), ""),
		"a payload over 4 KiB is malformed":                          c(r(m(stc, green), m(stc, green)+`,"pad":"`+strings.Repeat("x", 4096)+`"`), ""),
	}
	for _, claim := range []string{nm, idc, stc, at, exp, cid} {
		var o map[string]json.RawMessage
		if err := json.Unmarshal([]byte(w.Payload), &o); err != nil {
			t.Fatal(err)
		}
		delete(o, claim)
		cases[fmt.Sprintf("a code without claim %s is malformed", claim)] = c(testkit.JSON(t, o), claim)
	}
	return merge(t, cases, own)
}

// escFirst is claim's name as a JSON string with its first character
// written as a \u escape: the same name to a JSON reader.
func escFirst(claim string) string { return fmt.Sprintf(`"\u%04x%s"`, claim[0], claim[1:]) }

// Vectors are a localjws format's golden cases, in the order of the file:
// the package's status cases, the suite's signature and key cases, the
// package's key cases (another region's key, its algorithm's confusions),
// then the suite's clock and syntax cases.
func (w *JWS) Vectors(t testing.TB, statuses, keys []Vector) []Vector {
	t.Helper()
	k, rogue, revoked := w.Signer(t), w.Key(t, "rogue"), w.Key(t, "gd-revoked")
	p, T := w.Spec.Prefix, testkit.GoldenTime
	parts := w.Parts(w.Encode(t, k, w.Claims(w.Red)))
	payload := []byte(w.Payload)
	greenPayload := testkit.B64(payload)
	none := testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": k.Kid(), "typ": w.Spec.Typ}))
	out := append([]Vector(nil), statuses...)
	out = append(out,
		Valid("issued_30s_ahead_within_skew", w.At(t, w.Green, T.Add(30*time.Second), T.Add(time.Hour)), mapping.Green),
		Refused("tampered_signature", p+parts[0]+"."+parts[1]+"."+FlipAt(parts[2], 20), fault.BadSignature),
		Refused("tampered_payload", p+parts[0]+"."+greenPayload+"."+parts[2], fault.BadSignature),
		Refused("alg_none", p+none+"."+greenPayload+".AAAA", fault.BadSignature),
		Refused("wrong_key", w.Raw(t, rogue, w.Header(rogue), payload), fault.UnknownKey),
		Refused("revoked_key", w.Raw(t, revoked, w.Header(revoked), payload), fault.RevokedKey),
	)
	out = append(out, keys...)
	return append(out,
		Refused("before_key_endorsement", w.At(t, w.Green, time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 1, 0, 0, 0, time.UTC)), fault.KeyNotValid),
		Refused("expired", w.At(t, w.Green, T.Add(-2*time.Hour), T.Add(-time.Hour)), fault.Expired),
		Refused("expires_at_validation_time", w.At(t, w.Green, T.Add(-time.Hour), T), fault.Expired),
		Refused("not_yet_valid", w.At(t, w.Green, T.Add(10*time.Minute), T.Add(70*time.Minute)), fault.NotYetValid),
		Refused("malformed_base64", p+parts[0]+".eyJ4bSI6I+/=."+parts[2], fault.Malformed),
		Refused("malformed_missing_claim", w.Signed(t, k, w.Replace(t, fmt.Sprintf("%q:%q,", w.Spec.Wire.Status, w.Green), "")), fault.Malformed),
		Refused("malformed_wrong_typ", w.Raw(t, k, map[string]any{"alg": w.Spec.Alg, "kid": k.Kid(), "typ": "nic+jwt"}, payload), fault.Malformed),
		Refused("oversized", w.Oversized(t, 5000), fault.Malformed),
	)
}
