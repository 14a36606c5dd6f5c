package bj_test

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
	"github.com/hcgw/hcgw/adapters/bj"
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
	codeID     = "bj-code-1"
)

// secrets are substrings of the full holder that no Code and no error may
// contain.
var secrets = []string{fullName, "三", fullID, "19900101"}

var (
	tAt   = testkit.GoldenTime.Add(-time.Minute)
	expAt = testkit.GoldenTime.Add(time.Hour)
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
	dec, err := bj.New(ts)
	if err != nil {
		t.Fatal(err)
	}
	table, err := ts.Get(bj.Format)
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
func claims(status string) bj.Claims {
	return bj.Claims{Name: fullName, ID: fullID, Status: status, StatusTime: tAt.Unix(), Expires: expAt.Unix(), CodeID: codeID}
}

func with(c bj.Claims, f func(*bj.Claims)) bj.Claims { f(&c); return c }

func encode(t testing.TB, s trust.Signer, c bj.Claims) string {
	t.Helper()
	code, err := bj.Encode(s, c)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// signed signs a payload the way Encode does (header alg, kid, typ JWT)
// without Encode's checks, for payloads Encode refuses.
func signed(t testing.TB, s trust.Signer, payload []byte) string {
	t.Helper()
	tok, err := s.SignCompact(payload, bj.Typ)
	if err != nil {
		t.Fatal(err)
	}
	return bj.Prefix + tok
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
	return bj.Prefix + in + "." + testkit.B64(sig)
}

func header(s trust.Signer) map[string]any {
	return map[string]any{"alg": string(s.Alg()), "kid": s.Kid(), "typ": bj.Typ}
}

// basePayload is the wire form of claims("未见异常"), written by hand so that
// cases can alter it byte for byte.
func basePayload() string {
	return fmt.Sprintf(`{"cid":%q,"zt":"未见异常","t":%d,"exp":%d,"name":%q,"idno":%q}`, codeID, tAt.Unix(), expAt.Unix(), fullName, fullID)
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
	bjKey, gdKey, rogue, revoked := w.key(t, "bj"), w.key(t, "gd"), w.key(t, "rogue"), w.key(t, "gd-revoked")
	green := encode(t, bjKey, claims("未见异常"))
	red := encode(t, bjKey, claims("红码"))
	parts := strings.Split(strings.TrimPrefix(red, bj.Prefix), ".")
	greenParts := strings.Split(strings.TrimPrefix(green, bj.Prefix), ".")
	payload := []byte(basePayload())
	pub := testkit.JSON(t, bjKey.Public().JWK)
	noBeijing := adapters.Env{Trust: registryOf(t, w.g, "gd", "sh", "zj", "hub"), Skew: time.Minute}

	// A Beijing key of the wrong algorithm, endorsed by the golden root.
	esKey := testkit.Key(t, jwa.ES256)
	esReg := trust.NewRegistry(trust.Anchors{w.g.Root.Kid(): w.g.Root.Public()}, nil)
	esTok, err := trust.SignEndorsement(w.g.Root, trust.EndorsementSpec{Key: esKey.Public(), Sub: bj.Region,
		Use: []trust.Use{trust.UseCodes}, NotBefore: testkit.GoldenTime.Add(-24 * time.Hour),
		NotAfter: testkit.GoldenTime.Add(24 * time.Hour), IssuedAt: testkit.GoldenTime.Add(-24 * time.Hour), JTI: "bj-es256"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := esReg.AddEndorsement(context.Background(), esTok); err != nil {
		t.Fatal(err)
	}
	esEnv := adapters.Env{Trust: esReg.Snapshot(), Skew: time.Minute}

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
		"a 未见异常 code signed by Beijing's endorsed key is valid and green": {code: green, status: mapping.Green},
		"a 弹窗 code is yellow": {code: encode(t, bjKey, claims("弹窗")), status: mapping.Yellow},
		"a 红码 code is red":    {code: red, status: mapping.Red},
		"a 未知 code is grey":   {code: encode(t, bjKey, claims("未知")), status: mapping.Grey},
		"an unknown status value is grey, never green": {
			code: encode(t, bjKey, claims("绿码")), status: mapping.Grey},
		"claims the adapter does not read are ignored": {
			code:   signed(t, bjKey, replace(t, `"zt":"未见异常"`, `"zt":"未见异常","ext":{"hs":[1,2,{"x":null}]},"v":2`)),
			status: mapping.Green},
		"a code valid for exactly seven days is accepted": {
			code:   encode(t, bjKey, with(claims("未见异常"), func(c *bj.Claims) { c.Expires = c.StatusTime + 7*24*3600 })),
			status: mapping.Green},
		"typ is compared without regard to case": {
			code:   raw(t, bjKey, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid(), "typ": "jwt"}, payload),
			status: mapping.Green},

		"a national code is not this format": {
			code: "NIC1:" + strings.TrimPrefix(green, bj.Prefix), reason: mapping.UnrecognizedFormat},
		"a lower-case prefix is not this format": {
			code: "gdhc:" + strings.TrimPrefix(green, bj.Prefix), reason: mapping.UnrecognizedFormat},
		"a bare prefix is malformed": {code: bj.Prefix, reason: mapping.Malformed},
		"two parts are malformed":    {code: bj.Prefix + parts[0] + "." + parts[1], reason: mapping.Malformed},
		"a payload that is not base64url is malformed": {
			code: bj.Prefix + parts[0] + ".eyJ4bSI6I+/." + parts[2], reason: mapping.Malformed},
		"typ nic+jwt is malformed": {
			code: raw(t, bjKey, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid(), "typ": "nic+jwt"}, payload), reason: mapping.Malformed},
		"a missing typ is malformed": {
			code: raw(t, bjKey, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid()}, payload), reason: mapping.Malformed},
		"typ JOSE is malformed": {
			code: raw(t, bjKey, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid(), "typ": "JOSE"}, payload), reason: mapping.Malformed},
		"a missing kid is malformed": {
			code: raw(t, bjKey, map[string]any{"alg": "EdDSA", "typ": bj.Typ}, payload), reason: mapping.Malformed},
		"a critical header is malformed": {
			code:   raw(t, bjKey, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid(), "typ": bj.Typ, "crit": []string{"exp"}, "exp": 1}, payload),
			reason: mapping.Malformed},
		"an ES256 key endorsed for Beijing cannot sign bj-v1, which is EdDSA": {
			code: raw(t, esKey, header(esKey), payload), env: &esEnv, reason: mapping.Malformed},

		"an altered signature is a bad signature": {
			code: bj.Prefix + parts[0] + "." + parts[1] + "." + flipAt(parts[2], 10), reason: mapping.BadSignature},
		"a red code's payload turned green is a bad signature": {
			code: bj.Prefix + parts[0] + "." + greenParts[1] + "." + parts[2], reason: mapping.BadSignature},
		"alg none is a bad signature": {
			code:   bj.Prefix + testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": bjKey.Kid(), "typ": bj.Typ})) + "." + testkit.B64(payload) + ".AAAA",
			reason: mapping.BadSignature},
		"alg none with an empty signature is not even a compact JWS": {
			code:   bj.Prefix + testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": bjKey.Kid(), "typ": bj.Typ})) + "." + testkit.B64(payload) + ".",
			reason: mapping.Malformed},
		"HS256 keyed with the public key (algorithm confusion) is a bad signature": {
			code:   bj.Prefix + testkit.HMACToken(t, map[string]any{"alg": "HS256", "kid": bjKey.Kid(), "typ": bj.Typ}, payload, pub),
			reason: mapping.BadSignature},
		"an ES256 signature under Beijing's kid claiming EdDSA is a bad signature": {
			code: raw(t, gdKey, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid(), "typ": bj.Typ}, payload), reason: mapping.BadSignature},
		"an ES256 key's own kid claiming EdDSA is a bad signature": {
			code: raw(t, gdKey, map[string]any{"alg": "EdDSA", "kid": gdKey.Kid(), "typ": bj.Typ}, payload), reason: mapping.BadSignature},
		"an Ed25519 signature whose header claims ES256 is a bad signature": {
			code: raw(t, bjKey, map[string]any{"alg": "ES256", "kid": bjKey.Kid(), "typ": bj.Typ}, payload), reason: mapping.BadSignature},
		"Beijing's kid over a stranger's signature is a bad signature, whatever jwk the header carries": {
			code: raw(t, rogue, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid(), "typ": bj.Typ,
				"jwk": rogue.Public().JWK, "jku": "http://127.0.0.1:1/jwks"}, payload), reason: mapping.BadSignature},

		"a key endorsed only by another root is unknown": {code: raw(t, rogue, header(rogue), payload), reason: mapping.UnknownKey},
		"an unknown key when Beijing has no key at all is an unknown issuer": {
			code: raw(t, rogue, header(rogue), payload), env: &noBeijing, reason: mapping.UnknownIssuer},
		"Beijing's own key is an unknown issuer to a registry without Beijing": {
			code: green, env: &noBeijing, reason: mapping.UnknownIssuer},
		"a revoked key verifies nothing": {code: raw(t, revoked, header(revoked), payload), reason: mapping.RevokedKey},
		"Guangdong's key cannot sign Beijing's codes": {
			code: raw(t, gdKey, header(gdKey), payload), reason: mapping.ScopeViolation},
		"a status time before the key's endorsement window is key_not_valid": {
			code: encode(t, bjKey, with(claims("未见异常"), func(c *bj.Claims) {
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
	bjKey := w.key(t, "bj")
	c, err := w.dec.Decode(encode(t, bjKey, claims("弹窗")), w.env)
	if err != nil {
		t.Fatal(err)
	}
	want := adapters.Code{Format: bj.Format, Iss: bj.Region, Org: bj.Region, ID: codeID, Signed: true, Kid: bjKey.Kid(),
		Status: mapping.Yellow, StatusAt: tAt.UTC(), IssuedAt: tAt.UTC(), Expires: expAt.UTC(),
		Holder: mapping.Holder{Name: maskedName, ID: maskedID}}
	if got := fmt.Sprintf("%#v", *c); got != fmt.Sprintf("%#v", want) {
		t.Fatalf("decoded\n%s\nwant\n%s", got, fmt.Sprintf("%#v", want))
	}
	if w.dec.Format() != bj.Format || len(w.dec.Prefixes()) != 1 || w.dec.Prefixes()[0] != bj.Prefix {
		t.Fatalf("format %s prefixes %q", w.dec.Format(), w.dec.Prefixes())
	}
}

type claimCase struct {
	payload []byte
	claim   string // the claim the detail must name; "" for the object as a whole
}

// claimCases are payloads signed by Beijing's endorsed key that the
// adapter must refuse as malformed.
func claimCases(t testing.TB) map[string]claimCase {
	t.Helper()
	r := func(old, new string) []byte { return replace(t, old, new) }
	tS, expS := fmt.Sprint(tAt.Unix()), fmt.Sprint(expAt.Unix())
	name, id := fmt.Sprintf("%q", fullName), fmt.Sprintf("%q", fullID)
	cases := map[string]claimCase{
		"a name that is a number is malformed":                     {r(`"name":`+name, `"name":123`), "name"},
		"a name that is null is malformed":                         {r(`"name":`+name, `"name":null`), "name"},
		"an identity number written as a JSON number is malformed": {r(`"idno":`+id, `"idno":`+fullID), "idno"},
		"a status that is a number is malformed":                   {r(`"zt":"未见异常"`, `"zt":1`), "zt"},
		"a status that is an array is malformed":                   {r(`"zt":"未见异常"`, `"zt":["未见异常"]`), "zt"},
		"a status time that is a string is malformed":              {r(`"t":`+tS, `"t":"`+tS+`"`), "t"},
		"a status time with a fraction is malformed":               {r(`"t":`+tS, `"t":`+tS+`.0`), "t"},
		"a status time in exponent form is malformed":              {r(`"t":`+tS, `"t":1.7955e9`), "t"},
		"a status time of zero is malformed":                       {r(`"t":`+tS, `"t":0`), "t"},
		"a negative status time is malformed":                      {r(`"t":`+tS, `"t":-1`), "t"},
		"a status time after the year 9999 is malformed":           {r(`"t":`+tS, `"t":253402300800`), "t"},
		"a status time and expiry both after the year 9999 are malformed": {
			r(`"t":`+tS+`,"exp":`+expS, `"t":253402300800,"exp":253402304400`), "t"},
		"a negative status time and expiry are malformed": {r(`"t":`+tS+`,"exp":`+expS, `"t":-7200,"exp":-3600`), "t"},
		"an expiry after the year 9999 is malformed":      {r(`"exp":`+expS, `"exp":253402300800`), "exp"},
		"an expiry that is a boolean is malformed":        {r(`"exp":`+expS, `"exp":true`), "exp"},
		"an expiry beyond int64 is malformed":             {r(`"exp":`+expS, `"exp":9223372036854775808`), "exp"},
		"an expiry equal to the status time is malformed": {r(`"exp":`+expS, `"exp":`+tS), "exp"},
		"an expiry before the status time is malformed":   {r(`"exp":`+expS, fmt.Sprintf(`"exp":%d`, tAt.Unix()-1)), "exp"},
		"an expiry more than seven days after the status time is malformed": {
			r(`"exp":`+expS, fmt.Sprintf(`"exp":%d`, tAt.Unix()+7*24*3600+1)), "exp"},
		"a code id that is a number is malformed":                 {r(`"cid":"bj-code-1"`, `"cid":1`), "cid"},
		"an empty code id is malformed":                           {r(`"cid":"bj-code-1"`, `"cid":""`), "cid"},
		"a code id of 65 characters is malformed":                 {r(`"cid":"bj-code-1"`, `"cid":"`+strings.Repeat("a", 65)+`"`), "cid"},
		"a code id with a space is malformed":                     {r(`"cid":"bj-code-1"`, `"cid":"bj code"`), "cid"},
		"a code id in Chinese is malformed":                       {r(`"cid":"bj-code-1"`, `"cid":"北京健康宝"`), "cid"},
		"the identity number as the code id is malformed":         {r(`"cid":"bj-code-1"`, `"cid":`+id), "cid"},
		"a code id carrying the identity number is malformed":     {r(`"cid":"bj-code-1"`, `"cid":"bj-`+fullID+`"`), "cid"},
		"the holder's full name as the code id is malformed":      {r(`"cid":"bj-code-1"`, `"cid":`+name), "cid"},
		"an empty name is malformed":                              {r(`"name":`+name, `"name":""`), "name"},
		"a name of white space is malformed":                      {r(`"name":`+name, `"name":"\u3000 "`), "name"},
		"a name with a newline is malformed":                      {r(`"name":`+name, `"name":"张三\n丰"`), "name"},
		"a name with a bidi override is malformed":                {r(`"name":`+name, `"name":"张\u202e三丰"`), "name"},
		"a name of 65 characters is malformed":                    {r(`"name":`+name, `"name":"`+strings.Repeat("张", 65)+`"`), "name"},
		"a name with a lone surrogate is malformed":               {r(`"name":`+name, `"name":"张\ud800丰"`), "name"},
		"an identity number of four characters is malformed":      {r(`"idno":`+id, `"idno":"1234"`), "idno"},
		"an identity number with lower-case letters is malformed": {r(`"idno":`+id, `"idno":"33010219900101abcd"`), "idno"},
		"an identity number in Chinese is malformed":              {r(`"idno":`+id, `"idno":"三三零一"`), "idno"},
		"a name given twice is malformed":                         {r(`"name":`+name, `"name":"李四","name":`+name), "name"},
		"a status given twice is malformed":                       {r(`"zt":"未见异常"`, `"zt":"红码","zt":"未见异常"`), "zt"},
		"an unknown member given twice is malformed":              {r(`"zt":"未见异常"`, `"zt":"未见异常","ext":1,"ext":2`), ""},
		"a payload that is an array is malformed":                 {[]byte(`[` + basePayload() + `]`), ""},
		"a payload that is a string is malformed":                 {[]byte(`"` + fullName + `"`), ""},
		"an empty payload is malformed":                           {[]byte{}, ""},
		"trailing data after the object is malformed":             {[]byte(basePayload() + ` {}`), ""},
		"an unclosed object is malformed":                         {[]byte(strings.TrimSuffix(basePayload(), "}")), ""},
		"invalid JSON is malformed":                               {r(`"zt":"未见异常"`, `"zt":"未见异常",,`), ""},
		"invalid UTF-8 is malformed":                              {r(`"name":`+name, "\"name\":\"\xff\xfe\""), ""},
		"a payload over 4 KiB is malformed":                       {r(`"zt":"未见异常"`, `"zt":"未见异常","pad":"`+strings.Repeat("x", 4096)+`"`), ""},
	}
	for _, claim := range []string{"cid", "zt", "t", "exp", "name", "idno"} {
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
	bjKey := w.key(t, "bj")
	for name, tc := range claimCases(t) {
		t.Run(name, func(t *testing.T) {
			c, err := w.dec.Decode(signed(t, bjKey, tc.payload), w.env)
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

// designStatus is DESIGN §9's bj-v1 vocabulary, kept here independently of
// the table so that a table edit that changes a colour fails a test.
var designStatus = map[string]mapping.Status{"未见异常": mapping.Green, "弹窗": mapping.Yellow, "居家隔离": mapping.Yellow,
	"核酸异常": mapping.Yellow, "红码": mapping.Red, "未知": mapping.Grey}

func TestStatusMapping(t *testing.T) {
	w := newWorld(t)
	bjKey := w.key(t, "bj")
	if got := w.table.Values(); len(got) != len(designStatus) {
		t.Fatalf("table values %q, DESIGN §9 has %d", got, len(designStatus))
	}
	for _, v := range w.table.Values() {
		t.Run("local value "+v+" maps as the table says", func(t *testing.T) {
			want, _ := w.table.Map(v)
			if design, ok := designStatus[v]; !ok || design != want {
				t.Fatalf("table maps %q to %s, DESIGN §9 to %s", v, want, design)
			}
			c, err := w.dec.Decode(encode(t, bjKey, claims(v)), w.env)
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
			c, err := w.dec.Decode(encode(t, bjKey, claims(v)), w.env)
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
var unknownStatuses = []string{"", "未见异常 ", " 未见异常", "未见异常\u200b", "未見異常", "未见", "正常", "绿码", "green", "10", "弹", "红", fullName}

func TestHolderMasking(t *testing.T) {
	w := newWorld(t)
	bjKey := w.key(t, "bj")
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
			c, err := w.dec.Decode(encode(t, bjKey, with(claims("未见异常"), func(c *bj.Claims) { c.Name, c.ID = tc.name, tc.id })), w.env)
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
	bjKey := w.key(t, "bj")
	codes := map[string]adapters.Env{}
	for _, tc := range decodeCases(t, w) {
		env := w.env
		if tc.env != nil {
			env = *tc.env
		}
		codes[tc.code] = env
	}
	for _, tc := range claimCases(t) {
		codes[signed(t, bjKey, tc.payload)] = w.env
	}
	for _, v := range append(w.table.Values(), unknownStatuses...) {
		codes[encode(t, bjKey, claims(v))] = w.env
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
	bjKey := w.key(t, "bj")
	tests := map[string]struct {
		signer trust.Signer
		c      bj.Claims
	}{
		"an ES256 signer":                  {w.key(t, "gd"), claims("未见异常")},
		"an empty code id":                 {bjKey, with(claims("未见异常"), func(c *bj.Claims) { c.CodeID = "" })},
		"an expiry before the status time": {bjKey, with(claims("未见异常"), func(c *bj.Claims) { c.Expires = c.StatusTime - 1 })},
		"eight days of validity":           {bjKey, with(claims("未见异常"), func(c *bj.Claims) { c.Expires = c.StatusTime + 8*24*3600 })},
		"a status time of zero":            {bjKey, with(claims("未见异常"), func(c *bj.Claims) { c.StatusTime = 0 })},
		"a name with a NUL":                {bjKey, with(claims("未见异常"), func(c *bj.Claims) { c.Name = "张\x00三丰" })},
		"an identity number too short":     {bjKey, with(claims("未见异常"), func(c *bj.Claims) { c.ID = "3301" })},
		"the identity number as code id":   {bjKey, with(claims("未见异常"), func(c *bj.Claims) { c.CodeID = fullID })},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, err := bj.Encode(tc.signer, tc.c)
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
	shipped, err := fs.ReadFile(configs.Mappings(), bj.Format+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	table := func(t *testing.T, old, new string) mapping.Tables {
		t.Helper()
		if !strings.Contains(string(shipped), old) {
			t.Fatalf("shipped table has no %q", old)
		}
		tb, err := mapping.ParseTable(bj.Format+".yaml", []byte(strings.Replace(string(shipped), old, new, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return mapping.Tables{bj.Format: tb}
	}
	tests := map[string]struct {
		tables  func(t *testing.T) mapping.Tables
		wantErr string
	}{
		"the shipped table builds the adapter": {tables: func(t *testing.T) mapping.Tables { return table(t, "", "") }},
		"a table with renamed local fields builds the adapter": {
			tables: func(t *testing.T) mapping.Tables { return table(t, "status: zt", "status: color") }},
		"no bj-v1 table refuses": {tables: func(*testing.T) mapping.Tables { return mapping.Tables{} }, wantErr: "no mapping table"},
		"a table for Guangdong's region refuses": {
			tables: func(t *testing.T) mapping.Tables { return table(t, `region: "110000"`, `region: "440000"`) }, wantErr: "region"},
		"two fields naming one local field refuse": {
			tables: func(t *testing.T) mapping.Tables { return table(t, "expires: exp", "expires: t") }, wantErr: "both name"},
	}
	for _, line := range []string{"code_id: cid", "status: zt", "status_time: t", "expires: exp", "name: name", "id: idno"} {
		national := strings.SplitN(line, ":", 2)[0]
		tests["a table without field "+national+" refuses"] = struct {
			tables  func(t *testing.T) mapping.Tables
			wantErr string
		}{tables: func(t *testing.T) mapping.Tables { return table(t, "  "+line, "") }, wantErr: fmt.Sprintf("%q", national)}
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a, err := bj.New(tc.tables(t))
			if tc.wantErr == "" {
				if err != nil || a == nil || a.Format() != bj.Format {
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
	shipped, err := fs.ReadFile(configs.Mappings(), bj.Format+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	tb, err := mapping.ParseTable(bj.Format+".yaml", []byte(strings.Replace(string(shipped), "status: zt", "status: color", 1)))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := bj.New(mapping.Tables{bj.Format: tb})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	bjKey := w.key(t, "bj")
	if _, err := dec.Decode(encode(t, bjKey, claims("未见异常")), w.env); mapping.ReasonOf(err) != mapping.Malformed || !strings.Contains(err.Error(), `"color"`) {
		t.Fatalf("a code without the renamed claim: %v", err)
	}
	c, err := dec.Decode(signed(t, bjKey, replace(t, `"zt":"未见异常"`, `"color":"红码"`)), w.env)
	if err != nil || c.Status != mapping.Red {
		t.Fatalf("code %v, err %v", c, err)
	}
}
