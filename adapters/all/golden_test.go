package all_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters/all"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors/nic-v1.json")

type vectorFile struct {
	Format         string    `json:"format"`
	ValidationTime time.Time `json:"validation_time"`
	Cases          []vector  `json:"cases"`
}

type vector struct {
	Name   string         `json:"name"`
	Code   string         `json:"code"`
	Result fault.Result   `json:"result"`
	Reason fault.Kind     `json:"reason"`
	Status mapping.Status `json:"status"`
}

// fullID matches an unmasked resident identity number.
var fullID = regexp.MustCompile(`[0-9]{17}[0-9X]`)

// TestGoldenVectors runs every vector of every format through the whole
// verifier with every shipped adapter registered, at the file's validation
// time, and checks the verdict. It also checks that no verdict carries an
// unmasked holder, whatever the code carried.
func TestGoldenVectors(t *testing.T) {
	g := testkit.LoadGolden(t)
	tables, err := mapping.LoadTables(configs.Mappings())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := all.Registry(tables)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(g.Dir, "vectors", "*.json"))
	formats := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var vf vectorFile
		if err := json.Unmarshal(data, &vf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		at := vf.ValidationTime
		v := &verify.Verifier{Adapters: reg, Trust: g.Registry, Clock: func() time.Time { return at }, Skew: trust.DefaultSkew}
		for _, tc := range vf.Cases {
			t.Run(vf.Format+"/"+tc.Name, func(t *testing.T) {
				vd, c := v.Evaluate(context.Background(), tc.Code)
				if vd.Result != tc.Result || vd.Reason != tc.Reason || vd.Status != tc.Status {
					t.Fatalf("got %s/%s/%s (%s), want %s/%s/%s", vd.Result, vd.Reason, vd.Status, vd.Detail, tc.Result, tc.Reason, tc.Status)
				}
				// Every adapter hashes what it decoded in its canonical
				// spelling; none leaves it to the code as scanned.
				if c != nil && c.Digest == ([32]byte{}) {
					t.Fatalf("a decoded %s code without Digest", c.Format)
				}
				if vd.Result == fault.Valid && vd.Format != vf.Format {
					t.Fatalf("format %s, want %s", vd.Format, vf.Format)
				}
				out, _ := json.Marshal(vd)
				if fullID.Match(out) {
					t.Fatalf("verdict carries an unmasked identity number: %s", out)
				}
				if vd.Holder != nil && (!mapping.IsMaskedName(vd.Holder.Name) || !mapping.IsMaskedID(vd.Holder.ID)) {
					t.Fatalf("verdict holder not masked: %+v", vd.Holder)
				}
			})
			formats[vf.Format]++
		}
	}
	for _, f := range []string{"nic-v1", "zj-v1", "gd-v1", "sh-v1", "bj-v1"} {
		if formats[f] == 0 {
			t.Errorf("no golden vector for %s", f)
		}
	}
}

// TestGenerateNICVectors writes testdata/vectors/nic-v1.json with -update.
func TestGenerateNICVectors(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate testdata/vectors/nic-v1.json")
	}
	g := testkit.LoadGolden(t)
	now := testkit.GoldenTime
	claims := func(org string, st mapping.Status, f func(*mapping.Claims)) *mapping.Claims {
		c := &mapping.Claims{V: 1, Iss: org, Org: org, JTI: "nic-" + org, IAT: now.Add(-time.Hour).Unix(), EXP: now.Add(23 * time.Hour).Unix(),
			St: st, SA: now.Add(-time.Hour).Unix(), HN: "欧*锋", HID: "3301**********123X"}
		if f != nil {
			f(c)
		}
		return c
	}
	sign := func(key string, c *mapping.Claims) string {
		code, err := nic.Encode(g.Keys[key], c)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	raw := func(key string, header map[string]any, c *mapping.Claims) string {
		payload, _ := json.Marshal(c)
		h, _ := json.Marshal(header)
		input := testkit.B64(h) + "." + testkit.B64(payload)
		sig, err := g.Keys[key].Sign([]byte(input))
		if err != nil {
			t.Fatal(err)
		}
		return nic.Prefix + input + "." + testkit.B64(sig)
	}
	green := sign("zj", claims("330000", mapping.Green, nil))
	parts := strings.Split(strings.TrimPrefix(green, nic.Prefix), ".")
	var cases []vector
	add := func(name, code string, r fault.Result, reason fault.Kind, st mapping.Status) {
		cases = append(cases, vector{Name: name, Code: code, Result: r, Reason: reason, Status: st})
	}
	for _, st := range mapping.Statuses {
		add("valid "+string(st)+" (ES256, Zhejiang)", sign("zj", claims("330000", st, nil)), fault.Valid, fault.None, st)
	}
	add("valid green (EdDSA, Beijing)", sign("bj", claims("110000", mapping.Green, nil)), fault.Valid, fault.None, mapping.Green)
	add("valid: the hub signs for Guangdong's data", sign("hub", claims("440000", mapping.Yellow, func(c *mapping.Claims) { c.Iss = "000000" })), fault.Valid, fault.None, mapping.Yellow)
	add("tampered signature", nic.Prefix+parts[0]+"."+parts[1]+"."+strings.Repeat("A", len(parts[2])), fault.Invalid, fault.BadSignature, mapping.Grey)
	add("tampered payload", nic.Prefix+parts[0]+"."+testkit.B64(mustJSON(claims("330000", mapping.Red, nil)))+"."+parts[2], fault.Invalid, fault.BadSignature, mapping.Grey)
	add("alg none", nic.Prefix+testkit.B64([]byte(`{"alg":"none","kid":"`+g.Keys["zj"].Kid()+`","typ":"nic+jwt"}`))+"."+parts[1]+".", fault.Invalid, fault.Malformed, mapping.Grey)
	add("header says EdDSA for an ES256 key", raw("zj", map[string]any{"alg": "EdDSA", "kid": g.Keys["zj"].Kid(), "typ": "nic+jwt"}, claims("330000", mapping.Green, nil)), fault.Invalid, fault.BadSignature, mapping.Grey)
	add("wrong key (endorsed by another root)", sign("rogue", claims("440000", mapping.Green, nil)), fault.Invalid, fault.UnknownKey, mapping.Grey)
	add("revoked key", sign("gd-revoked", claims("440000", mapping.Green, nil)), fault.Invalid, fault.RevokedKey, mapping.Grey)
	add("scope violation: Zhejiang's key for Guangdong's data", sign("zj", claims("330000", mapping.Green, func(c *mapping.Claims) { c.Org = "440000" })), fault.Invalid, fault.ScopeViolation, mapping.Grey)
	add("expired", sign("zj", claims("330000", mapping.Green, func(c *mapping.Claims) {
		c.IAT, c.SA, c.EXP = now.Add(-48*time.Hour).Unix(), now.Add(-48*time.Hour).Unix(), now.Add(-time.Second).Unix()
	})), fault.Invalid, fault.Expired, mapping.Grey)
	add("not yet valid", sign("zj", claims("330000", mapping.Green, func(c *mapping.Claims) {
		c.IAT, c.SA = now.Add(10*time.Minute).Unix(), now.Add(10*time.Minute).Unix()
	})), fault.Invalid, fault.NotYetValid, mapping.Grey)
	add("malformed: not base64", nic.Prefix+"!!!.???.***", fault.Invalid, fault.Malformed, mapping.Grey)
	add("malformed: unmasked holder", raw("zj", map[string]any{"alg": "ES256", "kid": g.Keys["zj"].Kid(), "typ": "nic+jwt"},
		claims("330000", mapping.Green, func(c *mapping.Claims) { c.HN, c.HID = "欧阳锋", "33010219900101123X" })), fault.Invalid, fault.Malformed, mapping.Grey)
	add("oversized", green+strings.Repeat("A", 5000-len(green)), fault.Invalid, fault.Malformed, mapping.Grey)
	data, _ := json.MarshalIndent(vectorFile{Format: "nic-v1", ValidationTime: now, Cases: cases}, "", "  ")
	if err := os.WriteFile(filepath.Join(g.Dir, "vectors", "nic-v1.json"), append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
