package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hcgw/hcgw/fault"
)

// refParseClaims is ParseClaims written over encoding/json's token stream,
// a reading independent of the go-json-experiment library DecodeStrict is
// built on. It is the reference FuzzParseClaimsAgainstDecoder holds
// ParseClaims to: the same payloads accepted, the same claims read.
func refParseClaims(payload []byte) (*Claims, error) {
	if len(payload) > maxPayloadBytes {
		return nil, fault.Fail(fault.Malformed, "claims: payload larger than %d bytes", maxPayloadBytes)
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD.
	if !utf8.Valid(payload) {
		return nil, fault.Fail(fault.Malformed, "claims: invalid UTF-8")
	}
	p := refParser{dec: json.NewDecoder(bytes.NewReader(payload))}
	p.dec.UseNumber()

	tok, err := p.dec.Token()
	if err == io.EOF {
		return nil, fault.Fail(fault.Malformed, "claims: empty payload")
	}
	if err != nil {
		return nil, p.syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fault.Fail(fault.Malformed, "claims: must be a JSON object, not %s", refKind(tok))
	}

	var c Claims
	seen := make(map[string]bool, len(requiredClaims)+2)
	for p.dec.More() {
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, fault.Fail(fault.Malformed, "claim %s: duplicate", quoteKey(key))
		}
		seen[key] = true
		switch key {
		case "v":
			c.V, err = p.intClaim(key)
		case "iss":
			c.Iss, err = p.stringClaim(key)
		case "org":
			c.Org, err = p.stringClaim(key)
		case "jti":
			c.JTI, err = p.stringClaim(key)
		case "iat":
			c.IAT, err = p.int64Claim(key)
		case "exp":
			c.EXP, err = p.int64Claim(key)
		case "st":
			var s string
			s, err = p.stringClaim(key)
			c.St = Status(s)
		case "sa":
			c.SA, err = p.int64Claim(key)
		case "hn":
			c.HN, err = p.stringClaim(key)
		case "hid":
			c.HID, err = p.stringClaim(key)
		case "nat":
			c.NAT, err = p.natClaim()
		case "it":
			c.IT, err = p.itClaim()
		case "vac":
			var n int
			n, err = p.intClaim(key)
			c.Vac = &n
		default:
			return nil, fault.Fail(fault.Malformed, "claim %s: unknown claim (the NIC v1 claim set is closed)", quoteKey(key))
		}
		if err != nil {
			return nil, err
		}
	}
	if err := p.end("claims"); err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, fault.Fail(fault.Malformed, "claims: trailing data after the JSON object")
	}
	for _, k := range requiredClaims {
		if !seen[k] {
			return nil, fault.Fail(fault.Malformed, "claim %q: missing", k)
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// parser walks the token stream of one claims object. It never descends into
// a value it does not expect, so nesting costs nothing.
type refParser struct {
	dec *json.Decoder
}

func (p *refParser) syntax(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// The decoder's message quotes the offending character, which may
		// belong to a name: only the offset is reported.
		return fault.Fail(fault.Malformed, "claims: invalid JSON at byte %d", se.Offset)
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return fault.Fail(fault.Malformed, "claims: unexpected end of JSON")
	}
	return fault.Fail(fault.Malformed, "claims: invalid JSON")
}

// key reads an object key.
func (p *refParser) key() (string, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return "", p.syntax(err)
	}
	k, ok := tok.(string)
	if !ok {
		return "", fault.Fail(fault.Malformed, "claims: invalid JSON (object key is not a string)")
	}
	return k, nil
}

// end reads the closing brace of the current object.
func (p *refParser) end(what string) error {
	tok, err := p.dec.Token()
	if err != nil {
		return p.syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '}' {
		return fault.Fail(fault.Malformed, "%s: invalid JSON (object not closed)", what)
	}
	return nil
}

func (p *refParser) stringClaim(name string) (string, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return "", p.syntax(err)
	}
	s, ok := tok.(string)
	if !ok {
		return "", fault.Fail(fault.Malformed, "claim %q: must be a string, not %s", name, refKind(tok))
	}
	return s, nil
}

func (p *refParser) int64Claim(name string) (int64, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return 0, p.syntax(err)
	}
	num, ok := tok.(json.Number)
	if !ok {
		return 0, fault.Fail(fault.Malformed, "claim %q: must be an integer, not %s", name, refKind(tok))
	}
	// The decoder has already checked the JSON number grammar, so a number
	// without '.', 'e' or 'E' is an optionally negative run of digits.
	if strings.ContainsAny(string(num), ".eE") {
		return 0, fault.Fail(fault.Malformed, "claim %q: must be an integer, without fraction or exponent", name)
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return 0, fault.Fail(fault.Malformed, "claim %q: integer out of range", name)
	}
	return n, nil
}

// intClaim is int64Claim for a Go int, which may be 32 bits wide: a value
// that does not fit is refused rather than wrapped (2^32+1 must not become 1).
func (p *refParser) intClaim(name string) (int, error) {
	n, err := p.int64Claim(name)
	if err != nil {
		return 0, err
	}
	if int64(int(n)) != n {
		return 0, fault.Fail(fault.Malformed, "claim %q: integer out of range", name)
	}
	return int(n), nil
}

func (p *refParser) natClaim() (*NAT, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fault.Fail(fault.Malformed, "claim \"nat\": must be an object, not %s", refKind(tok))
	}
	var nat NAT
	var haveR, haveT bool
	for p.dec.More() {
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		switch key {
		case "r":
			if haveR {
				return nil, fault.Fail(fault.Malformed, "claim \"nat.r\": duplicate")
			}
			haveR = true
			nat.Result, err = p.stringClaim("nat.r")
		case "t":
			if haveT {
				return nil, fault.Fail(fault.Malformed, "claim \"nat.t\": duplicate")
			}
			haveT = true
			nat.Time, err = p.int64Claim("nat.t")
		default:
			return nil, fault.Fail(fault.Malformed, "claim \"nat\": unknown member %s", quoteKey(key))
		}
		if err != nil {
			return nil, err
		}
	}
	if err := p.end(`claim "nat"`); err != nil {
		return nil, err
	}
	if !haveR {
		return nil, fault.Fail(fault.Malformed, "claim \"nat.r\": missing")
	}
	if !haveT {
		return nil, fault.Fail(fault.Malformed, "claim \"nat.t\": missing")
	}
	return &nat, nil
}

func (p *refParser) itClaim() (*Itinerary, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fault.Fail(fault.Malformed, "claim \"it\": must be an object, not %s", refKind(tok))
	}
	var it Itinerary
	have := map[string]bool{}
	for p.dec.More() {
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		if have[key] {
			return nil, fault.Fail(fault.Malformed, "claim \"it.%s\": duplicate", key)
		}
		have[key] = true
		switch key {
		case "r":
			tok, err := p.dec.Token()
			if err != nil {
				return nil, p.syntax(err)
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return nil, fault.Fail(fault.Malformed, "claim \"it.r\": must be an array, not %s", refKind(tok))
			}
			it.Regions = []string{}
			for p.dec.More() {
				s, err := p.stringClaim("it.r")
				if err != nil {
					return nil, err
				}
				it.Regions = append(it.Regions, s)
			}
			if tok, err := p.dec.Token(); err != nil {
				return nil, p.syntax(err)
			} else if d, ok := tok.(json.Delim); !ok || d != ']' {
				return nil, fault.Fail(fault.Malformed, "claim \"it.r\": invalid JSON (array not closed)")
			}
		case "star":
			tok, err := p.dec.Token()
			if err != nil {
				return nil, p.syntax(err)
			}
			b, ok := tok.(bool)
			if !ok {
				return nil, fault.Fail(fault.Malformed, "claim \"it.star\": must be a boolean, not %s", refKind(tok))
			}
			it.Star = b
		case "t":
			if it.Time, err = p.int64Claim("it.t"); err != nil {
				return nil, err
			}
		default:
			return nil, fault.Fail(fault.Malformed, "claim \"it\": unknown member %s", quoteKey(key))
		}
	}
	if err := p.end(`claim "it"`); err != nil {
		return nil, err
	}
	for _, k := range []string{"r", "star", "t"} {
		if !have[k] {
			return nil, fault.Fail(fault.Malformed, "claim \"it.%s\": missing", k)
		}
	}
	return &it, nil
}

// kind names the JSON type of a token for an error message.
func refKind(tok json.Token) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case json.Delim:
		switch t {
		case '[':
			return "an array"
		case '{':
			return "an object"
		}
	}
	return "something else"
}

// FuzzParseClaimsAgainstDecoder: ParseClaims (DecodeStrict) accepts
// exactly what the encoding/json reading accepts and reads the same claims; both refuse
// with a fault.Malformed problem.
func FuzzParseClaimsAgainstDecoder(f *testing.F) {
	for _, p := range []string{
		`{"v":1,"iss":"330000","org":"330000","jti":"a","iat":1700000000,"exp":1700000600,"st":"green","sa":1700000000,"hn":"张*","hid":"3301**********1234"}`,
		`{"v":1,"iss":"330000","org":"330000","jti":"a","iat":1700000000,"exp":1700000600,"st":"green","sa":1700000000,"hn":"\u5f20*","hid":"3301**********1234","nat":{"r":"negative","t":1699999000},"vac":3}`,
		`{"v":1,"iss":"330000","org":"330000","jti":"a","iat":1700000000,"exp":1700000600,"st":"gr\u0065en","sa":1700000000,"hn":"\ud83d\ude00*","hid":"3301**********1234"}`,
		`{"v":1,"iss":"330000","org":"330000","jti":"a","iat":1700000000,"exp":1700000600,"st":"green","sa":1700000000,"hn":"\ud83d*","hid":"3301**********1234"}`,
		`{"v":1,"iss":"330000","org":"330000","jti":"a","iat":1700000000,"exp":1700000600,"st":"green","sa":1700000000,"hn":"\ud83d\u0041*","hid":"3301**********1234"}`,
		`{"v":1,"iss":"330000","org":"330000","jti":"a","iat":1700000000,"exp":1700000600,"st":"green","sa":1700000000,"hn":"张*","hid":"3301**********1234","it":{"r":["310000","420100"],"star":true,"t":1699999000}}`,
		`{"v":1,"iss":"330000","org":"330000","jti":"a","iat":1700000000,"exp":1700000600,"st":"green","sa":1700000000,"hn":"张*","hid":"3301**********1234","it":{"r":[],"star":false,"t":1699999000}}`,
		`{"\u0076":1}`, `{"v":1,}`, `{"v":-0}`, `{"v":1e0}`, `{"v":01}`, `{"v":"1"}`, `{"nat":{"r":"x","t":1,"r":"y"}}`,
		` {} `, `{}x`, `[]`, `"a"`, `nul`, `tru`, `{"hn":"a\/b\\c\"\b\f\n\r\t"}`, "{\"hn\":\"\x01\"}", `{"hn":"\u12"}`,
	} {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		got, gotErr := ParseClaims(p)
		want, wantErr := refParseClaims(p)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("strict: %v; decoder: %v", gotErr, wantErr)
		}
		if gotErr != nil {
			var prob *fault.Error
			if !errors.As(gotErr, &prob) || prob.Kind != fault.Malformed {
				t.Fatalf("error %v (%T) is not a malformed *fault.Error", gotErr, gotErr)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("strict read %+v, decoder %+v", got, want)
		}
	})
}

// BenchmarkParseClaims compares ParseClaims with the encoding/json reading
// on a typical payload: go test -run '^$' -bench ParseClaims -benchmem ./mapping
func BenchmarkParseClaims(b *testing.B) {
	p := []byte(`{"v":1,"iss":"330000","org":"330000","jti":"bench-00000001","iat":1700000000,"exp":1700003600,"st":"green","sa":1700000000,"hn":"张*丰","hid":"3301**********1234"}`)
	for name, parse := range map[string]func([]byte) (*Claims, error){"strict": ParseClaims, "decoder": refParseClaims} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := parse(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
