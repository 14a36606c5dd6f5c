package mapping

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/fault"
)

// plainBase is a valid payload as a signer writes it (iat is DESIGN §4's
// 2026-11-23T08:00:00Z).
const plainBase = `{"v":1,"iss":"000000","org":"330000","jti":"01J9Z-code_1","iat":1795420800,"exp":1795424400,"st":"green","sa":1795420500,"hn":"张*三","hid":"3301**********1234"}`

// plainWith is plainBase with members appended.
func plainWith(members string) string {
	return strings.TrimSuffix(plainBase, "}") + "," + members + "}"
}

// plainSwap is plainBase with old replaced by new.
func plainSwap(old, new string) string {
	if !strings.Contains(plainBase, old) {
		panic("plainSwap: no " + old)
	}
	return strings.Replace(plainBase, old, new, 1)
}

const (
	plainNAT = `"nat":{"r":"negative","t":1795420000}`
	plainIT  = `"it":{"r":["310000","420100"],"star":true,"t":1795420740}`
)

// plainCases are payloads with whether readPlainClaims reads them (true)
// or leaves them to DecodeStrict (false). Either way ParseClaims must give
// what parseClaimsStrict gives.
var plainCases = []struct {
	name, payload string
	plain         bool
}{
	{"valid", plainBase, true},
	{"valid_nat_vac_it", plainWith(plainNAT + `,"vac":3,` + plainIT), true},
	{"valid_any_order", `{"hid":"3301**********1234","hn":"张*三","sa":1795420500,"st":"red","exp":1795424400,"iat":1795420800,"jti":"j","org":"330000","iss":"000000","v":1}`, true},
	{"valid_white_space", " \n\t{ \"v\" : 1 ,\r\n" + plainBase[len(`{"v":1,`):len(plainBase)-1] + " , \"nat\" : { \"t\" : 1795420000 , \"r\" : \"positive\" } , \"it\" : { \"r\" : [ \"310000\" , \"420100\" ] , \"star\" : false , \"t\" : 1795420740 } } \n", true},
	{"valid_it_no_regions", plainWith(`"it":{"star":false,"r":[],"t":1795420800}`), true},
	{"valid_it_empty_regions_spaced", plainWith(`"it":{"star":false,"r":[ ],"t":1795420800}`), true},
	{"valid_vac_zero", plainWith(`"vac":0`), true},
	{"valid_passport", plainSwap(`"3301**********1234"`, `"E1*****78"`), true},
	{"valid_four_byte_name", plainSwap(`"张*三"`, `"𠀋*三"`), true},
	{"valid_jti_64", plainSwap(`"01J9Z-code_1"`, `"`+strings.Repeat("A", 64)+`"`), true},

	// Read by the plain reader, refused by Validate: the same error.
	{"v_zero", plainSwap(`"v":1`, `"v":0`), true},
	{"v_two", plainSwap(`"v":1`, `"v":2`), true},
	{"iat_zero", plainSwap(`"iat":1795420800`, `"iat":0`), true},
	{"exp_after_week", plainSwap(`"exp":1795424400`, `"exp":1796025601`), true},
	{"status_blue", plainSwap(`"green"`, `"blue"`), true},
	{"status_empty", plainSwap(`"green"`, `""`), true},
	{"unmasked_name", plainSwap(`"张*三"`, `"张小三"`), true},
	{"unmasked_id", plainSwap(`"3301**********1234"`, `"330102199001011234"`), true},
	{"vac_21", plainWith(`"vac":21`), true},
	{"nat_result_other", plainWith(`"nat":{"r":"阴性","t":1}`), true},
	{"nat_time_zero", plainWith(`"nat":{"r":"negative","t":0}`), true},
	{"it_bad_region", plainWith(`"it":{"r":["31000"],"star":false,"t":1795420800}`), true},
	{"it_after_iat", plainWith(`"it":{"r":[],"star":false,"t":1795424400}`), true},
	{"big_18_digits", plainSwap(`"exp":1795424400`, `"exp":999999999999999999`), true},

	// Left to DecodeStrict.
	{"empty", ``, false},
	{"white_space_only", " \n ", false},
	{"empty_object", `{}`, false},
	{"top_level_array", `[` + plainBase + `]`, false},
	{"top_level_null", `null`, false},
	{"trailing_garbage", plainBase + `x`, false},
	{"second_object", plainBase + ` {}`, false},
	{"second_brace", plainBase + `}`, false},
	{"truncated", plainBase[:len(plainBase)-1], false},
	{"truncated_in_string", plainBase[:20], false},
	{"trailing_comma", plainBase[:len(plainBase)-1] + `,}`, false},
	{"missing_colon", `{"v" 1}`, false},
	{"bom", "\ufeff" + plainBase, false},
	{"duplicate_st", plainWith(`"st":"red"`), false},
	{"duplicate_v_same", plainWith(`"v":1`), false},
	{"duplicate_escaped", plainWith(`"\u0073t":"red"`), false},
	{"duplicate_nat", plainWith(plainNAT + `,` + plainNAT), false},
	{"duplicate_it", plainWith(plainIT + `,` + plainIT), false},
	{"duplicate_nat_r", plainWith(`"nat":{"r":"negative","r":"positive","t":1}`), false},
	{"duplicate_nat_t", plainWith(`"nat":{"r":"negative","t":1,"t":1}`), false},
	{"duplicate_it_star", plainWith(`"it":{"r":[],"star":false,"star":true,"t":1795420800}`), false},
	{"unknown_claim", plainWith(`"aud":"x"`), false},
	{"unknown_claim_case", plainWith(`"V":1`), false},
	{"unknown_member_name_r", plainWith(`"r":"x"`), false},
	{"unknown_nested", plainWith(`"x":[[[[{}]]]]`), false},
	{"unknown_nat_member", plainWith(`"nat":{"r":"negative","t":1,"lab":"x"}`), false},
	{"unknown_it_member", plainWith(`"it":{"r":[],"star":false,"t":1795420800,"city":"x"}`), false},
	{"it_member_case", plainWith(`"it":{"r":[],"Star":true,"star":false,"t":1795420800}`), false},
	{"name_escaped", `{"\u0076":1` + plainBase[len(`{"v":1`):], false},
	{"string_escape", plainSwap(`"张*三"`, `"\u5f20*三"`), false},
	{"string_escape_slash", plainSwap(`"01J9Z-code_1"`, `"01J9Z\/code_1"`), false},
	{"status_escaped", plainSwap(`"green"`, `"gr\u0065en"`), false},
	{"lone_surrogate_escape", plainSwap(`"张*三"`, `"\ud83d*"`), false},
	{"control_byte", plainSwap(`"张*三"`, "\"张*\x01\""), false},
	{"invalid_utf8_value", plainSwap(`"张*三"`, "\"张\xff\""), false},
	{"invalid_utf8_truncated_rune", plainSwap(`"张*三"`, "\"张*\xe4\xb8\""), false},
	{"invalid_utf8_surrogate", plainSwap(`"张*三"`, "\"\xed\xa0\x80*\""), false},
	{"invalid_utf8_key", plainWith("\"\xff\":1"), false},
	{"invalid_utf8_outside", plainBase + " \xff", false},
	{"minus_zero", plainWith(`"vac":-0`), false},
	{"negative", plainSwap(`"iat":1795420800`, `"iat":-1`), false},
	{"leading_zero", plainSwap(`"v":1`, `"v":01`), false},
	{"fraction", plainSwap(`"iat":1795420800`, `"iat":1795420800.0`), false},
	{"exponent", plainSwap(`"sa":1795420500`, `"sa":1.7e9`), false},
	{"integer_exponent", plainSwap(`"v":1`, `"v":1e0`), false},
	{"big_19_digits", plainSwap(`"exp":1795424400`, `"exp":1000000000000000000`), false},
	{"beyond_int64", plainSwap(`"exp":1795424400`, `"exp":9223372036854775808`), false},
	{"below_int64", plainSwap(`"iat":1795420800`, `"iat":-9223372036854775809`), false},
	{"huge_vac", plainWith(`"vac":` + strings.Repeat("9", 400)), false},
	{"number_then_letter", plainSwap(`"v":1`, `"v":1x`), false},
	{"null_v", plainSwap(`"v":1`, `"v":null`), false},
	{"null_hn", plainSwap(`"张*三"`, `null`), false},
	{"string_exp", plainSwap(`"exp":1795424400`, `"exp":"1795424400"`), false},
	{"number_iss", plainSwap(`"iss":"000000"`, `"iss":0`), false},
	{"bool_vac", plainWith(`"vac":true`), false},
	{"object_sa", plainSwap(`"sa":1795420500`, `"sa":{}`), false},
	{"array_hid", plainSwap(`"3301**********1234"`, `["3301**********1234"]`), false},
	{"bool_status", plainSwap(`"green"`, `true`), false},
	{"nat_string", plainWith(`"nat":"negative"`), false},
	{"nat_null", plainWith(`"nat":null`), false},
	{"nat_array", plainWith(`"nat":[]`), false},
	{"nat_empty", plainWith(`"nat":{}`), false},
	{"nat_no_result", plainWith(`"nat":{"t":1795420000}`), false},
	{"nat_no_time", plainWith(`"nat":{"r":"negative"}`), false},
	{"nat_nested", plainWith(`"nat":{"r":{"r":"negative"},"t":1}`), false},
	{"nat_float", plainWith(`"nat":{"r":"negative","t":1.5}`), false},
	{"it_null", plainWith(`"it":null`), false},
	{"it_no_star", plainWith(`"it":{"r":["310000"],"t":1795420800}`), false},
	{"it_no_regions", plainWith(`"it":{"star":true,"t":1795420800}`), false},
	{"it_no_time", plainWith(`"it":{"r":[],"star":true}`), false},
	{"it_star_null", plainWith(`"it":{"r":[],"star":null,"t":1795420800}`), false},
	{"it_star_string", plainWith(`"it":{"r":[],"star":"true","t":1795420800}`), false},
	{"it_star_truex", plainWith(`"it":{"r":[],"star":truex,"t":1795420800}`), false},
	{"it_regions_null", plainWith(`"it":{"r":null,"star":true,"t":1795420800}`), false},
	{"it_regions_numbers", plainWith(`"it":{"r":[310000],"star":true,"t":1795420800}`), false},
	{"it_regions_trailing_comma", plainWith(`"it":{"r":["310000",],"star":true,"t":1795420800}`), false},
	{"it_regions_nested", plainWith(`"it":{"r":[["310000"]],"star":true,"t":1795420800}`), false},
	{"missing_v", `{` + plainBase[len(`{"v":1,`):], false},
	{"missing_hid", strings.Replace(plainBase, `,"hid":"3301**********1234"`, ``, 1), false},
	{"payload_over_4k", plainSwap(`"01J9Z-code_1"`, `"`+strings.Repeat("a", 4096)+`"`), false},
}

// TestPlainClaims: readPlainClaims reads the plain payloads and declines the
// others, and ParseClaims gives exactly what the DecodeStrict path gives: the
// same claims, or an error of the same kind and message.
func TestPlainClaims(t *testing.T) {
	for _, tc := range plainCases {
		t.Run(tc.name, func(t *testing.T) {
			p := []byte(tc.payload)
			if _, plain := readPlainClaims(p); plain != tc.plain && len(p) <= maxPayloadBytes {
				t.Errorf("readPlainClaims took it: %v, want %v", plain, tc.plain)
			}
			samePlainStrict(t, p)
		})
	}
}

// samePlainStrict fails t unless ParseClaims(p) and parseClaimsStrict(p)
// agree, and unless whatever readPlainClaims reads DecodeStrict reads alike.
func samePlainStrict(t *testing.T, p []byte) {
	t.Helper()
	got, gotErr := ParseClaims(p)
	want, wantErr := parseClaimsStrict(p)
	if !reflect.DeepEqual(gotErr, wantErr) {
		t.Fatalf("payload %q:\nParseClaims error %#v\nstrict error      %#v", p, gotErr, wantErr)
	}
	if gotErr != nil {
		var prob *fault.Error
		if !errors.As(gotErr, &prob) || prob.Kind != fault.Malformed {
			t.Fatalf("error %v (%T) is not a malformed *fault.Error", gotErr, gotErr)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("payload %q:\nParseClaims %s\nstrict      %s", p, dumpClaims(got), dumpClaims(want))
	}
	// Validate hides claims it refuses; compare the reading itself.
	c, ok := readPlainClaims(p)
	if !ok {
		return
	}
	d := new(Claims)
	if err := DecodeStrict(p, d, claimsStrict); err != nil {
		t.Fatalf("payload %q: read plainly, refused by DecodeStrict: %v", p, err)
	}
	if err := d.missing(p); err != nil {
		t.Fatalf("payload %q: read plainly, refused as incomplete: %v", p, err)
	}
	if !reflect.DeepEqual(c, d) {
		t.Fatalf("payload %q:\nplain  %s\nstrict %s", p, dumpClaims(c), dumpClaims(d))
	}
}

func dumpClaims(c *Claims) string {
	if c == nil {
		return "nil"
	}
	s := "{" + strconv.Itoa(c.V) + " " + c.Iss + " " + c.Org + " " + c.JTI + " " + strconv.FormatInt(c.IAT, 10) + " " +
		strconv.FormatInt(c.EXP, 10) + " " + string(c.St) + " " + strconv.FormatInt(c.SA, 10) + " " + strconv.Quote(c.HN) + " " + c.HID
	if c.NAT != nil {
		s += " nat:" + c.NAT.Result + "/" + strconv.FormatInt(c.NAT.Time, 10)
	}
	if c.Vac != nil {
		s += " vac:" + strconv.Itoa(*c.Vac)
	}
	if c.IT != nil {
		s += " it:" + strings.Join(c.IT.Regions, ",") + "/" + strconv.FormatBool(c.IT.Star) + "/" +
			strconv.FormatInt(c.IT.Time, 10) + "/nil=" + strconv.FormatBool(c.IT.Regions == nil)
	}
	return s + "}"
}

// FuzzPlainClaimsAgainstStrict: ParseClaims with its plain reader gives, for
// every payload, exactly what ParseClaims through DecodeStrict alone gives.
// The seed corpus is plainCases, on disk under testdata/fuzz/ too.
func FuzzPlainClaimsAgainstStrict(f *testing.F) {
	for _, tc := range plainCases {
		f.Add([]byte(tc.payload))
	}
	f.Fuzz(func(t *testing.T, p []byte) { samePlainStrict(t, p) })
}

// TestPlainClaimsCorpusOnDisk writes plainCases to the seed corpus with
// HCGW_WRITE_CORPUS=1; otherwise it checks each case is there.
func TestPlainClaimsCorpusOnDisk(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzPlainClaimsAgainstStrict")
	for _, tc := range plainCases {
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(tc.payload) + ")\n"
		path := filepath.Join(dir, tc.name)
		if os.Getenv("HCGW_WRITE_CORPUS") == "1" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != body {
			t.Errorf("seed %s is not on disk as written in plainCases (HCGW_WRITE_CORPUS=1 writes it): %v", path, err)
		}
	}
}

// BenchmarkParseClaimsDistinct reads 256 payloads that differ in jti and
// hid, as codes of different holders do (the same payload again and again
// lets DecodeStrict's string cache hide its allocations):
// go test -run '^$' -bench ParseClaimsDistinct -benchmem ./mapping
func BenchmarkParseClaimsDistinct(b *testing.B) {
	var ps [256][]byte
	for i := range ps {
		n := strconv.Itoa(1000 + i)
		ps[i] = []byte(strings.Replace(plainSwap(`"01J9Z-code_1"`, `"01J9Z-code_`+n+`"`), `1234"`, n+`"`, 1))
	}
	for _, tc := range []struct {
		name  string
		parse func([]byte) (*Claims, error)
	}{{"plain", ParseClaims}, {"strict", parseClaimsStrict}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := tc.parse(ps[i%len(ps)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
