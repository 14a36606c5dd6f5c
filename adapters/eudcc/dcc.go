package eudcc

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// DCC is the certificate inside the hcert claim (the EU DCC JSON schema,
// versions 1.0.0 to 1.3.x). Only what hcgw reads is declared; other members
// are ignored.
type DCC struct {
	Ver string        `cbor:"ver"`
	Nam Name          `cbor:"nam"`
	Dob text          `cbor:"dob"`
	V   []Vaccination `cbor:"v"`
	T   []Test        `cbor:"t"`
	R   []Recovery    `cbor:"r"`
}

// Name is the holder's name: family (fn) and given (gn) names as written,
// and their ICAO 9303 transliterations (fnt, gnt: A-Z and '<').
type Name struct {
	Fn  text `cbor:"fn"`
	Fnt text `cbor:"fnt"`
	Gn  text `cbor:"gn"`
	Gnt text `cbor:"gnt"`
}

// Vaccination is one vaccination entry (v).
type Vaccination struct {
	Tg text  `cbor:"tg"` // disease targeted
	Mp text  `cbor:"mp"` // product
	Dn count `cbor:"dn"` // dose number
	Sd count `cbor:"sd"` // doses in the series
	Dt text  `cbor:"dt"` // date of vaccination
	Co text  `cbor:"co"` // country
	Ci text  `cbor:"ci"` // certificate identifier (UVCI)
}

// Test is one test entry (t).
type Test struct {
	Tg text `cbor:"tg"`
	Tt text `cbor:"tt"` // type of test
	Sc text `cbor:"sc"` // sample collection time
	Tr text `cbor:"tr"` // result
	Co text `cbor:"co"`
	Ci text `cbor:"ci"`
}

// Recovery is one recovery entry (r).
type Recovery struct {
	Tg text `cbor:"tg"`
	Fr text `cbor:"fr"` // first positive test
	Df text `cbor:"df"` // valid from
	Du text `cbor:"du"` // valid until
	Co text `cbor:"co"`
	Ci text `cbor:"ci"`
}

// Codes of the value sets hcgw interprets.
const (
	resultNotDetected = "260415000"
	resultDetected    = "260373001"
	testNAAT          = "LP6464-4"
	testRAT           = "LP217198-3"
)

// maxText bounds any one text member.
const maxText = 256

// text is a CBOR text string, or a date/time tagged 0 (RFC 3339 text) or 1
// (epoch seconds) as some issuers write sc, which it holds as RFC 3339.
type text string

func (t *text) UnmarshalCBOR(b []byte) error {
	var v any
	if err := dec.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		*t = ""
	case string:
		if len(x) > maxText {
			return fault.Fail(fault.Malformed, "text member longer than %d bytes", maxText)
		}
		*t = text(x)
	case time.Time:
		*t = text(x.UTC().Format(time.RFC3339))
	default:
		return fault.Fail(fault.Malformed, "member is not text")
	}
	return nil
}

// count is a small non-negative integer; an integral float is accepted.
type count int

func (c *count) UnmarshalCBOR(b []byte) error {
	var v any
	if err := dec.Unmarshal(b, &v); err != nil {
		return err
	}
	var n float64
	switch x := v.(type) {
	case uint64:
		n = float64(min(x, 1<<20))
	case int64:
		n = float64(x)
	case float64:
		n = x
	default:
		return fault.Fail(fault.Malformed, "count is not a number")
	}
	if math.IsNaN(n) || n != math.Trunc(n) || n < 0 || n > 1000 {
		return fault.Fail(fault.Malformed, "count out of range")
	}
	*c = count(n)
	return nil
}

// payloadDec reads a certificate as admission rules see it: the bounds of
// dec, maps as JSON objects.
var payloadDec = func() cbor.DecMode {
	o := untrusted
	o.DefaultMapType = reflect.TypeOf(map[string]any(nil))
	return decMode(o)
}()

// rulePayload is the certificate as the payload of admission rules (DESIGN
// §11): the JSON shape of the EU's schema, without the holder's name, which
// a Code never carries and no admission rule needs.
func rulePayload(raw cbor.RawMessage) (map[string]any, error) {
	var p map[string]any
	if err := payloadDec.Unmarshal(raw, &p); err != nil || p == nil {
		return nil, fault.Fail(fault.Malformed, "hcert certificate is not a well-formed certificate")
	}
	delete(p, "nam")
	return p, nil
}

// ParseDCC decodes the certificate of a CWT's hcert claim.
func ParseDCC(raw cbor.RawMessage) (*DCC, error) {
	var d DCC
	if err := dec.Unmarshal(raw, &d); err != nil {
		return nil, fault.Fail(fault.Malformed, "hcert certificate is not a well-formed certificate")
	}
	return &d, nil
}

// Kinds is the set of kinds of statement the certificate holds entries of,
// however many entries each has.
func (d *DCC) Kinds() trust.DSCUsage {
	var u trust.DSCUsage
	if len(d.V) > 0 {
		u |= trust.DSCVaccination
	}
	if len(d.T) > 0 {
		u |= trust.DSCTest
	}
	if len(d.R) > 0 {
		u |= trust.DSCRecovery
	}
	return u
}

// Kind is the one kind of statement the certificate makes. A certificate
// holds exactly one entry (one vaccination, one test or one recovery);
// anything else is malformed.
func (d *DCC) Kind() (trust.DSCUsage, error) {
	switch n := len(d.V) + len(d.T) + len(d.R); {
	case n == 0:
		return 0, fault.Fail(fault.Malformed, "certificate holds no vaccination, test or recovery")
	case n > 1:
		return 0, fault.Fail(fault.Malformed, "certificate holds %d entries; exactly one is allowed", n)
	}
	switch {
	case len(d.V) == 1:
		return trust.DSCVaccination, nil
	case len(d.T) == 1:
		return trust.DSCTest, nil
	}
	return trust.DSCRecovery, nil
}

// The local status values of eu-dcc: the certificate's state at the
// validation time, turned into a national status by the mapping table.
const (
	StateVaccinationComplete = "vaccination-complete"
	StateVaccinationPartial  = "vaccination-partial"
	StateVaccinationUnknown  = "vaccination-unknown"
	StateTestNegative        = "test-negative"
	StateTestPositive        = "test-positive"
	StateTestUnknown         = "test-unknown"
	StateRecoveryValid       = "recovery-valid"
	StateRecoveryNotYet      = "recovery-not-yet-valid"
	StateRecoveryExpired     = "recovery-expired"
	StateRecoveryUnknown     = "recovery-unknown"
)

// Facts reads the certificate's statement: its facts for the verdict, its
// state at now (zero: unknown) and, for the national model, the number of
// doses or the nucleic-acid test; skew is the clock allowance. Dates that
// cannot be read are malformed; a test sampled after now is not yet valid.
func (d *DCC) Facts(now time.Time, skew time.Duration) (*mapping.Cert, *mapping.NAT, *int, string, error) {
	kind, err := d.Kind()
	if err != nil {
		return nil, nil, nil, "", err
	}
	c := &mapping.Cert{BirthYear: birthYear(string(d.Dob))}
	switch kind {
	case trust.DSCVaccination:
		v := d.V[0]
		c.Type, c.Country = "vaccination", code(v.Co)
		c.Dose, c.Doses, c.Product = int(v.Dn), int(v.Sd), code(v.Mp)
		if _, ok := parseDate(string(v.Dt)); !ok {
			return nil, nil, nil, "", fault.Fail(fault.Malformed, "vaccination date is not a date")
		}
		c.Date = string(v.Dt)[:10]
		switch {
		case v.Dn < 1 || v.Sd < 1: // outside the schema (1..9): says nothing
			c.State = StateVaccinationUnknown
		case v.Dn < v.Sd:
			c.State = StateVaccinationPartial
		default:
			c.State = StateVaccinationComplete
		}
		dn := int(v.Dn)
		return c, nil, &dn, c.State, nil
	case trust.DSCTest:
		t := d.T[0]
		c.Type, c.Country = "test", code(t.Co)
		sc, ok := parseDateTime(string(t.Sc))
		if !ok {
			return nil, nil, nil, "", fault.Fail(fault.Malformed, "sample collection time is not a date-time")
		}
		if !now.IsZero() && sc.After(now.Add(skew)) {
			// A result from the future (BasicDgcTestsList DGC8).
			return nil, nil, nil, "", fault.Fail(fault.NotYetValid, "sample collection time %s is in the future", sc.UTC().Format(time.RFC3339))
		}
		c.SampledAt = sc.UTC().Format(time.RFC3339)
		switch t.Tt {
		case testNAAT:
			c.TestType = "naat"
		case testRAT:
			c.TestType = "rat"
		default:
			c.TestType = code(t.Tt)
		}
		var nat *mapping.NAT
		switch t.Tr {
		case resultNotDetected:
			c.Result, c.State = mapping.NATNegative, StateTestNegative
		case resultDetected:
			c.Result, c.State = mapping.NATPositive, StateTestPositive
		default:
			c.Result, c.State = code(t.Tr), StateTestUnknown
		}
		if c.TestType == "naat" && c.State != StateTestUnknown {
			nat = &mapping.NAT{Result: c.Result, Time: sc.Unix()}
		}
		return c, nat, nil, c.State, nil
	}
	r := d.R[0]
	c.Type, c.Country = "recovery", code(r.Co)
	fr, ok1 := parseDate(string(r.Fr))
	df, ok2 := parseDate(string(r.Df))
	du, ok3 := parseDate(string(r.Du))
	if !ok1 || !ok2 || !ok3 {
		return nil, nil, nil, "", fault.Fail(fault.Malformed, "recovery dates are not dates")
	}
	c.FirstPositive, c.ValidFrom, c.ValidUntil = fr.Format(time.DateOnly), df.Format(time.DateOnly), du.Format(time.DateOnly)
	switch {
	case now.IsZero():
		c.State = StateRecoveryUnknown
	case now.Add(skew).Before(df):
		c.State = StateRecoveryNotYet
	case !now.Before(du.AddDate(0, 0, 1)): // du is valid through its whole day
		c.State = StateRecoveryExpired
	default:
		c.State = StateRecoveryValid
	}
	return c, nil, nil, c.State, nil
}

// code keeps a value-set code short and printable for the verdict.
func code(t text) string {
	s := string(t)
	if len(s) > 64 || !utf8.ValidString(s) {
		return ""
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return ""
		}
	}
	return s
}

// birthYear keeps the year of a date of birth (YYYY, YYYY-MM or
// YYYY-MM-DD, possibly with a time); "" when there is none.
func birthYear(dob string) string {
	if len(dob) < 4 {
		return ""
	}
	y := dob[:4]
	if _, err := strconv.Atoi(y); err != nil || (len(dob) > 4 && dob[4] != '-') {
		return ""
	}
	return y
}

// parseDate reads a calendar date, YYYY-MM-DD, possibly followed by a time
// (early certificates wrote dates as date-times).
func parseDate(s string) (time.Time, bool) {
	if len(s) < 10 {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, s[:10])
	if err != nil {
		return time.Time{}, false
	}
	if len(s) > 10 {
		if _, ok := parseDateTime(s); !ok {
			return time.Time{}, false
		}
	}
	return d, true
}

// dateTimeLayouts are the ISO 8601 spellings certificates use for sc.
var dateTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
}

// parseDateTime reads an ISO 8601 date-time; without a zone it is UTC.
func parseDateTime(s string) (time.Time, bool) {
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ParseTime reads a date-time as the test data and certificates write it
// (ISO 8601, with or without zone and fraction; without a zone it is UTC).
func ParseTime(s string) (time.Time, bool) { return parseDateTime(strings.TrimSpace(s)) }

// holderName masks the holder's name: "fn gn" as written, else the
// transliterated "fnt gnt" ('<' read as a space), else either part alone;
// the first that MaskName accepts. "" when none does: the name is shown
// masked or not at all, never as it is.
func holderName(n Name) string {
	translit := func(s text) string { return strings.TrimSpace(strings.ReplaceAll(string(s), "<", " ")) }
	join := func(a, b string) string { return strings.TrimSpace(strings.TrimSpace(a) + " " + strings.TrimSpace(b)) }
	for _, cand := range []string{
		join(string(n.Fn), string(n.Gn)),
		join(translit(n.Fnt), translit(n.Gnt)),
		string(n.Fn), translit(n.Fnt), string(n.Gn), translit(n.Gnt),
	} {
		if cand == "" {
			continue
		}
		if m, err := mapping.MaskName(cand); err == nil {
			return m
		}
	}
	return ""
}
