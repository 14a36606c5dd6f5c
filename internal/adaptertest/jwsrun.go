package adaptertest

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/localjws"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// ClaimCase is a payload, signed by the province's key, that the adapter
// must refuse as malformed.
type ClaimCase struct {
	Payload []byte
	Claim   string // the claim the detail must name; "" for the object as a whole
}

// RunMalformedClaims signs each payload with the province's key and checks
// the refusal: malformed, about the case's claim, without the holder.
func (w *JWS) RunMalformedClaims(t *testing.T, cases map[string]ClaimCase) {
	k := w.Signer(t)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := w.Dec.Decode(w.Signed(t, k, tc.Payload), w.Env)
			if fault.ReasonOf(err) != fault.Malformed || c != nil {
				t.Fatalf("got %v, %v; want malformed", c, err)
			}
			p := err.(*fault.Error)
			if tc.Claim != "" && !strings.HasPrefix(p.Message, fmt.Sprintf("claim %q:", tc.Claim)) {
				t.Errorf("detail %q is not about claim %q", p.Message, tc.Claim)
			}
			NoLeak(t, Secrets, err.Error())
		})
	}
}

// RunStatusMapping checks the shipped table against the format's
// vocabulary in DESIGN §9 (design, kept by the test independently of the
// table, so that a table edit that changes a colour fails), decodes a code
// of every value, and decodes each unknown value as grey.
func (w *JWS) RunStatusMapping(t *testing.T, design map[string]mapping.Status, unknown []string) {
	k := w.Signer(t)
	if got := w.Table.Values(); len(got) != len(design) {
		t.Fatalf("table values %q, DESIGN §9 has %d", got, len(design))
	}
	for _, v := range w.Table.Values() {
		t.Run("local value "+v+" maps as the table says", func(t *testing.T) {
			want, _ := w.Table.Map(v)
			if d, ok := design[v]; !ok || d != want {
				t.Fatalf("table maps %q to %s, DESIGN §9 to %s", v, want, d)
			}
			c, err := w.Dec.Decode(w.Encode(t, k, w.Claims(v)), w.Env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != want {
				t.Fatalf("status %s, want %s", c.Status, want)
			}
		})
	}
	for _, v := range unknown {
		t.Run(fmt.Sprintf("unknown value %q is grey", v), func(t *testing.T) {
			c, err := w.Dec.Decode(w.Encode(t, k, w.Claims(v)), w.Env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != mapping.Grey {
				t.Fatalf("status %s, want grey", c.Status)
			}
		})
	}
}

// maskingCases are the national masking rules (mapping.NewHolder) as every
// format that carries the full holder must apply them.
var maskingCases = map[string]struct{ name, id, wantName, wantID string }{
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

// RunHolderMasking encodes the full holders of the masking rules and checks
// the masked holder each decodes to.
func (w *JWS) RunHolderMasking(t *testing.T) {
	k := w.Signer(t)
	for name, tc := range maskingCases {
		t.Run(name, func(t *testing.T) {
			c, err := w.Dec.Decode(w.Encode(t, k, With(w.Claims(w.Green), func(c *localjws.Claims) { c.Name, c.ID = tc.name, tc.id })), w.Env)
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

// RunNothingLeaks decodes the codes of every case of the package's tests
// (decode cases, malformed claims, every table value and the unknown ones)
// and checks that neither a returned Code, in every form, nor any error
// holds the full name or identity number or a part masking removes.
func (w *JWS) RunNothingLeaks(t *testing.T, decode map[string]DecodeCase, claims map[string]ClaimCase, unknown []string) {
	k := w.Signer(t)
	codes := map[string]adapters.Env{}
	for _, tc := range decode {
		env := w.Env
		if tc.Env != nil {
			env = *tc.Env
		}
		codes[tc.Code] = env
	}
	for _, tc := range claims {
		codes[w.Signed(t, k, tc.Payload)] = w.Env
	}
	for _, v := range append(w.Table.Values(), unknown...) {
		codes[w.Encode(t, k, w.Claims(v))] = w.Env
	}
	var decoded, refused int
	for code, env := range codes {
		c, err := w.Dec.Decode(code, env)
		if err != nil {
			refused++
		}
		if c != nil {
			decoded++
		}
		NoLeak(t, Secrets, Texts(t, c, err)...)
	}
	if decoded < 10 || refused < 50 {
		t.Fatalf("only %d decoded and %d refused: the cases did not run", decoded, refused)
	}
}

// EncodeCase is claims Encode must refuse to sign with Signer.
type EncodeCase struct {
	Signer trust.Signer
	Claims localjws.Claims
}

// RunEncodeRefuses checks that the format's encoder refuses the claims
// every localjws format refuses, signed by the province's key, and own, with
// an error that holds no part of the holder.
func (w *JWS) RunEncodeRefuses(t *testing.T, own map[string]EncodeCase) {
	k := w.Signer(t)
	with := func(f func(*localjws.Claims)) EncodeCase {
		return EncodeCase{Signer: k, Claims: With(w.Claims(w.Green), f)}
	}
	cases := merge(t, map[string]EncodeCase{
		"an empty code id":                 with(func(c *localjws.Claims) { c.CodeID = "" }),
		"an expiry before the status time": with(func(c *localjws.Claims) { c.Expires = c.StatusTime - 1 }),
		"eight days of validity":           with(func(c *localjws.Claims) { c.Expires = c.StatusTime + 8*24*3600 }),
		"a status time of zero":            with(func(c *localjws.Claims) { c.StatusTime = 0 }),
		"a name with a NUL":                with(func(c *localjws.Claims) { c.Name = "张\x00三丰" }),
		"an identity number too short":     with(func(c *localjws.Claims) { c.ID = "3301" }),
		"the identity number as code id":   with(func(c *localjws.Claims) { c.CodeID = FullID }),
	}, own)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, err := w.EncodeCode(tc.Signer, tc.Claims)
			if err == nil {
				t.Fatalf("encoded %s", code)
			}
			NoLeak(t, Secrets, err.Error())
		})
	}
}

// NewCase is a table New is given: the shipped one with its first Old
// replaced by New, or none at all.
type NewCase struct {
	Old, New string
	NoTable  bool
	WantErr  string // "": the adapter builds; else a part of New's error
}

// shipped returns the shipped table with old replaced by new.
func (f JWSFormat) shipped(t *testing.T, old, new string) mapping.Tables {
	t.Helper()
	data, err := fs.ReadFile(configs.Mappings(), f.Spec.Format+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("shipped table has no %q", old)
	}
	tb, err := mapping.ParseTable(f.Spec.Format+".yaml", []byte(strings.Replace(string(data), old, new, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return mapping.Tables{f.Spec.Format: tb}
}

// RunNew builds the adapter on the shipped table, on no table, on the
// shipped one with a field renamed, named twice or left out, and on own's
// tables.
func (f JWSFormat) RunNew(t *testing.T, own map[string]NewCase) {
	wire := f.Spec.Wire
	cases := merge(t, map[string]NewCase{
		"the shipped table builds the adapter":                 {},
		"a table with renamed local fields builds the adapter": {Old: "status: " + wire.Status, New: "status: color"},
		"no " + f.Spec.Format + " table refuses":               {NoTable: true, WantErr: "no mapping table"},
		"two fields naming one local field refuse": {Old: "expires: " + wire.Expires, New: "expires: " + wire.StatusTime,
			WantErr: "both name"},
	}, own)
	for _, field := range [][2]string{{"name", wire.Name}, {"id", wire.ID}, {"status", wire.Status},
		{"status_time", wire.StatusTime}, {"expires", wire.Expires}, {"code_id", wire.CodeID}} {
		cases["a table without field "+field[0]+" refuses"] = NewCase{Old: "  " + field[0] + ": " + field[1], WantErr: fmt.Sprintf("%q", field[0])}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts := mapping.Tables{}
			if !tc.NoTable {
				ts = f.shipped(t, tc.Old, tc.New)
			}
			a, err := f.NewAdapter(ts)
			if tc.WantErr == "" {
				if err != nil || a == nil || a.Format() != f.Spec.Format {
					t.Fatalf("adapter %v, err %v", a, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.WantErr) {
				t.Fatalf("err %v, want one mentioning %s", err, tc.WantErr)
			}
		})
	}
}

// RunRenamedFieldsAreRead shows the adapter reads the names its table
// gives, not the names of DESIGN §9: with the status claim renamed color, a
// code without color is malformed and one with it decodes.
func (w *JWS) RunRenamedFieldsAreRead(t *testing.T) {
	dec, err := w.NewAdapter(w.shipped(t, "status: "+w.Spec.Wire.Status, "status: color"))
	if err != nil {
		t.Fatal(err)
	}
	k := w.Signer(t)
	if _, err := dec.Decode(w.Encode(t, k, w.Claims(w.Green)), w.Env); fault.ReasonOf(err) != fault.Malformed || !strings.Contains(err.Error(), `"color"`) {
		t.Fatalf("a code without the renamed claim: %v", err)
	}
	red := w.Replace(t, fmt.Sprintf("%q:%q", w.Spec.Wire.Status, w.Green), fmt.Sprintf("%q:%q", "color", w.Red))
	c, err := dec.Decode(w.Signed(t, k, red), w.Env)
	if err != nil || c.Status != mapping.Red {
		t.Fatalf("code %v, err %v", c, err)
	}
}
