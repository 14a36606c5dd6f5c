package sh_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors/sh-v1.json and the FuzzDecode seed corpus")

// vectorFile is the shape of testdata/vectors/<format>.json, shared with
// checkpoint vendors: every case is a code and the verdict it must get at
// validation_time from a gateway holding testdata/trust and no peer.
type vectorFile struct {
	Format         string       `json:"format"`
	ValidationTime string       `json:"validation_time"`
	Cases          []vectorCase `json:"cases"`
}

type vectorCase struct {
	Name   string `json:"name"`
	Code   string `json:"code"`
	Result string `json:"result"`
	Reason string `json:"reason"`
	Status string `json:"status"`
}

func vectorPath(t testing.TB) string {
	return filepath.Join(testkit.RepoRoot(t), "testdata", "vectors", sh.Format+".json")
}

// goldenVerifier is a gateway holding the golden trust material, no peer and
// no recorder, at the golden time.
func goldenVerifier(t testing.TB) *verify.Verifier {
	t.Helper()
	g := testkit.LoadGolden(t)
	reg, err := adapters.NewRegistry(nic.New(), newAdapter(t))
	if err != nil {
		t.Fatal(err)
	}
	return &verify.Verifier{Adapters: reg, Trust: g.Registry, Clock: testkit.GoldenClock, Skew: verify.DefaultSkew, Region: sh.Region}
}

// generateVectors makes the cases with their intended verdicts.
func generateVectors(t *testing.T) []vectorCase {
	w := newWorld(t)
	k := w.key(t, "sh")
	green := encode(t, k, claims("0"))
	red := encode(t, k, claims("2"))
	valid := fields(claims("0"))
	ok := func(name, code string, st mapping.Status) vectorCase {
		return vectorCase{Name: name, Code: code, Result: string(mapping.Valid), Status: string(st)}
	}
	bad := func(name, code string, r mapping.Reason) vectorCase {
		return vectorCase{Name: name, Code: code, Result: string(r.Result()), Reason: string(r), Status: string(mapping.Grey)}
	}
	return []vectorCase{
		ok("green", green, mapping.Green),
		ok("yellow", encode(t, k, claims("1")), mapping.Yellow),
		ok("red", red, mapping.Red),
		ok("grey", encode(t, k, claims("9")), mapping.Grey),
		ok("unknown_state", encode(t, k, claims("7")), mapping.Grey),
		ok("one_character_name", encode(t, k, with(claims("0"), func(c *sh.Claims) { c.Name = "张" })), mapping.Green),
		bad("tampered_signature", flipSig(green), mapping.BadSignature),
		bad("tampered_state", replaceField(red, 2, "0"), mapping.BadSignature),
		bad("rogue_key", signRaw(t, w.key(t, "rogue"), valid...), mapping.BadSignature),
		bad("hub_key", signRaw(t, w.key(t, "hub"), valid...), mapping.BadSignature),
		bad("revoked_key", encode(t, w.key(t, "sh-revoked"), claims("0")), mapping.RevokedKey),
		bad("issued_before_key_window", encode(t, k, with(claims("0"), func(c *sh.Claims) {
			c.Issued = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
		})), mapping.KeyNotValid),
		bad("expired", encode(t, k, with(claims("0"), func(c *sh.Claims) {
			c.Issued = testkit.GoldenTime.Add(-2 * time.Hour).Unix()
		})), mapping.Expired),
		bad("expired_at_the_second", encode(t, k, with(claims("0"), func(c *sh.Claims) {
			c.Issued = testkit.GoldenTime.Add(-time.Hour).Unix()
		})), mapping.Expired),
		bad("not_yet_valid", encode(t, k, with(claims("0"), func(c *sh.Claims) {
			c.Issued = testkit.GoldenTime.Add(10 * time.Minute).Unix()
		})), mapping.NotYetValid),
		ok("issued_within_clock_skew", encode(t, k, with(claims("0"), func(c *sh.Claims) {
			c.Issued = testkit.GoldenTime.Add(30 * time.Second).Unix()
		})), mapping.Green),
		bad("malformed_seven_fields", strings.Join(valid, "|"), mapping.Malformed),
		bad("malformed_nine_fields", green+"|x", mapping.Malformed),
		bad("malformed_unmasked_name", signRaw(t, k, set(valid, 5, fullName)...), mapping.Malformed),
		bad("malformed_unmasked_id", signRaw(t, k, set(valid, 6, fullID)...), mapping.Malformed),
		bad("malformed_bad_integer", signRaw(t, k, set(valid, 3, "0"+valid[3])...), mapping.Malformed),
		bad("malformed_ttl_over_seven_days", signRaw(t, k, set(valid, 4, "604801")...), mapping.Malformed),
		bad("malformed_short_signature", strings.Join(valid, "|")+"|"+testkit.B64(make([]byte, 63)), mapping.Malformed),
		bad("oversized", green+strings.Repeat("A", 5000-len(green)), mapping.Malformed),
		bad("lower_case_prefix", "ssm2"+strings.TrimPrefix(green, "SSM2"), mapping.UnrecognizedFormat),
	}
}

// TestGenerateVectors rewrites the golden vectors and the fuzz seed corpus
// (go test ./adapters/sh -run TestGenerateVectors -update). Each case is
// checked against the verifier before anything is written.
func TestGenerateVectors(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite " + sh.Format + ".json")
	}
	cases := generateVectors(t)
	v := goldenVerifier(t)
	for _, c := range cases {
		checkVector(t, v, c)
	}
	if t.Failed() {
		t.Fatal("not written")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(vectorFile{Format: sh.Format, ValidationTime: testkit.GoldenTime.UTC().Format(time.RFC3339), Cases: cases}); err != nil {
		t.Fatal(err)
	}
	path := vectorPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, s := range seeds(cases) {
		if err := os.WriteFile(filepath.Join(dir, name), corpusFile(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func loadVectors(t testing.TB) []vectorCase {
	t.Helper()
	data, err := os.ReadFile(vectorPath(t))
	if err != nil {
		t.Fatalf("%v (run go test ./adapters/sh -run TestGenerateVectors -update)", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f vectorFile
	if err := dec.Decode(&f); err != nil {
		t.Fatal(err)
	}
	if f.Format != sh.Format {
		t.Fatalf("format %q", f.Format)
	}
	if vt, err := time.Parse(time.RFC3339, f.ValidationTime); err != nil || !vt.Equal(testkit.GoldenTime) {
		t.Fatalf("validation_time %q is not the golden time %s", f.ValidationTime, testkit.GoldenTime)
	}
	if len(f.Cases) == 0 {
		t.Fatal("no cases")
	}
	return f.Cases
}

// TestVectors runs every committed vector through a verifier, so that the
// vectors never drift from the behaviour.
func TestVectors(t *testing.T) {
	v := goldenVerifier(t)
	seen := map[string]bool{}
	for _, c := range loadVectors(t) {
		if seen[c.Name] {
			t.Errorf("case %q given twice", c.Name)
		}
		seen[c.Name] = true
		checkVector(t, v, c)
	}
	// The file covers at least what DESIGN promises checkpoint vendors.
	for _, name := range []string{"green", "yellow", "red", "grey", "unknown_state", "tampered_signature", "tampered_state",
		"rogue_key", "revoked_key", "expired", "not_yet_valid", "malformed_seven_fields", "malformed_unmasked_name",
		"malformed_bad_integer", "oversized"} {
		if !seen[name] {
			t.Errorf("no case %q", name)
		}
	}
}

func checkVector(t *testing.T, v *verify.Verifier, c vectorCase) {
	t.Helper()
	t.Run(c.Name, func(t *testing.T) {
		if c.Result != string(mapping.Valid) && c.Status != string(mapping.Grey) {
			t.Errorf("a %s case must be grey, not %s", c.Result, c.Status)
		}
		vd, _ := v.Evaluate(t.Context(), c.Code)
		if string(vd.Result) != c.Result || string(vd.Reason) != c.Reason || string(vd.Status) != c.Status {
			t.Errorf("verdict %s/%s/%s (%s), want %s/%s/%s", vd.Result, vd.Reason, vd.Status, vd.Detail, c.Result, c.Reason, c.Status)
		}
	})
}

func corpusFile(s string) []byte {
	return fmt.Appendf(nil, "go test fuzz v1\nstring(%s)\n", strconv.Quote(s))
}
