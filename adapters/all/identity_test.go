package all_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/all"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/adapters/zj"
	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

type records struct{ recs []audit.Record }

func (r *records) Write(_ context.Context, recs ...audit.Record) error {
	r.recs = append(r.recs, recs...)
	return nil
}

// world is every shipped adapter on the golden trust material, a verifier
// that records, and the hub's key to convert with (scope *).
type world struct {
	g       *testkit.Golden
	reg     *adapters.Registry
	v       *verify.Verifier
	rec     *records
	signers []trust.Signer
}

func newWorld(t *testing.T) *world {
	t.Helper()
	g := testkit.LoadGolden(t)
	tables, err := mapping.LoadTables(configs.Mappings())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := all.Registry(tables)
	if err != nil {
		t.Fatal(err)
	}
	rec := &records{}
	return &world{g: g, reg: reg, rec: rec, signers: []trust.Signer{g.Keys["hub"]},
		v: &verify.Verifier{Adapters: reg, Trust: g.Registry, Clock: testkit.GoldenClock, Skew: trust.DefaultSkew,
			Region: mapping.NationalRegion, Recorder: rec}}
}

// sign signs payload as a compact JWS of typ with the golden key name.
func (w *world) sign(t *testing.T, key, typ string, payload any) string {
	t.Helper()
	tok, err := w.g.Keys[key].SignCompact(testkit.JSON(t, payload), typ)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// codeWithID builds a code of each format whose code id is id, signed as
// its province would, by hand: the encoders refuse such an id. The holder's
// own document is a passport, so that only the rule about resident numbers
// can refuse the code.
func (w *world) codeWithID(t *testing.T, format, id string) string {
	t.Helper()
	now := testkit.GoldenTime
	from, until := now.Add(-time.Minute).Unix(), now.Add(time.Hour).Unix()
	switch format {
	case "nic-v1":
		c := testkit.ClaimsAt("330000", mapping.Green, now)
		c.JTI, c.HID = id, "E1*****78"
		return nic.Prefix + w.sign(t, "zj", nic.Typ, c)
	case "gd-v1":
		return "GDHC:" + w.sign(t, "gd", "JWT", map[string]any{"id": id, "mzt": "10", "sj": from, "yxq": until, "xm": "张小三", "zjhm": "E12345678"})
	case "bj-v1":
		return "BJJKB:" + w.sign(t, "bj", "JWT", map[string]any{"cid": id, "zt": "未见异常", "t": from, "exp": until, "name": "张小三", "idno": "E12345678"})
	case "sh-v1":
		body := strings.Join([]string{"SSM2", id, "0", strconv.FormatInt(from, 10), "3600", "张*三", "E1*****78"}, "|")
		sig, err := w.g.Keys["sh"].Sign([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return body + "|" + testkit.B64(sig)
	case "zj-v1":
		return zj.Prefix + id
	}
	t.Fatalf("no format %s", format)
	return ""
}

var idFormats = []string{"nic-v1", "gd-v1", "bj-v1", "sh-v1", "zj-v1"}

// TestNoIdentityNumberTravelsAsACodeID: a code whose id (NIC jti, gd-v1 id,
// sh-v1 and bj-v1 cid, zj-v1 token) holds a resident identity number, in
// any spelling, is malformed: refused by its adapter, by the verifier and
// by conversion, and the number reaches no answer, record or national
// code. The numbers are made up.
func TestNoIdentityNumberTravelsAsACodeID(t *testing.T) {
	spellings := map[string]string{
		"plain":                                  "330102199001011234",
		"check character X":                      "11010519491231002X",
		"lower-case x":                           "11010519491231002x",
		"separated by spaces":                    "330102 19900101 1234",
		"separated by hyphens":                   "330102-19900101-1234",
		"separated by underscores":               "330102_19900101_1234",
		"without its check digit":                "33010219900101123",
		"after a prefix":                         "ZJ330102199001011234",
		"before a suffix":                        "330102199001011234a9",
		"inside a base64url-looking token":       "kQ9_aB330102199001011234_Zx3pLmQw",
		"17 digits inside a token":               "Tk-33010219900101123-Qx",
		"a legacy 15-digit number":               "110105491231002",
		"a legacy number inside a token":         "Tkq110105491231002QxWp",
		"a legacy number separated by hyphens":   "zz-110105-491231-002-zz",
		"a foreigner's permanent-residence card": "933156199001011239",
	}
	w := newWorld(t)
	ctx := context.Background()

	// The control: each format's code with a clean id decodes, so what
	// refuses the others is their id.
	for _, f := range idFormats {
		code := w.codeWithID(t, f, "clean-code-id-0001")
		a, _ := w.reg.Detect(code)
		if c, err := a.Decode(code, adapters.Env{Trust: w.g.Registry.Snapshot(), Skew: trust.DefaultSkew, Now: testkit.GoldenTime}); err != nil || c.ID != "clean-code-id-0001" {
			t.Fatalf("%s: the control code does not decode: %v", f, err)
		}
	}
	ctl, err := w.v.Convert(ctx, verify.Request{Code: w.codeWithID(t, "nic-v1", "clean-code-id-0001")}, w.signers)
	if err != nil || ctl.NationalCode == "" {
		t.Fatalf("the control code does not convert: %v", err)
	}

	for name, id := range spellings {
		for _, f := range idFormats {
			t.Run(f+"/"+name, func(t *testing.T) {
				code := w.codeWithID(t, f, id)
				a, ok := w.reg.Detect(code)
				if !ok || a.Format() != f {
					t.Fatalf("detected as %v", a)
				}
				c, err := a.Decode(code, adapters.Env{Trust: w.g.Registry.Snapshot(), Skew: trust.DefaultSkew, Now: testkit.GoldenTime})
				if fault.ReasonOf(err) != fault.Malformed || c != nil {
					t.Fatalf("adapter: %v (%v), want malformed", err, c)
				}
				n := len(w.rec.recs)
				vd, err := w.v.Verify(ctx, verify.Request{Code: code, Checkpoint: "gate-1"})
				if err != nil {
					t.Fatal(err)
				}
				if vd.Result != fault.Invalid || vd.Reason != fault.Malformed || vd.Status != mapping.Grey {
					t.Fatalf("verdict %s/%s/%s (%s), want invalid/malformed", vd.Result, vd.Reason, vd.Status, vd.Detail)
				}
				out, err := w.v.Convert(ctx, verify.Request{Code: code}, w.signers)
				if !errors.Is(err, verify.ErrNotValid) || out.NationalCode != "" || out.Verdict.Reason != fault.Malformed {
					t.Fatalf("convert: %v, code %q, verdict %s", err, out.NationalCode, out.Verdict.Reason)
				}
				if len(w.rec.recs) != n+2 {
					t.Fatalf("%d records for a verification and a conversion", len(w.rec.recs)-n)
				}
				answer, _ := json.Marshal(vd)
				converted, _ := json.Marshal(out.Verdict)
				texts := []string{string(answer), string(converted)}
				for _, r := range w.rec.recs[n:] {
					if r.CodeID != "" {
						t.Fatalf("record keeps code id %q", r.CodeID)
					}
					texts = append(texts, fmt.Sprintf("%+v", r))
				}
				for _, s := range texts {
					if strings.Contains(s, id) || strings.Contains(s, "19900101") || strings.Contains(s, "491231") {
						t.Fatalf("the number reached an answer or record: %s", s)
					}
				}
			})
		}
	}
}

// TestOneCodeOneIdentity: a NIC and a gd-v1 code (both ES256) re-spelt
// with s' = n − s verify, as they must (provinces sign with libraries that
// emit either half), and their record's code hash, the status cache's key
// (org and code id) and the converted national code's jti are the
// original's.
func TestOneCodeOneIdentity(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for _, f := range []string{"nic-v1", "gd-v1"} {
		t.Run(f, func(t *testing.T) {
			var saw [2]bool // a high-S and a low-S original
			for i := 0; i < 64 && !(saw[0] && saw[1]); i++ {
				code := w.codeWithID(t, f, fmt.Sprintf("one-code-%d", i))
				other, high := adaptertest.Respell(t, code)
				if other == code {
					t.Fatal("no other spelling")
				}
				saw[btoi(high)] = true
				var hashes, keys, jtis []string
				for _, spelling := range []string{code, other} {
					n := len(w.rec.recs)
					vd, err := w.v.Verify(ctx, verify.Request{Code: spelling})
					if err != nil || vd.Result != fault.Valid {
						t.Fatalf("verdict %s/%s (%s), err %v", vd.Result, vd.Reason, vd.Detail, err)
					}
					r := w.rec.recs[n]
					hashes = append(hashes, r.CodeSHA256)
					keys = append(keys, r.Org+"\x00"+r.CodeID) // federation.Client's cache key
					out, err := w.v.Convert(ctx, verify.Request{Code: spelling}, w.signers)
					if err != nil {
						t.Fatalf("convert: %v", err)
					}
					_, payload, err := trust.SplitCompact(strings.TrimPrefix(out.NationalCode, nic.Prefix))
					if err != nil {
						t.Fatal(err)
					}
					var claims struct{ JTI string }
					if err := json.Unmarshal(payload, &claims); err != nil {
						t.Fatal(err)
					}
					jtis = append(jtis, claims.JTI)
					if conv := w.rec.recs[n+1]; conv.CodeSHA256 != r.CodeSHA256 {
						t.Fatalf("the conversion's record hashes the code as %s, the verification as %s", conv.CodeSHA256, r.CodeSHA256)
					}
				}
				if hashes[0] != hashes[1] || keys[0] != keys[1] || jtis[0] != jtis[1] {
					t.Fatalf("two spellings, two codes: hashes %q, cache keys %q, jtis %q", hashes, keys, jtis)
				}
				if want := adaptertest.CanonicalSHA256(t, code); hashes[0] != want {
					t.Fatalf("code hash %s, want the low-S spelling's %s", hashes[0], want)
				}
			}
			if !saw[0] || !saw[1] {
				t.Fatalf("64 signatures, high-S seen %v, low-S seen %v", saw[1], saw[0])
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
