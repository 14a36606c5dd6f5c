package eudcc_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/hcgw/hcgw/adapters/eudcc"
	"github.com/hcgw/hcgw/fault"
)

func TestInflate(t *testing.T) {
	exact := deflate(t, make([]byte, eudcc.MaxInflated))
	tests := map[string]struct {
		z      []byte
		n      int    // bytes out
		detail string // "" when it inflates
	}{
		"exactly the bound":        {exact, eudcc.MaxInflated, ""},
		"one byte over the bound":  {deflate(t, make([]byte, eudcc.MaxInflated+1)), 0, "decompresses to more than"},
		"a bomb of a megabyte":     {deflate(t, make([]byte, 1<<20)), 0, "decompresses to more than"},
		"truncated":                {exact[:len(exact)-3], 0, "broken zlib stream"},
		"a wrong checksum":         {append(exact[:len(exact)-1:len(exact)-1], exact[len(exact)-1]^1), 0, "broken zlib stream"},
		"a byte after the stream":  {append(exact[:len(exact):len(exact)], 0), 0, "1 bytes after the zlib stream"},
		"raw deflate without zlib": {exact[2:], 0, "not a zlib stream"},
		"nothing":                  {nil, 0, "not a zlib stream"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := eudcc.Inflate(tc.z)
			if tc.detail == "" {
				if err != nil || len(out) != tc.n {
					t.Fatalf("%d bytes, %v", len(out), err)
				}
				return
			}
			if fault.ReasonOf(err) != fault.Malformed || !strings.Contains(err.Error(), tc.detail) || out != nil {
				t.Fatalf("%d bytes, %v; want malformed: %s", len(out), err, tc.detail)
			}
		})
	}
}

func TestParseCWT(t *testing.T) {
	hcert := map[any]any{int64(1): map[string]any{"ver": "1.3.0"}}
	base := func(iat, exp any) []byte {
		return mustCBOR(t, map[any]any{int64(1): "DE", int64(4): exp, int64(6): iat, int64(-260): hcert})
	}
	tests := map[string]struct {
		payload  []byte
		iat, exp int64
		detail   string
	}{
		"integers":                      {base(1700000000, 1800000000), 1700000000, 1800000000, ""},
		"a float16":                     {mustCBOR(t, map[any]any{int64(4): cbor.RawMessage{0xf9, 0x3c, 0x00}, int64(6): 1, int64(-260): hcert}), 1, 1, ""},
		"a negative time":               {base(-1, 1800000000), 0, 0, "CWT iat is out of range"},
		"NaN":                           {base(math.NaN(), 1800000000), 0, 0, "CWT iat is out of range"},
		"infinity":                      {base(1700000000, math.Inf(1)), 0, 0, "CWT exp is out of range"},
		"beyond 9999":                   {base(1700000000, uint64(1)<<63), 0, 0, "CWT exp is out of range"},
		"a bignum":                      {base(1700000000, cbor.RawMessage{0xc2, 0x49, 1, 0, 0, 0, 0, 0, 0, 0, 0}), 0, 0, "CWT exp is out of range"},
		"text":                          {base("1700000000", 1800000000), 0, 0, "CWT iat is not a number"},
		"no exp":                        {mustCBOR(t, map[any]any{int64(6): 1, int64(-260): hcert}), 0, 0, "CWT has no exp"},
		"iss not text":                  {mustCBOR(t, map[any]any{int64(1): 7, int64(4): 2, int64(6): 1, int64(-260): hcert}), 0, 0, "CWT iss is not text"},
		"hcert not a map":               {mustCBOR(t, map[any]any{int64(4): 2, int64(6): 1, int64(-260): "x"}), 0, 0, "hcert claim is not a CBOR map"},
		"hcert without the certificate": {mustCBOR(t, map[any]any{int64(4): 2, int64(6): 1, int64(-260): map[any]any{int64(2): 1}}), 0, 0, "holds no certificate"},
		"a duplicate claim":             {cbor.RawMessage{0xa2, 0x04, 0x01, 0x04, 0x02}, 0, 0, "not a CBOR map"},
		"an array":                      {mustCBOR(t, []any{1, 2}), 0, 0, "not a CBOR map"},
		"text keys of private claims are ignored": {mustCBOR(t, map[any]any{"x": 1, int64(4): 2, int64(6): 1, int64(-260): hcert}), 1, 2, ""},
		"a map nested too deep":                   {nest(40), 0, 0, "not a CBOR map"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := eudcc.ParseCWT(tc.payload)
			if tc.detail != "" {
				if err == nil || !strings.Contains(err.Error(), tc.detail) || fault.ReasonOf(err) != fault.Malformed {
					t.Fatalf("%v, want malformed: %s", err, tc.detail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.IssuedAt.Equal(time.Unix(tc.iat, 0)) || !c.Expires.Equal(time.Unix(tc.exp, 0)) || c.DCC == nil {
				t.Fatalf("%+v", c)
			}
		})
	}
}

// TestParseCWTReadsFloatsAsTheReference: float times keep their fraction
// to the microsecond, as the member states' runner reads them (Python's
// datetime.fromtimestamp rounds half to even); truncated, a certificate's
// iat or exp would move across a validation clock.
func TestParseCWTReadsFloatsAsTheReference(t *testing.T) {
	hcert := map[any]any{int64(1): map[string]any{"ver": "1.3.0"}}
	for name, tc := range map[string]struct {
		in   float64
		want time.Time
	}{
		"a whole second":             {1700000000, time.Unix(1700000000, 0)},
		"nine tenths":                {1700000000.9, time.Unix(1700000000, 900_000_000)},
		"a half":                     {1800000000.5, time.Unix(1800000000, 500_000_000)},
		"Hungary's iat (HU/1)":       {1.623775796286e+09, time.Unix(1623775796, 286_000_000)},
		"rounded up into a second":   {1.9999999, time.Unix(2, 0)},
		"rounded to the microsecond": {1.0000004, time.Unix(1, 0)},
		// Python 3: fromtimestamp(1.0000005) is 00:00:01.000001 and
		// fromtimestamp(1.0000015) too (the floats lie above and below
		// the halves they are written as).
		"just above half a microsecond": {1.0000005, time.Unix(1, 1000)},
		"just below one and a half":     {1.0000015, time.Unix(1, 1000)},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := eudcc.ParseCWT(mustCBOR(t, map[any]any{int64(4): tc.in, int64(6): tc.in, int64(-260): hcert}))
			if err != nil {
				t.Fatal(err)
			}
			if !c.IssuedAt.Equal(tc.want) || !c.Expires.Equal(tc.want) {
				t.Fatalf("iat %s exp %s, want %s", c.IssuedAt, c.Expires, tc.want)
			}
		})
	}
}

// nest is a claims map whose hcert is nested n maps deep.
func nest(n int) []byte {
	b := []byte{0x01}
	for range n {
		b = append([]byte{0xa1, 0x01}, b...)
	}
	return append([]byte{0xa3, 0x04, 0x02, 0x06, 0x01, 0x39, 0x01, 0x03}, b...)
}

// Some issuers tag sc as a date/time (tag 0, RFC 3339 text; tag 1, epoch
// seconds); both read as the same instant as plain text.
func TestTaggedSampleTime(t *testing.T) {
	at := time.Date(2021, 5, 30, 10, 12, 22, 0, time.UTC)
	for name, sc := range map[string]any{
		"text":       "2021-05-30T12:12:22+02:00",
		"tag 0":      cbor.Tag{Number: 0, Content: "2021-05-30T10:12:22Z"},
		"tag 1":      cbor.Tag{Number: 1, Content: at.Unix()},
		"no zone":    "2021-05-30T10:12:22",
		"a fraction": "2021-05-30T10:12:22.000Z",
	} {
		t.Run(name, func(t *testing.T) {
			d := test("260415000", at)
			d["t"].([]any)[0].(map[string]any)["sc"] = sc
			dcc, err := eudcc.ParseDCC(mustCBOR(t, d))
			if err != nil {
				t.Fatal(err)
			}
			cert, nat, _, _, err := dcc.Facts(at.Add(time.Hour), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if cert.SampledAt != "2021-05-30T10:12:22Z" || nat == nil || nat.Time != at.Unix() {
				t.Fatalf("sampled at %q, nat %+v", cert.SampledAt, nat)
			}
		})
	}
	t.Run("a number without a tag", func(t *testing.T) {
		d := test("260415000", at)
		d["t"].([]any)[0].(map[string]any)["sc"] = at.Unix()
		if _, err := eudcc.ParseDCC(mustCBOR(t, d)); fault.ReasonOf(err) != fault.Malformed {
			t.Fatalf("%v", err)
		}
	})
}
