package zj_test

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
	"github.com/hcgw/hcgw/adapters/zj"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors/zj-v1.json and the FuzzDecode seed corpus")

// vectorFile is the shape of testdata/vectors/<format>.json: every case is a
// code and the verdict it must get at validation_time from a gateway holding
// testdata/trust and no peer.
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
	return filepath.Join(testkit.RepoRoot(t), "testdata", "vectors", zj.Format+".json")
}

// goldenVerifier is a gateway holding the golden trust material and no peer
// (no federation yet) at the golden time.
func goldenVerifier(t testing.TB) *verify.Verifier {
	t.Helper()
	g := testkit.LoadGolden(t)
	reg, err := adapters.NewRegistry(nic.New(), newAdapter(t))
	if err != nil {
		t.Fatal(err)
	}
	return &verify.Verifier{Adapters: reg, Trust: g.Registry, Clock: testkit.GoldenClock, Skew: verify.DefaultSkew, Region: zj.Region}
}

func generateVectors() []vectorCase {
	// Without a peer, an online-only code never passes: unverified, grey.
	online := func(name, code string) vectorCase {
		return vectorCase{Name: name, Code: code, Result: string(mapping.Unverified), Reason: string(mapping.IssuerUnavailable), Status: string(mapping.Grey)}
	}
	bad := func(name, code string, r mapping.Reason) vectorCase {
		return vectorCase{Name: name, Code: code, Result: string(r.Result()), Reason: string(r), Status: string(mapping.Grey)}
	}
	return []vectorCase{
		online("valid_token", zj.Prefix+token32),
		online("valid_token_16", zj.Prefix+token32[:16]),
		online("valid_token_64", zj.Prefix+token32+token32),
		bad("bad_token", zj.Prefix+token32[:15], mapping.Malformed),
		bad("token_too_long", zj.Prefix+token32+token32+"A", mapping.Malformed),
		bad("token_bad_character", zj.Prefix+token32[:20]+"."+token32[21:], mapping.Malformed),
		bad("query_string", zj.Prefix+token32+"?lang=zh", mapping.Malformed),
		bad("trailing_slash", zj.Prefix+token32+"/", mapping.Malformed),
		bad("http_scheme", "http://hc.zj.example/q/"+token32, mapping.UnrecognizedFormat),
		bad("oversized", zj.Prefix+strings.Repeat("A", 5000-len(zj.Prefix)), mapping.Malformed),
	}
}

// TestGenerateVectors rewrites the golden vectors and the fuzz seed corpus
// (go test ./adapters/zj -run TestGenerateVectors -update). Each case is
// checked against the verifier before anything is written.
func TestGenerateVectors(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite " + zj.Format + ".json")
	}
	cases := generateVectors()
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
	if err := enc.Encode(vectorFile{Format: zj.Format, ValidationTime: testkit.GoldenTime.UTC().Format(time.RFC3339), Cases: cases}); err != nil {
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
		t.Fatalf("%v (run go test ./adapters/zj -run TestGenerateVectors -update)", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f vectorFile
	if err := dec.Decode(&f); err != nil {
		t.Fatal(err)
	}
	if f.Format != zj.Format {
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
	for _, name := range []string{"valid_token", "bad_token", "oversized"} {
		if !seen[name] {
			t.Errorf("no case %q", name)
		}
	}
}

func checkVector(t *testing.T, v *verify.Verifier, c vectorCase) {
	t.Helper()
	t.Run(c.Name, func(t *testing.T) {
		if c.Result == string(mapping.Valid) {
			t.Errorf("a zj-v1 code is never valid offline")
		}
		if c.Status != string(mapping.Grey) {
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
