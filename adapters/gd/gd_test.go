package gd_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/gd"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// The holder every fixture carries. The middle parts are what masking
// removes; none of them may appear anywhere the adapter returns.
const (
	fullName   = "张三丰"
	fullID     = "330102199001011234"
	maskedName = "张*丰"
	maskedID   = "3301**********1234"
	codeID     = "gd-code-1"
)

// secrets are substrings of the full holder that no Code and no error may
// contain.
var secrets = []string{fullName, "三", fullID, "19900101"}

var (
	sj  = testkit.GoldenTime.Add(-time.Minute)
	yxq = testkit.GoldenTime.Add(time.Hour)
)

type world struct {
	g     *testkit.Golden
	dec   adapters.Adapter
	env   adapters.Env
	table *mapping.Table
}

func newWorld(t testing.TB) *world {
	t.Helper()
	g := testkit.LoadGolden(t)
	ts, err := mapping.LoadTables(configs.Mappings())
	if err != nil {
		t.Fatal(err)
	}
	dec, err := gd.New(ts)
	if err != nil {
		t.Fatal(err)
	}
	table, err := ts.Get(gd.Format)
	if err != nil {
		t.Fatal(err)
	}
	return &world{g: g, dec: dec, env: adapters.Env{Trust: g.Registry.Snapshot(), Skew: 60 * time.Second}, table: table}
}

func (w *world) key(t testing.TB, name string) trust.Signer {
	t.Helper()
	k := w.g.Keys[name]
	if k == nil {
		t.Fatalf("no golden key %q", name)
	}
	return k
}

// claims are a code's claims with the fixture holder, status time a minute
// before the golden time, valid for an hour after it.
func claims(status string) gd.Claims {
	return gd.Claims{Name: fullName, ID: fullID, Status: status, StatusTime: sj.Unix(), Expires: yxq.Unix(), CodeID: codeID}
}

func with(c gd.Claims, f func(*gd.Claims)) gd.Claims { f(&c); return c }

func encode(t testing.TB, s trust.Signer, c gd.Claims) string {
	t.Helper()
	code, err := gd.Encode(s, c)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// signed signs a payload the way Encode does (header alg, kid, typ JWT)
// without Encode's checks, for payloads Encode refuses.
func signed(t testing.TB, s trust.Signer, payload []byte) string {
	t.Helper()
	tok, err := s.SignCompact(payload, gd.Typ)
	if err != nil {
		t.Fatal(err)
	}
	return gd.Prefix + tok
}

// raw builds a code with an arbitrary protected header, signed by s with the
// algorithm s pins whatever the header says: hostile tokens.
func raw(t testing.TB, s trust.Signer, header map[string]any, payload []byte) string {
	t.Helper()
	in := testkit.B64(testkit.JSON(t, header)) + "." + testkit.B64(payload)
	sig, err := s.Sign([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	return gd.Prefix + in + "." + testkit.B64(sig)
}

func header(s trust.Signer) map[string]any {
	return map[string]any{"alg": string(s.Alg()), "kid": s.Kid(), "typ": gd.Typ}
}

// basePayload is the wire form of claims("10"), written by hand so that
// cases can alter it byte for byte.
func basePayload() string {
	return fmt.Sprintf(`{"xm":%q,"zjhm":%q,"mzt":"10","sj":%d,"yxq":%d,"id":%q}`, fullName, fullID, sj.Unix(), yxq.Unix(), codeID)
}

// replace alters basePayload, failing if old is not in it.
func replace(t testing.TB, old, new string) []byte {
	t.Helper()
	p := basePayload()
	if !strings.Contains(p, old) {
		t.Fatalf("payload %s has no %s", p, old)
	}
	return []byte(strings.Replace(p, old, new, 1))
}

// registryOf returns a snapshot holding only the golden endorsements named
// (files under testdata/trust), to build a registry that lacks a region.
func registryOf(t testing.TB, g *testkit.Golden, keep ...string) *trust.Snapshot {
	t.Helper()
	var toks []string
	for _, name := range keep {
		b, err := os.ReadFile(filepath.Join(g.Dir, "trust", name+".jws"))
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, string(b))
	}
	reg := trust.NewRegistry(trust.Anchors{g.Root.Kid(): g.Root.Public()}, nil)
	if n, bad, err := reg.AddAny(context.Background(), toks); err != nil || len(bad) > 0 || n != len(toks) {
		t.Fatalf("registry: %d of %d, refused %v, err %v", n, len(toks), bad, err)
	}
	return reg.Snapshot()
}

type decodeCase struct {
	code   string
	env    *adapters.Env // nil: the golden registry
	reason mapping.Reason
	status mapping.Status // when valid
}

// decodeCases are codes through the adapter with the golden registry.
func decodeCases(t testing.TB, w *world) map[string]decodeCase {
	t.Helper()
	gdKey, bjKey, rogue, revoked := w.key(t, "gd"), w.key(t, "bj"), w.key(t, "rogue"), w.key(t, "gd-revoked")
	green := encode(t, gdKey, claims("10"))
	red := encode(t, gdKey, claims("30"))
	parts := strings.Split(strings.TrimPrefix(red, gd.Prefix), ".")
	greenParts := strings.Split(strings.TrimPrefix(green, gd.Prefix), ".")
	payload := []byte(basePayload())
	pub := testkit.JSON(t, gdKey.Public().JWK)
	noGuangdong := adapters.Env{Trust: registryOf(t, w.g, "bj", "sh", "zj", "hub"), Skew: time.Minute}

	// A Guangdong key of the wrong algorithm, endorsed by the golden root.
	edKey := testkit.Key(t, jwa.EdDSA)
	edReg := trust.NewRegistry(trust.Anchors{w.g.Root.Kid(): w.g.Root.Public()}, nil)
	edTok, err := trust.SignEndorsement(w.g.Root, trust.EndorsementSpec{Key: edKey.Public(), Sub: gd.Region,
		Use: []trust.Use{trust.UseCodes}, NotBefore: testkit.GoldenTime.Add(-24 * time.Hour),
		NotAfter: testkit.GoldenTime.Add(24 * time.Hour), IssuedAt: testkit.GoldenTime.Add(-24 * time.Hour), JTI: "gd-eddsa"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := edReg.AddEndorsement(context.Background(), edTok); err != nil {
		t.Fatal(err)
	}
	edEnv := adapters.Env{Trust: edReg.Snapshot(), Skew: time.Minute}

	flipAt := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	return map[string]decodeCase{
		"a green code signed by Guangdong's endorsed key is valid and green": {code: green, status: mapping.Green},
		"a yellow code is yellow": {code: encode(t, gdKey, claims("20")), status: mapping.Yellow},
		"a red code is red":       {code: red, status: mapping.Red},
		"a grey code is grey":     {code: encode(t, gdKey, claims("00")), status: mapping.Grey},
		"an unknown status value is grey, never green": {
			code: encode(t, gdKey, claims("99")), status: mapping.Grey},
		"claims the adapter does not read are ignored": {
			code:   signed(t, gdKey, replace(t, `"mzt":"10"`, `"mzt":"10","ext":{"hs":[1,2,{"x":null}]},"v":2`)),
			status: mapping.Green},
		"a code valid for exactly seven days is accepted": {
			code:   encode(t, gdKey, with(claims("10"), func(c *gd.Claims) { c.Expires = c.StatusTime + 7*24*3600 })),
			status: mapping.Green},
		"typ is compared without regard to case": {
			code:   raw(t, gdKey, map[string]any{"alg": "ES256", "kid": gdKey.Kid(), "typ": "jwt"}, payload),
			status: mapping.Green},

		"a national code is not this format": {
			code: "NIC1:" + strings.TrimPrefix(green, gd.Prefix), reason: mapping.UnrecognizedFormat},
		"a lower-case prefix is not this format": {
			code: "gdhc:" + strings.TrimPrefix(green, gd.Prefix), reason: mapping.UnrecognizedFormat},
		"a bare prefix is malformed": {code: gd.Prefix, reason: mapping.Malformed},
		"two parts are malformed":    {code: gd.Prefix + parts[0] + "." + parts[1], reason: mapping.Malformed},
		"a payload that is not base64url is malformed": {
			code: gd.Prefix + parts[0] + ".eyJ4bSI6I+/." + parts[2], reason: mapping.Malformed},
		"typ nic+jwt is malformed": {
			code: raw(t, gdKey, map[string]any{"alg": "ES256", "kid": gdKey.Kid(), "typ": "nic+jwt"}, payload), reason: mapping.Malformed},
		"a missing typ is malformed": {
			code: raw(t, gdKey, map[string]any{"alg": "ES256", "kid": gdKey.Kid()}, payload), reason: mapping.Malformed},
		"typ JOSE is malformed": {
			code: raw(t, gdKey, map[string]any{"alg": "ES256", "kid": gdKey.Kid(), "typ": "JOSE"}, payload), reason: mapping.Malformed},
		"a missing kid is malformed": {
			code: raw(t, gdKey, map[string]any{"alg": "ES256", "typ": gd.Typ}, payload), reason: mapping.Malformed},
		"a critical header is malformed": {
			code:   raw(t, gdKey, map[string]any{"alg": "ES256", "kid": gdKey.Kid(), "typ": gd.Typ, "crit": []string{"exp"}, "exp": 1}, payload),
			reason: mapping.Malformed},
		"an EdDSA key endorsed for Guangdong cannot sign gd-v1, which is ES256": {
			code: raw(t, edKey, header(edKey), payload), env: &edEnv, reason: mapping.Malformed},

		"an altered signature is a bad signature": {
			code: gd.Prefix + parts[0] + "." + parts[1] + "." + flipAt(parts[2], 10), reason: mapping.BadSignature},
		"a red code's payload turned green is a bad signature": {
			code: gd.Prefix + parts[0] + "." + greenParts[1] + "." + parts[2], reason: mapping.BadSignature},
		"alg none is a bad signature": {
			code:   gd.Prefix + testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": gdKey.Kid(), "typ": gd.Typ})) + "." + testkit.B64(payload) + ".AAAA",
			reason: mapping.BadSignature},
		"alg none with an empty signature is not even a compact JWS": {
			code:   gd.Prefix + testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": gdKey.Kid(), "typ": gd.Typ})) + "." + testkit.B64(payload) + ".",
			reason: mapping.Malformed},
		"HS256 keyed with the public key (algorithm confusion) is a bad signature": {
			code:   gd.Prefix + testkit.HMACToken(t, map[string]any{"alg": "HS256", "kid": gdKey.Kid(), "typ": gd.Typ}, payload, pub),
			reason: mapping.BadSignature},
		"an ES256 signature whose header claims EdDSA is a bad signature": {
			code: raw(t, gdKey, map[string]any{"alg": "EdDSA", "kid": gdKey.Kid(), "typ": gd.Typ}, payload), reason: mapping.BadSignature},
		"an ES256 signature under Beijing's EdDSA kid is a bad signature": {
			code: raw(t, gdKey, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid(), "typ": gd.Typ}, payload), reason: mapping.BadSignature},
		"Guangdong's kid over a stranger's signature is a bad signature, whatever jwk the header carries": {
			code: raw(t, rogue, map[string]any{"alg": "ES256", "kid": gdKey.Kid(), "typ": gd.Typ,
				"jwk": rogue.Public().JWK, "jku": "http://127.0.0.1:1/jwks"}, payload), reason: mapping.BadSignature},

		"a key endorsed only by another root is unknown": {code: encode(t, rogue, claims("10")), reason: mapping.UnknownKey},
		"an unknown key when Guangdong has no key at all is an unknown issuer": {
			code: encode(t, rogue, claims("10")), env: &noGuangdong, reason: mapping.UnknownIssuer},
		"Guangdong's own key is an unknown issuer to a registry without Guangdong": {
			code: green, env: &noGuangdong, reason: mapping.UnknownIssuer},
		"a revoked key verifies nothing": {code: encode(t, revoked, claims("10")), reason: mapping.RevokedKey},
		"Beijing's key cannot sign Guangdong's codes": {
			code: raw(t, bjKey, header(bjKey), payload), reason: mapping.ScopeViolation},
		"a status time before the key's endorsement window is key_not_valid": {
			code: encode(t, gdKey, with(claims("10"), func(c *gd.Claims) {
				c.StatusTime = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC).Unix()
				c.Expires = c.StatusTime + 3600
			})), reason: mapping.KeyNotValid},
	}
}

func TestDecode(t *testing.T) {
	w := newWorld(t)
	for name, tc := range decodeCases(t, w) {
		t.Run(name, func(t *testing.T) {
			env := w.env
			if tc.env != nil {
				env = *tc.env
			}
			c, err := w.dec.Decode(tc.code, env)
			if got := mapping.ReasonOf(err); got != tc.reason {
				t.Fatalf("reason %q (%v), want %q", got, err, tc.reason)
			}
			if err != nil {
				if c != nil {
					t.Fatalf("a code returned with error %v", err)
				}
				return
			}
			if c.Status != tc.status {
				t.Fatalf("status %s, want %s", c.Status, tc.status)
			}
			if c.Holder.Name != maskedName || c.Holder.ID != maskedID {
				t.Fatalf("holder %v", c.Holder)
			}
		})
	}
}

func TestDecodedCode(t *testing.T) {
	w := newWorld(t)
	gdKey := w.key(t, "gd")
	c, err := w.dec.Decode(encode(t, gdKey, claims("20")), w.env)
	if err != nil {
		t.Fatal(err)
	}
	want := adapters.Code{Format: gd.Format, Iss: gd.Region, Org: gd.Region, ID: codeID, Signed: true, Kid: gdKey.Kid(),
		Status: mapping.Yellow, StatusAt: sj.UTC(), IssuedAt: sj.UTC(), Expires: yxq.UTC(),
		Holder: mapping.Holder{Name: maskedName, ID: maskedID}}
	if got := fmt.Sprintf("%#v", *c); got != fmt.Sprintf("%#v", want) {
		t.Fatalf("decoded\n%s\nwant\n%s", got, fmt.Sprintf("%#v", want))
	}
	if w.dec.Format() != gd.Format || len(w.dec.Prefixes()) != 1 || w.dec.Prefixes()[0] != gd.Prefix {
		t.Fatalf("format %s prefixes %q", w.dec.Format(), w.dec.Prefixes())
	}
}

type claimCase struct {
	payload []byte
	claim   string // the claim the detail must name; "" for the object as a whole
}

// claimCases are payloads signed by Guangdong's endorsed key that the
// adapter must refuse as malformed.
func claimCases(t testing.TB) map[string]claimCase {
	t.Helper()
	r := func(old, new string) []byte { return replace(t, old, new) }
	sjS, yxqS := fmt.Sprint(sj.Unix()), fmt.Sprint(yxq.Unix())
	name, id := fmt.Sprintf("%q", fullName), fmt.Sprintf("%q", fullID)
	cases := map[string]claimCase{
		"a name that is a number is malformed":                     {r(`"xm":`+name, `"xm":123`), "xm"},
		"a name that is null is malformed":                         {r(`"xm":`+name, `"xm":null`), "xm"},
		"an identity number written as a JSON number is malformed": {r(`"zjhm":`+id, `"zjhm":`+fullID), "zjhm"},
		"a status that is a number is malformed":                   {r(`"mzt":"10"`, `"mzt":10`), "mzt"},
		"a status that is an array is malformed":                   {r(`"mzt":"10"`, `"mzt":["10"]`), "mzt"},
		"a status time that is a string is malformed":              {r(`"sj":`+sjS, `"sj":"`+sjS+`"`), "sj"},
		"a status time with a fraction is malformed":               {r(`"sj":`+sjS, `"sj":`+sjS+`.0`), "sj"},
		"a status time in exponent form is malformed":              {r(`"sj":`+sjS, `"sj":1.7955e9`), "sj"},
		"a status time of zero is malformed":                       {r(`"sj":`+sjS, `"sj":0`), "sj"},
		"a negative status time is malformed":                      {r(`"sj":`+sjS, `"sj":-1`), "sj"},
		"a status time after the year 9999 is malformed":           {r(`"sj":`+sjS, `"sj":253402300800`), "sj"},
		"a status time and expiry both after the year 9999 are malformed": {
			r(`"sj":`+sjS+`,"yxq":`+yxqS, `"sj":253402300800,"yxq":253402304400`), "sj"},
		"a negative status time and expiry are malformed": {r(`"sj":`+sjS+`,"yxq":`+yxqS, `"sj":-7200,"yxq":-3600`), "sj"},
		"an expiry after the year 9999 is malformed":      {r(`"yxq":`+yxqS, `"yxq":253402300800`), "yxq"},
		"an expiry that is a boolean is malformed":        {r(`"yxq":`+yxqS, `"yxq":true`), "yxq"},
		"an expiry beyond int64 is malformed":             {r(`"yxq":`+yxqS, `"yxq":9223372036854775808`), "yxq"},
		"an expiry equal to the status time is malformed": {r(`"yxq":`+yxqS, `"yxq":`+sjS), "yxq"},
		"an expiry before the status time is malformed":   {r(`"yxq":`+yxqS, fmt.Sprintf(`"yxq":%d`, sj.Unix()-1)), "yxq"},
		"an expiry more than seven days after the status time is malformed": {
			r(`"yxq":`+yxqS, fmt.Sprintf(`"yxq":%d`, sj.Unix()+7*24*3600+1)), "yxq"},
		"a code id that is a number is malformed":                 {r(`"id":"gd-code-1"`, `"id":1`), "id"},
		"an empty code id is malformed":                           {r(`"id":"gd-code-1"`, `"id":""`), "id"},
		"a code id of 65 characters is malformed":                 {r(`"id":"gd-code-1"`, `"id":"`+strings.Repeat("a", 65)+`"`), "id"},
		"a code id with a space is malformed":                     {r(`"id":"gd-code-1"`, `"id":"gd code"`), "id"},
		"a code id in Chinese is malformed":                       {r(`"id":"gd-code-1"`, `"id":"粤康码"`), "id"},
		"the identity number as the code id is malformed":         {r(`"id":"gd-code-1"`, `"id":`+id), "id"},
		"a code id carrying the identity number is malformed":     {r(`"id":"gd-code-1"`, `"id":"gd-`+fullID+`"`), "id"},
		"the holder's full name as the code id is malformed":      {r(`"id":"gd-code-1"`, `"id":`+name), "id"},
		"an empty name is malformed":                              {r(`"xm":`+name, `"xm":""`), "xm"},
		"a name of white space is malformed":                      {r(`"xm":`+name, `"xm":"\u3000 "`), "xm"},
		"a name with a newline is malformed":                      {r(`"xm":`+name, `"xm":"张三\n丰"`), "xm"},
		"a name with a bidi override is malformed":                {r(`"xm":`+name, `"xm":"张\u202e三丰"`), "xm"},
		"a name of 65 characters is malformed":                    {r(`"xm":`+name, `"xm":"`+strings.Repeat("张", 65)+`"`), "xm"},
		"a name with a lone surrogate is malformed":               {r(`"xm":`+name, `"xm":"张\ud800丰"`), "xm"},
		"an identity number of four characters is malformed":      {r(`"zjhm":`+id, `"zjhm":"1234"`), "zjhm"},
		"an identity number with lower-case letters is malformed": {r(`"zjhm":`+id, `"zjhm":"33010219900101abcd"`), "zjhm"},
		"an identity number in Chinese is malformed":              {r(`"zjhm":`+id, `"zjhm":"三三零一"`), "zjhm"},
		"a name given twice is malformed":                         {r(`"xm":`+name, `"xm":"李四","xm":`+name), "xm"},
		"a status given twice is malformed":                       {r(`"mzt":"10"`, `"mzt":"30","mzt":"10"`), "mzt"},
		"an unknown member given twice is malformed":              {r(`"mzt":"10"`, `"mzt":"10","ext":1,"ext":2`), ""},
		"a payload that is an array is malformed":                 {[]byte(`[` + basePayload() + `]`), ""},
		"a payload that is a string is malformed":                 {[]byte(`"` + fullName + `"`), ""},
		"an empty payload is malformed":                           {[]byte{}, ""},
		"trailing data after the object is malformed":             {[]byte(basePayload() + ` {}`), ""},
		"an unclosed object is malformed":                         {[]byte(strings.TrimSuffix(basePayload(), "}")), ""},
		"invalid JSON is malformed":                               {r(`"mzt":"10"`, `"mzt":"10",,`), ""},
		"invalid UTF-8 is malformed":                              {r(`"xm":`+name, "\"xm\":\"\xff\xfe\""), ""},
		"a payload over 4 KiB is malformed":                       {r(`"mzt":"10"`, `"mzt":"10","pad":"`+strings.Repeat("x", 4096)+`"`), ""},
	}
	for _, claim := range []string{"xm", "zjhm", "mzt", "sj", "yxq", "id"} {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(basePayload()), &m); err != nil {
			t.Fatal(err)
		}
		delete(m, claim)
		cases[fmt.Sprintf("a code without claim %s is malformed", claim)] = claimCase{testkit.JSON(t, m), claim}
	}
	return cases
}

func TestMalformedClaims(t *testing.T) {
	w := newWorld(t)
	gdKey := w.key(t, "gd")
	for name, tc := range claimCases(t) {
		t.Run(name, func(t *testing.T) {
			c, err := w.dec.Decode(signed(t, gdKey, tc.payload), w.env)
			if mapping.ReasonOf(err) != mapping.Malformed || c != nil {
				t.Fatalf("got %v, %v; want malformed", c, err)
			}
			p := err.(*mapping.Problem)
			if tc.claim != "" && !strings.HasPrefix(p.Detail, fmt.Sprintf("claim %q:", tc.claim)) {
				t.Errorf("detail %q is not about claim %q", p.Detail, tc.claim)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains %q", err, s)
				}
			}
		})
	}
}

// designStatus is DESIGN §9's gd-v1 vocabulary, kept here independently of
// the table so that a table edit that changes a colour fails a test.
var designStatus = map[string]mapping.Status{"10": mapping.Green, "20": mapping.Yellow, "30": mapping.Red, "00": mapping.Grey}

func TestStatusMapping(t *testing.T) {
	w := newWorld(t)
	gdKey := w.key(t, "gd")
	if got := w.table.Values(); len(got) != len(designStatus) {
		t.Fatalf("table values %q, DESIGN §9 has %d", got, len(designStatus))
	}
	for _, v := range w.table.Values() {
		t.Run("local value "+v+" maps as the table says", func(t *testing.T) {
			want, _ := w.table.Map(v)
			if design, ok := designStatus[v]; !ok || design != want {
				t.Fatalf("table maps %q to %s, DESIGN §9 to %s", v, want, design)
			}
			c, err := w.dec.Decode(encode(t, gdKey, claims(v)), w.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != want {
				t.Fatalf("status %s, want %s", c.Status, want)
			}
		})
	}
	for _, v := range unknownStatuses {
		t.Run(fmt.Sprintf("unknown value %q is grey", v), func(t *testing.T) {
			c, err := w.dec.Decode(encode(t, gdKey, claims(v)), w.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != mapping.Grey {
				t.Fatalf("status %s, want grey", c.Status)
			}
		})
	}
}

// unknownStatuses are values a province might send that the table does not
// know: near misses of the green value above all.
var unknownStatuses = []string{"", "99", "1", "010", "10 ", " 10", "green", "GREEN", "绿码", "１０", "10\x00", fullName}

func TestHolderMasking(t *testing.T) {
	w := newWorld(t)
	gdKey := w.key(t, "gd")
	tests := map[string]struct{ name, id, wantName, wantID string }{
		"a three-character name keeps its ends":             {"张三丰", "330102199001011234", "张*丰", "3301**********1234"},
		"a two-character name keeps its first":              {"张三", "330102199001011234", "张*", "3301**********1234"},
		"a one-character name is unchanged":                 {"张", "330102199001011234", "张", "3301**********1234"},
		"a compound surname is masked like any other":       {"欧阳娜娜", "330102199001011234", "欧**娜", "3301**********1234"},
		"a lower-case check character is upper-cased":       {"张三丰", "33010219900101123x", "张*丰", "3301**********123X"},
		"a legacy 15-digit number keeps four at each end":   {"张三丰", "330102900101123", "张*丰", "3301*******1123"},
		"a passport number keeps a quarter at each end":     {"John Smith", "E12345678", "J********h", "E1*****78"},
		"surrounding white space is trimmed before masking": {" 张三丰 ", " 330102199001011234 ", "张*丰", "3301**********1234"},
		"already masked values pass unchanged":              {"张*丰", "3301**********1234", "张*丰", "3301**********1234"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := w.dec.Decode(encode(t, gdKey, with(claims("10"), func(c *gd.Claims) { c.Name, c.ID = tc.name, tc.id })), w.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Holder.Name != tc.wantName || c.Holder.ID != tc.wantID {
				t.Fatalf("holder %q %q, want %q %q", c.Holder.Name, c.Holder.ID, tc.wantName, tc.wantID)
			}
			if !mapping.IsMaskedName(c.Holder.Name) || !mapping.IsMaskedID(c.Holder.ID) {
				t.Fatalf("holder %v is not in masked form", c.Holder)
			}
		})
	}
}

// TestNothingLeaks runs every case of this file and checks that neither the
// returned Code (in every fmt form and as JSON) nor any error's text holds
// the full name or identity number or a part masking removes.
func TestNothingLeaks(t *testing.T) {
	w := newWorld(t)
	gdKey := w.key(t, "gd")
	codes := map[string]adapters.Env{}
	for _, tc := range decodeCases(t, w) {
		env := w.env
		if tc.env != nil {
			env = *tc.env
		}
		codes[tc.code] = env
	}
	for _, tc := range claimCases(t) {
		codes[signed(t, gdKey, tc.payload)] = w.env
	}
	for _, v := range append(w.table.Values(), unknownStatuses...) {
		codes[encode(t, gdKey, claims(v))] = w.env
	}
	var decoded, refused int
	for code, env := range codes {
		c, err := w.dec.Decode(code, env)
		var texts []string
		if err != nil {
			refused++
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
		if c != nil {
			decoded++
			j, jerr := json.Marshal(c)
			if jerr != nil {
				t.Fatal(jerr)
			}
			texts = append(texts, fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", *c), string(j),
				c.Holder.Name, c.Holder.ID, c.ID, c.Kid)
		}
		for _, text := range texts {
			for _, s := range secrets {
				if strings.Contains(text, s) {
					t.Errorf("%q contains %q", text, s)
				}
			}
		}
	}
	if decoded < 10 || refused < 50 {
		t.Fatalf("only %d decoded and %d refused: the cases did not run", decoded, refused)
	}
}

func TestEncodeRefuses(t *testing.T) {
	w := newWorld(t)
	gdKey := w.key(t, "gd")
	tests := map[string]struct {
		signer trust.Signer
		c      gd.Claims
	}{
		"an EdDSA signer":                  {w.key(t, "bj"), claims("10")},
		"an empty code id":                 {gdKey, with(claims("10"), func(c *gd.Claims) { c.CodeID = "" })},
		"an expiry before the status time": {gdKey, with(claims("10"), func(c *gd.Claims) { c.Expires = c.StatusTime - 1 })},
		"eight days of validity":           {gdKey, with(claims("10"), func(c *gd.Claims) { c.Expires = c.StatusTime + 8*24*3600 })},
		"a status time of zero":            {gdKey, with(claims("10"), func(c *gd.Claims) { c.StatusTime = 0 })},
		"a name with a NUL":                {gdKey, with(claims("10"), func(c *gd.Claims) { c.Name = "张\x00三丰" })},
		"an identity number too short":     {gdKey, with(claims("10"), func(c *gd.Claims) { c.ID = "3301" })},
		"the identity number as code id":   {gdKey, with(claims("10"), func(c *gd.Claims) { c.CodeID = fullID })},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, err := gd.Encode(tc.signer, tc.c)
			if err == nil {
				t.Fatalf("encoded %s", code)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains %q", err, s)
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	shipped, err := fs.ReadFile(configs.Mappings(), gd.Format+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	table := func(t *testing.T, old, new string) mapping.Tables {
		t.Helper()
		if !strings.Contains(string(shipped), old) {
			t.Fatalf("shipped table has no %q", old)
		}
		tb, err := mapping.ParseTable(gd.Format+".yaml", []byte(strings.Replace(string(shipped), old, new, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return mapping.Tables{gd.Format: tb}
	}
	tests := map[string]struct {
		tables  func(t *testing.T) mapping.Tables
		wantErr string
	}{
		"the shipped table builds the adapter": {tables: func(t *testing.T) mapping.Tables { return table(t, "", "") }},
		"a table with renamed local fields builds the adapter": {
			tables: func(t *testing.T) mapping.Tables { return table(t, "status: mzt", "status: color") }},
		"no gd-v1 table refuses": {tables: func(*testing.T) mapping.Tables { return mapping.Tables{} }, wantErr: "no mapping table"},
		"a table for Beijing's region refuses": {
			tables: func(t *testing.T) mapping.Tables { return table(t, `region: "440000"`, `region: "110000"`) }, wantErr: "region"},
		"two fields naming one local field refuse": {
			tables: func(t *testing.T) mapping.Tables { return table(t, "expires: yxq", "expires: sj") }, wantErr: "both name"},
	}
	for _, line := range []string{"name: xm", "id: zjhm", "status: mzt", "status_time: sj", "expires: yxq", "code_id: id"} {
		national := strings.SplitN(line, ":", 2)[0]
		tests["a table without field "+national+" refuses"] = struct {
			tables  func(t *testing.T) mapping.Tables
			wantErr string
		}{tables: func(t *testing.T) mapping.Tables { return table(t, "  "+line, "") }, wantErr: fmt.Sprintf("%q", national)}
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a, err := gd.New(tc.tables(t))
			if tc.wantErr == "" {
				if err != nil || a == nil || a.Format() != gd.Format {
					t.Fatalf("adapter %v, err %v", a, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err %v, want one mentioning %s", err, tc.wantErr)
			}
		})
	}
}

// TestRenamedFieldsAreRead shows the adapter reads the names its table
// gives, not the names of DESIGN §9.
func TestRenamedFieldsAreRead(t *testing.T) {
	shipped, err := fs.ReadFile(configs.Mappings(), gd.Format+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	tb, err := mapping.ParseTable(gd.Format+".yaml", []byte(strings.Replace(string(shipped), "status: mzt", "status: color", 1)))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := gd.New(mapping.Tables{gd.Format: tb})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	gdKey := w.key(t, "gd")
	if _, err := dec.Decode(encode(t, gdKey, claims("10")), w.env); mapping.ReasonOf(err) != mapping.Malformed || !strings.Contains(err.Error(), `"color"`) {
		t.Fatalf("a code without the renamed claim: %v", err)
	}
	c, err := dec.Decode(signed(t, gdKey, replace(t, `"mzt":"10"`, `"color":"30"`)), w.env)
	if err != nil || c.Status != mapping.Red {
		t.Fatalf("code %v, err %v", c, err)
	}
}
