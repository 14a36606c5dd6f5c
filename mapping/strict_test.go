package mapping_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// msg is a message of every member type DecodeStrict reads.
type msg struct {
	S   string         `json:"st"`
	Sta mapping.Status `json:"status"`
	N   int64          `json:"n"`
	I   int            `json:"i"`
	B   bool           `json:"b"`
	L   []string       `json:"l"`
	P   *int           `json:"p"`
	O   *mapping.NAT   `json:"o"`
	R   jsontext.Value `json:"raw"`
}

var (
	closedMsg = mapping.Strict{What: "msg", Noun: "member", Closed: true}
	openMsg   = mapping.Strict{What: "msg", Noun: "member"}
)

func TestDecodeStrictClasses(t *testing.T) {
	tests := map[string]struct {
		in   string
		o    mapping.Strict
		want string // in the detail; "" to accept
	}{
		// Member names match exactly, in case.
		"a case variant beside the member, closed":   {`{"st":"red","St":"green"}`, closedMsg, `member "St": unknown member`},
		"a case variant alone, closed":               {`{"ST":"green"}`, closedMsg, `member "ST": unknown member`},
		"a case variant beside the member, open":     {`{"st":"red","St":"green"}`, openMsg, ""},
		"a case variant of a nested member, closed":  {`{"o":{"r":"negative","t":1,"R":"positive"}}`, closedMsg, `member "o.R": unknown member`},
		"a case variant folded by the caller's rule": {`{"st":"red","St":"green"}`, mapping.Strict{What: "msg", Noun: "member", Fold: []string{"st"}}, `member "st": another member differs from it only in case`},
		"a case variant in a raw member is kept":     {`{"raw":{"a":1,"A":2}}`, closedMsg, ""},

		// A name that appears twice is refused, however it is spelled.
		"a duplicate":                          {`{"st":"red","st":"green"}`, closedMsg, `member "st": duplicate`},
		"a duplicate through an escape":        {`{"st":"red","s\u0074":"green"}`, closedMsg, `member "st": duplicate`},
		"a duplicate with both names escaped":  {`{"\u0073t":"red","s\u0074":"green"}`, openMsg, `member "st": duplicate`},
		"a duplicate through a solidus escape": {`{"a/b":1,"a\/b":2}`, openMsg, `member "a/b": duplicate`},
		"a duplicate of an unknown member":     {`{"x":1,"x":2}`, openMsg, `member "x": duplicate`},
		"a duplicate nested in a raw member":   {`{"raw":{"a":1,"\u0061":2}}`, closedMsg, `member "raw.a": duplicate`},
		"a duplicate inside an ignored member": {`{"x":{"y":[{"k":1,"k":2}]}}`, openMsg, `member "x.y.0.k": duplicate`},
		"an unnamed duplicate is not repeated": {`{"x":1,"x":2}`, mapping.Strict{What: "msg", Named: func(string) bool { return false }}, "msg: a member appears twice"},
		"the same name in two objects is fine": {`{"o":{"r":"negative","t":1},"raw":{"r":1}}`, closedMsg, ""},

		// Unknown members, where the contract names them all.
		"an unknown member, closed": {`{"st":"red","x":1}`, closedMsg, `member "x": unknown member`},
		"an unknown member, open":   {`{"st":"red","x":1}`, openMsg, ""},
		"an unknown nested member":  {`{"o":{"r":"negative","t":1,"lab":"x"}}`, closedMsg, `member "o.lab": unknown member`},
		"a long unknown name is shortened": {`{"` + strings.Repeat("k", 40) + `":1}`, closedMsg,
			`member "` + strings.Repeat("k", 32) + `\u2026": unknown member`},

		// Invalid UTF-8 is refused, anywhere.
		"invalid UTF-8 in a value":            {"{\"st\":\"\xff\"}", closedMsg, "msg: invalid UTF-8"},
		"invalid UTF-8 in a name":             {"{\"s\xfft\":1}", openMsg, "msg: invalid UTF-8"},
		"invalid UTF-8 in an ignored member":  {"{\"x\":[\"\xc3\"]}", openMsg, "msg: invalid UTF-8"},
		"invalid UTF-8 in a raw member":       {"{\"raw\":\"\xed\xa0\x80\"}", closedMsg, "msg: invalid UTF-8"},
		"an overlong encoding":                {"{\"st\":\"\xc0\xaf\"}", closedMsg, "msg: invalid UTF-8"},
		"a lone surrogate escape":             {`{"st":"\ud800"}`, closedMsg, `member "st": invalid JSON at byte`},
		"a reversed surrogate pair":           {`{"st":"\udc00\ud800"}`, closedMsg, `member "st": invalid JSON at byte`},
		"a surrogate pair is a character":     {`{"st":"\ud83d\ude00"}`, closedMsg, ""},
		"a byte order mark before the object": {"\ufeff{}", closedMsg, "msg: invalid JSON at byte 0"},

		// Types and null.
		"null for a string":           {`{"st":null}`, closedMsg, `member "st": must be a string, not null`},
		"null for a named string":     {`{"status":null}`, closedMsg, `member "status": must be a string, not null`},
		"null for an integer":         {`{"n":null}`, closedMsg, `member "n": must be an integer, not null`},
		"null for a boolean":          {`{"b":null}`, closedMsg, `member "b": must be a boolean, not null`},
		"null for a list":             {`{"l":null}`, closedMsg, `member "l": must be an array, not null`},
		"null in a list":              {`{"l":["a",null]}`, closedMsg, `member "l.1": must be a string, not null`},
		"null for an optional":        {`{"p":null}`, closedMsg, `member "p": must be an integer, not null`},
		"null for an object":          {`{"o":null}`, closedMsg, `member "o": must be an object, not null`},
		"null in a raw member stays":  {`{"raw":null}`, closedMsg, ""},
		"null in an ignored member":   {`{"x":null}`, openMsg, ""},
		"a top-level null":            {`null`, closedMsg, "msg: must be a JSON object, not null"},
		"a top-level array":           {`[]`, closedMsg, "msg: must be a JSON object, not an array"},
		"a number for a string":       {`{"st":1}`, closedMsg, `member "st": must be a string, not a number`},
		"a string for an integer":     {`{"n":"1"}`, closedMsg, `member "n": must be an integer, not a string`},
		"a fraction for an integer":   {`{"n":1.0}`, closedMsg, `member "n": must be an integer, without fraction or exponent`},
		"an exponent for an integer":  {`{"i":1e0}`, closedMsg, `member "i": must be an integer, without fraction or exponent`},
		"an integer out of range":     {`{"n":9223372036854775808}`, closedMsg, `member "n": integer out of range`},
		"a boolean for a list":        {`{"l":true}`, closedMsg, `member "l": must be an array, not a boolean`},
		"a string for a boolean":      {`{"b":"true"}`, closedMsg, `member "b": must be a boolean, not a string`},
		"trailing data":               {`{} {}`, closedMsg, "msg: trailing data after the JSON value"},
		"a trailing comma":            {`{"st":"a",}`, closedMsg, "msg: invalid JSON at byte"},
		"a truncated object":          {`{"st":"a"`, closedMsg, "msg: unexpected end of JSON"},
		"an empty payload":            {` `, closedMsg, "msg: empty payload"},
		"a message of every type":     {`{"st":"a","status":"green","n":-1,"i":2,"b":false,"l":[],"p":0,"o":{"r":"x","t":3},"raw":[1]}`, closedMsg, ""},
		"a value is never repeated":   {`{"st":"3301021990010112","n":"330102199001011234"}`, closedMsg, `member "n": must be an integer, not a string`},
		"an unclosed nest in a value": {`{"st":` + strings.Repeat(`[`, 3000), closedMsg, "unexpected end of JSON"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var m msg
			err := mapping.DecodeStrict([]byte(tc.in), &m, tc.o)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("DecodeStrict(%q) = %v, want it accepted", tc.in, err)
				}
				return
			}
			var p *fault.Error
			if !errors.As(err, &p) || p.Kind != fault.Malformed {
				t.Fatalf("DecodeStrict(%q) = %v (%T), want a malformed *fault.Error", tc.in, err, err)
			}
			if !strings.Contains(p.Message, tc.want) {
				t.Errorf("detail %q, want it to contain %q", p.Message, tc.want)
			}
			for _, secret := range []string{"330102199001011234", "red", "green", "negative"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q repeats a value %q", err, secret)
				}
			}
		})
	}
}

// TestDecodeStrictReadsExactNames: in an open message, a case variant is
// another member, never the one read.
func TestDecodeStrictReadsExactNames(t *testing.T) {
	for _, in := range []string{`{"st":"red","St":"green"}`, `{"St":"green","st":"red"}`, `{"ST":"green","st":"red","sT":"green"}`} {
		var m msg
		if err := mapping.DecodeStrict([]byte(in), &m, openMsg); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if m.S != "red" {
			t.Errorf("%s read st %q, want red", in, m.S)
		}
	}
}

// TestDecodeStrictRefusesLooseTargets: a target whose tags fold case or
// take members nothing names, or that cannot hold JSON, is refused before
// any input is.
func TestDecodeStrictRefusesLooseTargets(t *testing.T) {
	type folded struct {
		S string `json:"st,case:ignore"`
	}
	type inline struct {
		Rest map[string]jsontext.Value `json:",unknown"`
	}
	type loose struct {
		X any `json:"x"`
	}
	for name, v := range map[string]any{
		"a case:ignore tag":          &folded{},
		"an unknown-members field":   &inline{},
		"an interface member":        &loose{},
		"a value that is no pointer": msg{},
		"nil":                        nil,
	} {
		err := mapping.DecodeStrict([]byte(`{}`), v, closedMsg)
		if fault.ReasonOf(err) != fault.Malformed {
			t.Errorf("%s: DecodeStrict = %v, want it refused", name, err)
		}
	}
}

// TestDecodeStrictRefusesNullOfAnyType: a target of types off the hooked
// list (rules use pointers for presence, slices of structs) still refuses
// null, and reads values as usual.
func TestDecodeStrictRefusesNullOfAnyType(t *testing.T) {
	type item struct {
		Lang string `json:"lang"`
	}
	type other struct {
		F  float64           `json:"f"`
		PS *string           `json:"ps"`
		PL *[]item           `json:"pl"`
		L  []item            `json:"l"`
		M  map[string]string `json:"m"`
		R  jsontext.Value    `json:"raw"`
	}
	for in, want := range map[string]string{
		`{"f":null}`:               `member "f": must be a number, not null`,
		`{"ps":null}`:              `member "ps": must be a string, not null`,
		`{"pl":null}`:              `member "pl": must be an array, not null`,
		`{"l":[null]}`:             `member "l.0": must be an object, not null`,
		`{"l":[{"lang":null}]}`:    `member "l.0.lang": must be a string, not null`,
		`{"m":{"a":null}}`:         `member "m.a": must be a string, not null`,
		`{"l":[{"Lang":"zh"}]}`:    `member "l.0.Lang": unknown member`,
		`{"ps":"a","p\u0073":"b"}`: `member "ps": duplicate`,
		`{"f":1.5,"ps":"a","pl":[{"lang":"zh"}],"l":[],"m":{"a":"b"},"raw":null}`: "",
	} {
		var v other
		err := mapping.DecodeStrict([]byte(in), &v, closedMsg)
		if want == "" {
			if err != nil || v.F != 1.5 || *v.PS != "a" || (*v.PL)[0].Lang != "zh" || v.M["a"] != "b" || string(v.R) != "null" {
				t.Errorf("%s: %+v, %v", in, v, err)
			}
			continue
		}
		var p *fault.Error
		if !errors.As(err, &p) || p.Kind != fault.Malformed || !strings.Contains(p.Message, want) {
			t.Errorf("DecodeStrict(%s) = %v, want malformed %q", in, err, want)
		}
	}
}

// FuzzDecodeStrict holds DecodeStrict to refStrict, a reading of the same
// rules over encoding/json: the same inputs accepted, the same values read,
// every refusal a malformed fault.Error.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{
		`{"st":"red","St":"green"}`, `{"st":"red","s\u0074":"green"}`, `{"st":"a","status":"green","n":-1,"i":2,"b":false,"l":["x"],"p":0,"o":{"r":"x","t":3}}`,
		`{"st":null}`, `{"l":[null]}`, `{"n":1.0}`, `{"n":-0}`, `{"x":{"a":1,"a":2}}`, `{"x":{"a":1,"A":2}}`, "{\"st\":\"\xff\"}",
		`{"st":"\ud800"}`, `{"st":"\ud83d\ude00"}`, `{"st":"\ud83d\u0041"}`, `{} {}`, `[]`, `null`, ``, `{"o":{"r":"a","t":1,"x":[]}}`,
		`{"st":"\u0000\/\b"}`, `{"\u0073\u0074":"a"}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, closed bool) {
		o := openMsg
		if closed {
			o = closedMsg
		}
		var got msg
		err := mapping.DecodeStrict(in, &got, o)
		want, wantErr := refStrict(in, closed)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("DecodeStrict(%q, closed %v) = %v; reference: %v", in, closed, err, wantErr)
		}
		if err != nil {
			if fault.ReasonOf(err) != fault.Malformed {
				t.Fatalf("error %v (%T) is not malformed", err, err)
			}
			return
		}
		got.R = nil // raw members are compared by the reference's own rules only
		if !reflect.DeepEqual(normal(got), normal(*want)) {
			t.Fatalf("DecodeStrict(%q) read %+v, reference %+v", in, got, *want)
		}
	})
}

func normal(m msg) msg {
	if len(m.L) == 0 && m.L != nil {
		m.L = []string{}
	}
	return m
}

// TestParseClaimsIsStrict holds NIC claims to each rule of the strict
// reader, with a red code that a second status would turn green.
func TestParseClaimsIsStrict(t *testing.T) {
	red := set("st", `"red"`)
	tests := map[string]struct {
		payload []byte
		want    string
	}{
		"St green beside st red":            {payload(red, add("St", `"green"`)), `claim "St": unknown claim`},
		"ST green alone":                    {payload(drop("st"), add("ST", `"green"`)), `claim "ST": unknown claim`},
		"a case variant inside nat":         {payload(red, set("nat", `{"r":"positive","t":1,"R":"negative"}`)), `claim "nat.R": unknown claim`},
		"st twice":                          {payload(red, add("st", `"green"`)), `claim "st": duplicate`},
		`st again as "s\u0074"`:             {payload(red, add(`"s\u0074"`, `"green"`)), `claim "st": duplicate`},
		`iss again as "\u0069\u0073\u0073"`: {payload(add(`"\u0069\u0073\u0073"`, `"440000"`)), `claim "iss": duplicate`},
		`nat.r again as "\u0072"`:           {payload(set("nat", `{"r":"positive","t":1,"\u0072":"negative"}`)), `claim "nat.r": duplicate`},
		"an unknown scope claim":            {payload(add("scope", `["*"]`)), `claim "scope": unknown claim`},
		"invalid UTF-8 in hid":              {payload(set("hid", "\"3301**********12\xff\"")), "claims: invalid UTF-8"},
		"invalid UTF-8 in an unknown name":  {payload(add("\"\xf0\x28\x8c\x28\"", "1")), "claims: invalid UTF-8"},
		"a UTF-8 surrogate (CESU-8) in hn":  {payload(set("hn", "\"\xed\xa0\x80*\"")), "claims: invalid UTF-8"},
		"null for st":                       {payload(set("st", "null")), `claim "st": must be a string, not null`},
		"null for vac":                      {payload(add("vac", "null")), `claim "vac": must be an integer, not null`},
		"null for nat":                      {payload(add("nat", "null")), `claim "nat": must be an object, not null`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := mapping.ParseClaims(tc.payload)
			if err == nil {
				t.Fatalf("accepted %s as status %s", tc.payload, c.St)
			}
			var p *fault.Error
			if !errors.As(err, &p) || p.Kind != fault.Malformed || !strings.Contains(p.Message, tc.want) {
				t.Fatalf("ParseClaims(%s) = %v, want malformed %q", tc.payload, err, tc.want)
			}
		})
	}
}
