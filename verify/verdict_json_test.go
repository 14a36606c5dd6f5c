package verify_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/hcgw/hcgw/admission"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

func sameAsEncodingJSON(t *testing.T, v verify.Verdict) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, gotErr := v.AppendJSON(nil)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("AppendJSON error %v, encoding/json %v", gotErr, wantErr)
	}
	if wantErr == nil && !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON\n %s\nencoding/json\n %s", got, want)
	}
}

// TestVerdictJSONMatchesEncodingJSON: the hand-written encoder writes what
// encoding/json writes, byte for byte.
func TestVerdictJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 24, 22, 5, 30, 123456789, time.FixedZone("CST", 8*3600))
	until := time.Unix(1800000000, 0).UTC()
	odd := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("LMT", 8*3600+343))
	tooLate := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	dayAhead := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 25*3600))
	tests := map[string]verify.Verdict{
		"empty":     {},
		"a failure": {Result: fault.Invalid, Reason: fault.BadSignature, Status: mapping.Grey, Detail: "signature does not verify with key abc"},
		"a valid online code": {Result: fault.Valid, Status: mapping.Green, Issuer: "330000", Format: "nic-v1",
			Holder: &mapping.Holder{Name: "张*丰", ID: "3301**********1234"}, StatusAsOf: &at, ValidUntil: &until,
			Source: verify.SourceOnline, Degraded: true, Conflict: true, RecordID: "0193a4b2-7c1d-7e2f-8a3b-4c5d6e7f8091"},
		"an unmasked holder is masked":    {Holder: &mapping.Holder{Name: "张三丰", ID: "330102199001011234"}},
		"an unmaskable holder is blanked": {Holder: &mapping.Holder{Name: "\x00", ID: "?"}},
		"escapes":                         {Detail: "a \"quote\", a \\ backslash, <html> & \u2028\u2029, \t\n\x01, \xff bad UTF-8, 中文"},
		"a time with an odd offset":       {StatusAsOf: &odd},
		"a time beyond year 9999":         {ValidUntil: &tooLate},
		"an offset of more than a day":    {StatusAsOf: &dayAhead},
		"a foreign certificate":           {Result: fault.Valid, Cert: &mapping.Cert{Type: "vaccination", State: "vaccination-complete", Country: "DE", BirthYear: "1964"}},
		"a zero time":                     {StatusAsOf: &time.Time{}},
		"admitted by default":             {Result: fault.Valid, Status: mapping.Green, Admission: admission.Decide(mapping.Green, false, nil)},
		"denied by default":               {Result: fault.Valid, Status: mapping.Yellow, Admission: admission.Decide(mapping.Yellow, false, nil)},
		"refused":                         {Result: fault.Invalid, Admission: admission.Refused()},
		"an itinerary with a star":        {Result: fault.Valid, Itinerary: &verify.Itinerary{Regions: []string{"310000", "420100"}, Star: true, AsOf: at}},
		"an itinerary without regions":    {Result: fault.Valid, Itinerary: &verify.Itinerary{Regions: []string{}, AsOf: until}},
		"an itinerary of nil regions":     {Itinerary: &verify.Itinerary{}},
		"rules with escapes": {Result: fault.Valid, Admission: admission.Decide(mapping.Green, true, []admission.RuleResult{
			{ID: "SH-HOSP-1", Version: "1.0.2", Type: admission.Acceptance, Result: admission.Open, Description: admission.Description{ZH: "核酸<48h>", EN: "a \"test\" & more"}}})},
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) { sameAsEncodingJSON(t, v) })
	}
}

// TestVerdictJSONMasksTheHolder: the holder's encoder is the same on both
// sides of the comparison above (Holder.MarshalJSON calls it), so what it
// writes is checked against literal expectations here.
func TestVerdictJSONMasksTheHolder(t *testing.T) {
	for name, tc := range map[string]struct {
		holder mapping.Holder
		want   string
	}{
		"masked values as they are": {mapping.Holder{Name: "张*丰", ID: "3301**********1234"}, `"holder":{"name":"张*丰","id":"3301**********1234"}`},
		"full values masked":        {mapping.Holder{Name: "张三丰", ID: "330102199001011234"}, `"holder":{"name":"张*丰","id":"3301**********1234"}`},
		"unmaskable values blanked": {mapping.Holder{Name: "\x00", ID: "?"}, `"holder":{"name":"","id":""}`},
	} {
		t.Run(name, func(t *testing.T) {
			h := tc.holder
			v := verify.Verdict{Holder: &h}
			got, err := v.AppendJSON(nil)
			if err != nil || !bytes.Contains(got, []byte(tc.want)) {
				t.Fatalf("AppendJSON = %s, %v; want it to contain %s", got, err, tc.want)
			}
		})
	}
}

func FuzzVerdictJSON(f *testing.F) {
	f.Add("valid", "", "green", "330000", "张*丰", "3301**********1234", "detail", int64(1800000000), true)
	f.Add("invalid", "bad_signature", "grey", "<x>", "\xff", "&", "\u2028", int64(-62135596801), false)
	f.Fuzz(func(t *testing.T, result, reason, status, issuer, name, id, detail string, unix int64, flag bool) {
		at := time.Unix(unix, 0)
		sameAsEncodingJSON(t, verify.Verdict{Result: fault.Result(result), Reason: kindNamed(reason), Status: mapping.Status(status),
			Issuer: issuer, Format: detail, Detail: detail, Holder: &mapping.Holder{Name: name, ID: id}, StatusAsOf: &at,
			Source: verify.Source(reason), Degraded: flag, Conflict: !flag, RecordID: issuer})
	})
}

// kindNamed is the kind named s, or one past the table (which speaks as
// internal) for a name that is none.
func kindNamed(s string) fault.Kind {
	if k, ok := fault.Parse(s); ok {
		return k
	}
	return fault.Kind(255)
}
