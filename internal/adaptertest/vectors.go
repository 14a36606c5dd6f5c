package adaptertest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// VectorFile is the shape of testdata/vectors/<format>.json, shared with
// checkpoint vendors: every case is a code and the verdict it must get at
// validation_time from a gateway holding testdata/trust and no peer.
type VectorFile struct {
	Format         string   `json:"format"`
	ValidationTime string   `json:"validation_time"`
	Cases          []Vector `json:"cases"`
}

// Vector is one golden case.
type Vector struct {
	Name   string `json:"name"`
	Code   string `json:"code"`
	Result string `json:"result"`
	Reason string `json:"reason"`
	Status string `json:"status"`
}

// Valid is a case whose code is valid with status st.
func Valid(name, code string, st mapping.Status) Vector {
	return Vector{Name: name, Code: code, Result: string(fault.Valid), Status: string(st)}
}

// Refused is a case whose code gets reason r, hence r's result and grey.
func Refused(name, code string, r fault.Kind) Vector {
	return Vector{Name: name, Code: code, Result: string(r.Result()), Reason: r.String(), Status: string(mapping.Grey)}
}

// VectorPath is the golden file of format.
func VectorPath(t testing.TB, format string) string {
	return filepath.Join(testkit.RepoRoot(t), "testdata", "vectors", format+".json")
}

// LoadVectors reads format's golden file strictly (no unknown member), and
// checks that it is format's, at the golden time, and not empty.
func LoadVectors(t testing.TB, format string) []Vector {
	t.Helper()
	data, err := os.ReadFile(VectorPath(t, format))
	if err != nil {
		t.Fatalf("%v (generate it with -run TestGenerateVectors -update)", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f VectorFile
	if err := dec.Decode(&f); err != nil {
		t.Fatal(err)
	}
	if f.Format != format {
		t.Fatalf("format %q, want %q", f.Format, format)
	}
	if f.ValidationTime != testkit.GoldenTime.UTC().Format(time.RFC3339) {
		t.Fatalf("validation_time %q is not the golden time %s", f.ValidationTime, testkit.GoldenTime)
	}
	if len(f.Cases) == 0 {
		t.Fatal("no cases")
	}
	return f.Cases
}

// Verifier is the whole verification path of a gateway of region holding
// the golden trust material, no peer and no recorder, at the golden time:
// detection among the national adapter and a, decoding, the clock rules.
func Verifier(t testing.TB, region string, a adapters.Adapter) *verify.Verifier {
	t.Helper()
	reg, err := adapters.NewRegistry(nic.New(), a)
	if err != nil {
		t.Fatal(err)
	}
	return &verify.Verifier{Adapters: reg, Trust: testkit.LoadGolden(t).Registry, Clock: testkit.GoldenClock,
		Skew: Skew, Region: region}
}

// VerdictCheck looks further at the verdict a case got.
type VerdictCheck func(t *testing.T, c Vector, vd verify.Verdict)

// CheckVector runs one case through v in a subtest of its name: a case that
// is not valid must be grey, and the verdict must be the case's; then check,
// when there is one, looks further.
func CheckVector(t *testing.T, v *verify.Verifier, c Vector, check VerdictCheck) {
	t.Helper()
	t.Run(c.Name, func(t *testing.T) {
		if c.Result != string(fault.Valid) && c.Status != string(mapping.Grey) {
			t.Fatalf("a %s case must be grey, not %s: the verifier shows grey for anything not valid", c.Result, c.Status)
		}
		vd, _ := v.Evaluate(t.Context(), c.Code)
		if string(vd.Result) != c.Result || vd.Reason.String() != c.Reason || string(vd.Status) != c.Status {
			t.Fatalf("verdict %s/%s/%s (%s), want %s/%s/%s", vd.Result, vd.Reason, vd.Status, vd.Detail, c.Result, c.Reason, c.Status)
		}
		if check != nil {
			check(t, c, vd)
		}
	})
}

// RunVectors runs the committed golden file of format through v, so that
// the file can never drift from behaviour. Names are unique, and the file
// holds at least the required cases.
func RunVectors(t *testing.T, v *verify.Verifier, format string, required []string, check VerdictCheck) {
	seen := map[string]bool{}
	for _, c := range LoadVectors(t, format) {
		if seen[c.Name] {
			t.Errorf("case %q given twice", c.Name)
		}
		seen[c.Name] = true
		CheckVector(t, v, c, check)
	}
	for _, name := range required {
		if !seen[name] {
			t.Errorf("required case %q missing", name)
		}
	}
}

// GenerateVectors writes format's golden file from cases, each first checked
// against v: the generator states each verdict itself and refuses to write a
// file the verifier disagrees with.
func GenerateVectors(t *testing.T, v *verify.Verifier, format string, cases []Vector, check VerdictCheck) {
	t.Helper()
	for _, c := range cases {
		CheckVector(t, v, c, check)
	}
	if t.Failed() {
		t.Fatal("not written")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	f := VectorFile{Format: format, ValidationTime: testkit.GoldenTime.UTC().Format(time.RFC3339), Cases: cases}
	if err := enc.Encode(f); err != nil {
		t.Fatal(err)
	}
	path := VectorPath(t, format)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// VectorSeeds are fuzz seeds derived from golden cases: every code, two
// truncations of each, and the format's junk. Codes over 4096 bytes are
// left out: the verifier refuses them before any adapter sees them.
func VectorSeeds(cases []Vector, junk map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range junk {
		out[k] = v
	}
	for _, c := range cases {
		if len(c.Code) > 4096 {
			continue
		}
		out["vector_"+c.Name] = c.Code
		if len(c.Code) > 1 {
			out["truncated_"+c.Name+"_by_one"] = c.Code[:len(c.Code)-1]
			out["truncated_"+c.Name+"_in_half"] = c.Code[:len(c.Code)/2]
		}
	}
	return out
}
