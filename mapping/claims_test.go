package mapping_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// iat is 2026-11-23T08:00:00Z, the time of DESIGN §4's example.
var iat = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC).Unix()

const week = int64(7 * 24 * 60 * 60)

// claim is one member of a claims object, its value as raw JSON.
type claim struct{ key, raw string }

// baseClaims is a valid claims object, in DESIGN §3 order.
func baseClaims() []claim {
	return []claim{
		{"v", `1`},
		{"iss", `"000000"`},
		{"org", `"330000"`},
		{"jti", `"01J9Z-code_1"`},
		{"iat", itoa(iat)},
		{"exp", itoa(iat + 3600)},
		{"st", `"green"`},
		{"sa", itoa(iat - 300)},
		{"hn", `"张*三"`},
		{"hid", `"3301**********1234"`},
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// edit is a change to a claims object.
type edit func([]claim) []claim

// set replaces the raw value of key, or appends key when it is absent.
func set(key, raw string) edit {
	return func(cs []claim) []claim {
		for i := range cs {
			if cs[i].key == key {
				cs[i].raw = raw
				return cs
			}
		}
		return append(cs, claim{key, raw})
	}
}

// drop removes key.
func drop(key string) edit {
	return func(cs []claim) []claim {
		out := cs[:0]
		for _, c := range cs {
			if c.key != key {
				out = append(out, c)
			}
		}
		return out
	}
}

// add appends key even when it is present (a duplicate).
func add(key, raw string) edit {
	return func(cs []claim) []claim { return append(cs, claim{key, raw}) }
}

// payload renders the base claims with edits applied. A key that is already
// JSON (starts with a quote) is written as it is.
func payload(edits ...edit) []byte {
	cs := baseClaims()
	for _, e := range edits {
		cs = e(cs)
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range cs {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.HasPrefix(c.key, `"`) {
			b.WriteString(c.key)
		} else {
			k, _ := json.Marshal(c.key)
			b.Write(k)
		}
		b.WriteByte(':')
		b.WriteString(c.raw)
	}
	b.WriteByte('}')
	return []byte(b.String())
}

func TestParseClaimsAccepts(t *testing.T) {
	five, zero, twenty := 5, 0, 20
	tests := map[string]struct {
		payload []byte
		check   func(*mapping.Claims) bool
	}{
		"the base claims": {payload(), func(c *mapping.Claims) bool {
			return reflect.DeepEqual(*c, mapping.Claims{V: 1, Iss: "000000", Org: "330000", JTI: "01J9Z-code_1",
				IAT: iat, EXP: iat + 3600, St: mapping.Green, SA: iat - 300, HN: "张*三", HID: "3301**********1234"})
		}},
		"a nucleic-acid test and vaccine doses": {payload(set("nat", `{"r":"negative","t":`+itoa(iat-86400)+`}`), set("vac", "5")),
			func(c *mapping.Claims) bool {
				return reflect.DeepEqual(c.NAT, &mapping.NAT{Result: "negative", Time: iat - 86400}) && reflect.DeepEqual(c.Vac, &five)
			}},
		"a positive test": {payload(set("nat", `{"t":`+itoa(iat)+`,"r":"positive"}`)), func(c *mapping.Claims) bool { return c.NAT.Result == mapping.NATPositive }},
		"zero vaccine doses are present, not absent": {payload(set("vac", "0")), func(c *mapping.Claims) bool { return reflect.DeepEqual(c.Vac, &zero) }},
		"twenty vaccine doses":                       {payload(set("vac", "20")), func(c *mapping.Claims) bool { return reflect.DeepEqual(c.Vac, &twenty) }},
		"absent optional claims stay nil":            {payload(), func(c *mapping.Claims) bool { return c.NAT == nil && c.Vac == nil }},
		"claims in any order": {[]byte(`{"hid":"3301**********1234","hn":"张*三","sa":` + itoa(iat) + `,"st":"red","exp":` + itoa(iat+60) +
			`,"iat":` + itoa(iat) + `,"jti":"a","org":"440000","iss":"440000","v":1}`), func(c *mapping.Claims) bool { return c.St == mapping.Red }},
		"white space around and inside":                   {[]byte(" \n{ \"v\" : 1 ," + string(payload(drop("v")))[1:] + "\n\t "), func(c *mapping.Claims) bool { return c.V == 1 }},
		"unicode escapes in strings":                      {payload(set("hn", `"\u5f20*\u4e09"`)), func(c *mapping.Claims) bool { return c.HN == "张*三" }},
		"exactly seven days of validity":                  {payload(set("exp", itoa(iat+week))), func(c *mapping.Claims) bool { return c.EXP-c.IAT == week }},
		"a status computed 60 s after issue (clock skew)": {payload(set("sa", itoa(iat+60))), func(c *mapping.Claims) bool { return c.SA == iat+60 }},
		"a one-character name":                            {payload(set("hn", `"张"`)), func(c *mapping.Claims) bool { return c.HN == "张" }},
		"a masked passport":                               {payload(set("hid", `"E1*****78"`)), func(c *mapping.Claims) bool { return c.HID == "E1*****78" }},
		"a 64-character jti":                              {payload(set("jti", `"`+strings.Repeat("A", 64)+`"`)), func(c *mapping.Claims) bool { return len(c.JTI) == 64 }},
		"grey status":                                     {payload(set("st", `"grey"`)), func(c *mapping.Claims) bool { return c.St == mapping.Grey }},
		"yellow status":                                   {payload(set("st", `"yellow"`)), func(c *mapping.Claims) bool { return c.St == mapping.Yellow }},
		"minus zero is the integer zero":                  {payload(set("vac", "-0")), func(c *mapping.Claims) bool { return *c.Vac == 0 }},
		"an itinerary with a star": {payload(set("it", `{"r":["310000","420100"],"star":true,"t":`+itoa(iat-60)+`}`)), func(c *mapping.Claims) bool {
			return reflect.DeepEqual(c.IT, &mapping.Itinerary{Regions: []string{"310000", "420100"}, Star: true, Time: iat - 60})
		}},
		"an itinerary without a star, no regions": {payload(set("it", `{"star":false,"r":[],"t":`+itoa(iat)+`}`)), func(c *mapping.Claims) bool {
			return c.IT != nil && !c.IT.Star && len(c.IT.Regions) == 0
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := mapping.ParseClaims(tc.payload)
			if err != nil {
				t.Fatalf("ParseClaims(%s): %v", tc.payload, err)
			}
			if !tc.check(c) {
				t.Errorf("ParseClaims(%s) = %+v", tc.payload, *c)
			}
		})
	}
}

func TestParseClaimsRefuses(t *testing.T) {
	deep := strings.Repeat("[", 1500) + strings.Repeat("]", 1500)
	unclosed := strings.Repeat("[{", 1900)
	tests := map[string]struct {
		payload []byte
		want    string // in the detail
	}{
		// The document as a whole.
		"an empty payload":                       {[]byte(""), "claims: empty payload"},
		"white space only":                       {[]byte(" \n "), "claims: empty payload"},
		"a top-level array":                      {[]byte(`[` + string(payload()) + `]`), "claims: must be a JSON object, not an array"},
		"a top-level string":                     {[]byte(`"claims"`), "claims: must be a JSON object, not a string"},
		"a top-level number":                     {[]byte(`1`), "claims: must be a JSON object, not a number"},
		"a top-level null":                       {[]byte(`null`), "claims: must be a JSON object, not null"},
		"trailing garbage":                       {append(payload(), "x"...), "claims: trailing data"},
		"a second object":                        {append(payload(), "{}"...), "claims: trailing data"},
		"a second closing brace":                 {append(payload(), "}"...), "claims: trailing data"},
		"a truncated object":                     {payload()[:len(payload())-1], "claims: unexpected end of JSON"},
		"a trailing comma":                       {[]byte(strings.TrimSuffix(string(payload()), "}") + ",}"), "claims: invalid JSON at byte"},
		"a missing colon":                        {[]byte(`{"v" 1}`), `claim "v": invalid JSON at byte 5`},
		"single quotes":                          {[]byte(`{'v':1}`), "claims: invalid JSON at byte 1"},
		"a byte order mark":                      {append([]byte("\ufeff"), payload()...), "claims: invalid JSON at byte"},
		"invalid UTF-8 in a string":              {payload(set("hn", "\"张\xff\"")), "claims: invalid UTF-8"},
		"invalid UTF-8 in a key":                 {payload(set("\"\xff\"", "1")), "claims: invalid UTF-8"},
		"a payload over 4 KiB":                   {payload(set("jti", `"`+strings.Repeat("a", 4096)+`"`)), "claims: payload larger than 4096 bytes"},
		"a leading zero is not JSON":             {payload(set("v", "01")), "claims: invalid JSON at byte"},
		"an unknown claim":                       {payload(set("aud", `"x"`)), `claim "aud": unknown claim`},
		"a claim differing only in case":         {payload(set("V", "1")), `claim "V": unknown claim`},
		"an unknown claim deeply nested":         {payload(set("x", deep)), `claim "x": unknown claim`},
		"a duplicate claim":                      {payload(add("st", `"red"`)), `claim "st": duplicate`},
		"a duplicate claim spelled with escapes": {payload(add(`"\u0073t"`, `"red"`)), `claim "st": duplicate`},
		"a long unknown claim name is shortened": {payload(set(strings.Repeat("k", 100), "1")), `claim "` + strings.Repeat("k", 32) + `\u2026": unknown claim`},
		"an unclosed nest in an unknown claim":   {payload(set("x", unclosed)), `claim "x": unknown claim`},
		"an unclosed nest in a known claim":      {payload(set("hn", unclosed)), `claim "hn.0": invalid JSON at byte`},
		"a deeply nested known claim":            {payload(set("v", deep)), `claim "v": must be an integer, not an array`},

		// One claim's JSON type.
		"a string where an integer is expected":    {payload(set("exp", `"`+itoa(iat+60)+`"`)), `claim "exp": must be an integer, not a string`},
		"a float where an integer is expected":     {payload(set("iat", itoa(iat)+".0")), `claim "iat": must be an integer, without fraction or exponent`},
		"an exponent where an integer is expected": {payload(set("sa", "1.7e9")), `claim "sa": must be an integer, without fraction or exponent`},
		"an integer-valued exponent":               {payload(set("v", "1e0")), `claim "v": must be an integer, without fraction or exponent`},
		"a number beyond int64":                    {payload(set("exp", "9223372036854775808")), `claim "exp": integer out of range`},
		"a number below int64":                     {payload(set("iat", "-9223372036854775809")), `claim "iat": integer out of range`},
		"a huge number":                            {payload(set("vac", strings.Repeat("9", 400))), `claim "vac": integer out of range`},
		"null where an integer is expected":        {payload(set("v", "null")), `claim "v": must be an integer, not null`},
		"a boolean where an integer is expected":   {payload(set("vac", "true")), `claim "vac": must be an integer, not a boolean`},
		"an object where an integer is expected":   {payload(set("sa", "{}")), `claim "sa": must be an integer, not an object`},
		"a number where a string is expected":      {payload(set("iss", "330000")), `claim "iss": must be a string, not a number`},
		"null where a string is expected":          {payload(set("hn", "null")), `claim "hn": must be a string, not null`},
		"an array where a string is expected":      {payload(set("hid", `["3301**********1234"]`)), `claim "hid": must be a string, not an array`},
		"a boolean status":                         {payload(set("st", "true")), `claim "st": must be a string, not a boolean`},
		"a string test":                            {payload(set("nat", `"negative"`)), `claim "nat": must be an object, not a string`},
		"a null test":                              {payload(set("nat", `null`)), `claim "nat": must be an object, not null`},
		"an array test":                            {payload(set("nat", `[]`)), `claim "nat": must be an object, not an array`},
		"a test with an extra member":              {payload(set("nat", `{"r":"negative","t":1,"lab":"x"}`)), `claim "nat.lab": unknown claim`},
		"a test without a result":                  {payload(set("nat", `{"t":`+itoa(iat)+`}`)), `claim "nat.r": missing`},
		"an itinerary without its star":            {payload(set("it", `{"r":["310000"],"t":`+itoa(iat)+`}`)), `claim "it.star": missing`},
		"an itinerary without regions":             {payload(set("it", `{"star":true,"t":`+itoa(iat)+`}`)), `claim "it.r": missing`},
		"an itinerary without its time":            {payload(set("it", `{"r":[],"star":true}`)), `claim "it.t": missing`},
		"an itinerary with a null star":            {payload(set("it", `{"r":[],"star":null,"t":`+itoa(iat)+`}`)), `claim "it.star": must be a boolean, not null`},
		"an itinerary star as a string":            {payload(set("it", `{"r":[],"star":"true","t":`+itoa(iat)+`}`)), `claim "it.star": must be a boolean, not a string`},
		"an itinerary region not of six digits":    {payload(set("it", `{"r":["31000"],"star":false,"t":`+itoa(iat)+`}`)), `claim "it.r": every region is six digits`},
		"an itinerary of 33 regions":               {payload(set("it", `{"r":[`+strings.TrimSuffix(strings.Repeat(`"310000",`, 33), ",")+`],"star":false,"t":`+itoa(iat)+`}`)), `claim "it.r": at most 32 regions`},
		"an itinerary with an unknown member":      {payload(set("it", `{"r":[],"star":false,"t":`+itoa(iat)+`,"city":"x"}`)), `claim "it.city": unknown claim`},
		"an itinerary member in another case":      {payload(set("it", `{"r":[],"Star":true,"star":false,"t":`+itoa(iat)+`}`)), `claim "it.Star": unknown claim`},
		"an itinerary star given twice":            {payload(set("it", `{"r":[],"star":false,"st\u0061r":true,"t":`+itoa(iat)+`}`)), `claim "it.star": duplicate`},
		"an itinerary computed after the code":     {payload(set("it", `{"r":[],"star":false,"t":`+itoa(iat+3600)+`}`)), `claim "it.t": more than 60 s after "iat"`},
		"a null itinerary":                         {payload(set("it", `null`)), `claim "it": must be an object, not null`},
		"a test without a time":                    {payload(set("nat", `{"r":"negative"}`)), `claim "nat.t": missing`},
		"an empty test":                            {payload(set("nat", `{}`)), `claim "nat.r": missing`},
		"a test with a duplicate result":           {payload(set("nat", `{"r":"negative","r":"positive","t":1}`)), `claim "nat.r": duplicate`},
		"a test with a duplicate time":             {payload(set("nat", `{"r":"negative","t":1,"t":2}`)), `claim "nat.t": duplicate`},
		"a test time as a float":                   {payload(set("nat", `{"r":"negative","t":1.5}`)), `claim "nat.t": must be an integer, without fraction`},
		"a test result as a number":                {payload(set("nat", `{"r":0,"t":1}`)), `claim "nat.r": must be a string, not a number`},
		"a test nested inside the test":            {payload(set("nat", `{"r":{"r":"negative"},"t":1}`)), `claim "nat.r": must be a string, not an object`},
		"a truncated test":                         {[]byte(strings.TrimSuffix(string(payload()), "}") + `,"nat":{"r":"negative"`), "claims: unexpected end of JSON"},

		// Missing claims, in DESIGN §3 order.
		"a missing v":   {payload(drop("v")), `claim "v": missing`},
		"a missing iss": {payload(drop("iss")), `claim "iss": missing`},
		"a missing org": {payload(drop("org")), `claim "org": missing`},
		"a missing jti": {payload(drop("jti")), `claim "jti": missing`},
		"a missing iat": {payload(drop("iat")), `claim "iat": missing`},
		"a missing exp": {payload(drop("exp")), `claim "exp": missing`},
		"a missing st":  {payload(drop("st")), `claim "st": missing`},
		"a missing sa":  {payload(drop("sa")), `claim "sa": missing`},
		"a missing hn":  {payload(drop("hn")), `claim "hn": missing`},
		"a missing hid": {payload(drop("hid")), `claim "hid": missing`},
		"an empty object reports the first claim": {[]byte(`{}`), `claim "v": missing`},

		// Values (Validate, reached through ParseClaims).
		"version 2":                          {payload(set("v", "2")), `claim "v": must be 1, not 2`},
		"version 2^32+1 does not wrap to 1":  {payload(set("v", "4294967297")), `claim "v": must be 1`},
		"a five-digit issuer":                {payload(set("iss", `"33000"`)), `claim "iss": must be a region code`},
		"an org with a letter":               {payload(set("org", `"33000A"`)), `claim "org": must be a region code`},
		"an empty jti":                       {payload(set("jti", `""`)), `claim "jti": must be 1 to 64`},
		"a 65-character jti":                 {payload(set("jti", `"`+strings.Repeat("a", 65)+`"`)), `claim "jti": must be 1 to 64`},
		"a jti with a dot":                   {payload(set("jti", `"a.b"`)), `claim "jti": must be 1 to 64`},
		"an upper-case status":               {payload(set("st", `"GREEN"`)), `claim "st": must be green, yellow, red or grey`},
		"a local status value":               {payload(set("st", `"G"`)), `claim "st": must be green, yellow, red or grey`},
		"seven days and one second":          {payload(set("exp", itoa(iat+week+1))), `claim "exp": 604801 s after "iat", more than the 604800 s allowed`},
		"an expiry before issue":             {payload(set("exp", itoa(iat-1))), `claim "exp": must be after "iat"`},
		"an expiry equal to issue":           {payload(set("exp", itoa(iat))), `claim "exp": must be after "iat"`},
		"a status computed 61 s after issue": {payload(set("sa", itoa(iat+61))), `claim "sa": more than 60 s after "iat"`},
		"a zero issue time":                  {payload(set("iat", "0")), `claim "iat": must be a unix time`},
		"an issue time after year 9999":      {payload(set("iat", "253402300800"), set("exp", "253402300900")), `claim "iat": must be a unix time`},
		"a negative status time":             {payload(set("sa", "-1")), `claim "sa": must be a unix time`},
		"an unmasked name":                   {payload(set("hn", `"张小三"`)), `claim "hn": must be a masked name`},
		"an unmasked identity number":        {payload(set("hid", `"330102199001011234"`)), `claim "hid": must be a masked identity number`},
		"an empty name":                      {payload(set("hn", `""`)), `claim "hn": must be a masked name`},
		"a name with an escaped NUL":         {payload(set("hn", `"张\u0000"`)), `claim "hn": must be a masked name`},
		"a name with a lone surrogate":       {payload(set("hn", `"\ud800*"`)), `claim "hn": invalid JSON at byte`},
		"a masked number with lower-case x":  {payload(set("hid", `"1101**********002x"`)), `claim "hid": must be a masked identity number`},
		"a test result in Chinese":           {payload(set("nat", `{"r":"阴性","t":1}`)), `claim "nat.r": must be "negative" or "positive"`},
		"a test at time zero":                {payload(set("nat", `{"r":"negative","t":0}`)), `claim "nat.t": must be a unix time`},
		"a test taken 61 s after issue":      {payload(set("nat", `{"r":"negative","t":`+itoa(iat+61)+`}`)), `claim "nat.t": more than 60 s after "iat"`},
		"21 vaccine doses":                   {payload(set("vac", "21")), `claim "vac": must be 0 to 20, not 21`},
		"negative vaccine doses":             {payload(set("vac", "-1")), `claim "vac": must be 0 to 20, not -1`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := mapping.ParseClaims(tc.payload)
			if err == nil {
				t.Fatalf("ParseClaims(%.200s) = %+v, want an error", tc.payload, *c)
			}
			if c != nil {
				t.Errorf("ParseClaims returned claims with its error")
			}
			var p *fault.Error
			if !errors.As(err, &p) || p.Kind != fault.Malformed {
				t.Fatalf("error %v (%T), want a *fault.Error with reason malformed", err, err)
			}
			if !strings.Contains(p.Message, tc.want) {
				t.Errorf("detail %q, want it to contain %q", p.Message, tc.want)
			}
			for _, secret := range []string{"张小三", "330102199001011234", "张*三", "3301**********1234", "阴性"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains a claim value %q", err, secret)
				}
			}
		})
	}
}

// TestParseClaimsTypeMatrix tries every wrong JSON type on every claim.
func TestParseClaimsTypeMatrix(t *testing.T) {
	notInts := map[string]string{
		`"1"`: "must be an integer, not a string", `null`: "must be an integer, not null",
		`true`: "must be an integer, not a boolean", `[]`: "must be an integer, not an array",
		`{}`: "must be an integer, not an object", `1.5`: "must be an integer, without fraction or exponent",
		`1.0`: "must be an integer, without fraction or exponent", `1e3`: "must be an integer, without fraction or exponent",
		`1E+3`: "must be an integer, without fraction or exponent", `-1e-3`: "must be an integer, without fraction or exponent",
		`18446744073709551616`: "integer out of range",
	}
	notStrings := map[string]string{
		`1`: "must be a string, not a number", `null`: "must be a string, not null", `false`: "must be a string, not a boolean",
		`["a"]`: "must be a string, not an array", `{"a":"b"}`: "must be a string, not an object",
	}
	natWith := func(member, raw string) string {
		if member == "r" {
			return `{"r":` + raw + `,"t":1}`
		}
		return `{"r":"negative","t":` + raw + `}`
	}
	for _, key := range []string{"v", "iat", "exp", "sa", "vac", "nat.t"} {
		for raw, want := range notInts {
			p := payload(set(key, raw))
			if key == "nat.t" {
				p = payload(set("nat", natWith("t", raw)))
			}
			assertDetail(t, p, `claim "`+key+`": `+want)
		}
	}
	for _, key := range []string{"iss", "org", "jti", "st", "hn", "hid", "nat.r"} {
		for raw, want := range notStrings {
			p := payload(set(key, raw))
			if key == "nat.r" {
				p = payload(set("nat", natWith("r", raw)))
			}
			assertDetail(t, p, `claim "`+key+`": `+want)
		}
	}
}

func assertDetail(t *testing.T, payload []byte, want string) {
	t.Helper()
	_, err := mapping.ParseClaims(payload)
	var p *fault.Error
	if !errors.As(err, &p) || p.Kind != fault.Malformed || !strings.Contains(p.Message, want) {
		t.Errorf("ParseClaims(%s) = %v, want malformed %q", payload, err, want)
	}
}

// validClaims is a Claims built in code, as an issuer builds it before signing.
func validClaims() *mapping.Claims {
	vac := 3
	return &mapping.Claims{V: 1, Iss: "310000", Org: "310000", JTI: "c-1", IAT: iat, EXP: iat + 3600,
		St: mapping.Yellow, SA: iat - 60, HN: "欧**娜", HID: "1101**********002X",
		NAT: &mapping.NAT{Result: mapping.NATNegative, Time: iat - 3600}, Vac: &vac}
}

func TestValidate(t *testing.T) {
	tests := map[string]struct {
		edit func(*mapping.Claims)
		want string // "" for no error
	}{
		"valid claims pass":                                        {func(c *mapping.Claims) {}, ""},
		"no optional claims pass":                                  {func(c *mapping.Claims) { c.NAT, c.Vac = nil, nil }, ""},
		"exactly seven days pass":                                  {func(c *mapping.Claims) { c.EXP = c.IAT + int64(mapping.MaxValidity/time.Second) }, ""},
		"seven days and one second fail":                           {func(c *mapping.Claims) { c.EXP = c.IAT + int64(mapping.MaxValidity/time.Second) + 1 }, `claim "exp": 604801 s after "iat"`},
		"one second of validity passes":                            {func(c *mapping.Claims) { c.EXP = c.IAT + 1 }, ""},
		"a status 60 s after issue passes":                         {func(c *mapping.Claims) { c.SA = c.IAT + 60 }, ""},
		"a status 61 s after issue fails":                          {func(c *mapping.Claims) { c.SA = c.IAT + 61 }, `claim "sa": more than 60 s after "iat"`},
		"a status near the end of time does not overflow":          {func(c *mapping.Claims) { c.SA = 1<<63 - 1 }, `claim "sa": must be a unix time`},
		"an issue time near the end of time does not overflow":     {func(c *mapping.Claims) { c.IAT, c.EXP = 1<<63-2, 1<<63-1 }, `claim "iat": must be a unix time`},
		"the last second of year 9999 passes":                      {func(c *mapping.Claims) { c.IAT, c.EXP, c.SA, c.NAT.Time = 253402300798, 253402300799, 253402300798, 1 }, ""},
		"the zero Claims fail on the version":                      {func(c *mapping.Claims) { *c = mapping.Claims{} }, `claim "v": must be 1, not 0`},
		"the national region may be org":                           {func(c *mapping.Claims) { c.Iss, c.Org = mapping.NationalRegion, mapping.NationalRegion }, ""},
		"org may differ from iss (scope is the registry's)":        {func(c *mapping.Claims) { c.Iss = mapping.NationalRegion }, ""},
		"a bad issuer fails":                                       {func(c *mapping.Claims) { c.Iss = "31000" }, `claim "iss"`},
		"a bad org fails":                                          {func(c *mapping.Claims) { c.Org = "" }, `claim "org"`},
		"a jti with a space fails":                                 {func(c *mapping.Claims) { c.JTI = "a b" }, `claim "jti"`},
		"a jti with non-ASCII fails":                               {func(c *mapping.Claims) { c.JTI = "码" }, `claim "jti"`},
		"a negative issue time fails":                              {func(c *mapping.Claims) { c.IAT = -5 }, `claim "iat"`},
		"a zero expiry fails":                                      {func(c *mapping.Claims) { c.EXP = 0 }, `claim "exp": must be a unix time`},
		"an empty status fails":                                    {func(c *mapping.Claims) { c.St = "" }, `claim "st"`},
		"a zero status time fails":                                 {func(c *mapping.Claims) { c.SA = 0 }, `claim "sa": must be a unix time`},
		"a full name fails (privacy)":                              {func(c *mapping.Claims) { c.HN = "欧阳娜娜" }, `claim "hn": must be a masked name`},
		"a full number fails (privacy)":                            {func(c *mapping.Claims) { c.HID = "11010519491231002X" }, `claim "hid": must be a masked identity number`},
		"a full passport fails (privacy)":                          {func(c *mapping.Claims) { c.HID = "E12345678" }, `claim "hid"`},
		"an empty name fails":                                      {func(c *mapping.Claims) { c.HN = "" }, `claim "hn"`},
		"an empty number fails":                                    {func(c *mapping.Claims) { c.HID = "" }, `claim "hid"`},
		"an unknown test result fails":                             {func(c *mapping.Claims) { c.NAT.Result = "" }, `claim "nat.r"`},
		"a test without a time fails":                              {func(c *mapping.Claims) { c.NAT.Time = 0 }, `claim "nat.t": must be a unix time`},
		"a test 60 s after issue passes":                           {func(c *mapping.Claims) { c.NAT.Time = c.IAT + 60 }, ""},
		"a test 61 s after issue fails":                            {func(c *mapping.Claims) { c.NAT.Time = c.IAT + 61 }, `claim "nat.t"`},
		"a test near the end of time does not overflow":            {func(c *mapping.Claims) { c.NAT.Time = 1<<63 - 1 }, `claim "nat.t"`},
		"zero doses pass":                                          {func(c *mapping.Claims) { *c.Vac = 0 }, ""},
		"twenty doses pass":                                        {func(c *mapping.Claims) { *c.Vac = 20 }, ""},
		"twenty-one doses fail":                                    {func(c *mapping.Claims) { *c.Vac = 21 }, `claim "vac": must be 0 to 20, not 21`},
		"negative doses fail":                                      {func(c *mapping.Claims) { *c.Vac = -1 }, `claim "vac"`},
		"an expiry long past passes (the clock is the verifier's)": {func(c *mapping.Claims) { c.IAT, c.EXP, c.SA, c.NAT.Time = 1, 2, 1, 1 }, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := validClaims()
			tc.edit(c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var p *fault.Error
			if !errors.As(err, &p) || p.Kind != fault.Malformed {
				t.Fatalf("Validate = %v, want a *fault.Error with reason malformed", err)
			}
			if !strings.Contains(p.Message, tc.want) {
				t.Errorf("detail %q, want it to contain %q", p.Message, tc.want)
			}
			for _, secret := range []string{c.HN, c.HID} {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains a holder value", err)
				}
			}
		})
	}
}

func TestValidateNilClaims(t *testing.T) {
	var c *mapping.Claims
	if fault.ReasonOf(c.Validate()) != fault.Malformed {
		t.Error("nil claims validate")
	}
}

// TestClaimsRoundTrip checks that what encoding/json writes for valid Claims
// is what ParseClaims reads back, so an issuer may marshal with encoding/json.
func TestClaimsRoundTrip(t *testing.T) {
	tests := map[string]struct {
		c *mapping.Claims
	}{
		"with optional claims": {validClaims()},
		"without optional claims": {func() *mapping.Claims {
			c := validClaims()
			c.NAT, c.Vac = nil, nil
			return c
		}()},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			got, err := mapping.ParseClaims(b)
			if err != nil {
				t.Fatalf("ParseClaims(%s): %v", b, err)
			}
			if !reflect.DeepEqual(got, tc.c) {
				t.Errorf("round trip: got %+v, want %+v", got, tc.c)
			}
		})
	}
}
