package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	certlogicData = filepath.Join("..", "..", "..", "testdata", "certlogic")
	ruleSetsData  = filepath.Join("..", "..", "..", "testdata", "dcc-business-rules")
)

// TestCertLogicSuites runs the specification's test suites (evaluation
// and validation); the cases the suites themselves mark "skip" are the
// only ones not run.
func TestCertLogicSuites(t *testing.T) {
	r, err := Run(certlogicData, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range r.Results {
		if res.Outcome == Failed {
			t.Errorf("%s %q: %s", res.File, res.Case, res.Reason)
		}
	}
	files := map[string]bool{}
	for _, res := range r.Results {
		files[strings.SplitN(res.File, "/", 2)[0]] = true
	}
	if !files["testSuite"] || !files["validation-testSuite"] {
		t.Errorf("suites run: %v, want testSuite and validation-testSuite", files)
	}
	if p, s := r.Count(Passed), r.Count(Skipped); p != 241 || s != 14 {
		t.Errorf("%d passed and %d skipped, want 241 and 14", p, s)
	}
}

// TestRuleSets runs the EU member states' rule sets with their tests.
func TestRuleSets(t *testing.T) {
	r, err := Run(ruleSetsData, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range r.Results {
		if res.Outcome != Passed {
			t.Errorf("%s %q: %s %s", res.File, res.Case, res.Outcome, res.Reason)
		}
	}
	if p := r.Count(Passed); p != 889 {
		t.Errorf("%d passed, want the 889 tests", p)
	}
}

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const ruleOK = `{"Identifier":"GR-XX-0001","Engine":"CERTLOGIC","ValidFrom":"2021-06-01T00:00:00Z","ValidTo":"2030-06-01T00:00:00Z",
 "Logic":{"===":[{"var":"payload.st"},"green"]}}`

func TestRunTellsFailures(t *testing.T) {
	tests := map[string]struct {
		files   map[string]string
		known   []KnownIssue
		outcome Outcome
		reason  string
	}{
		"a rule test as expected": {map[string]string{
			"XX/GR-XX-0001/rule.json":          ruleOK,
			"XX/GR-XX-0001/tests/test001.json": `{"name":"green","payload":{"st":"green"},"external":{"validationClock":"2022-01-01T00:00:00Z"},"expected":true}`,
		}, nil, Passed, ""},
		"a rule test not as expected": {map[string]string{
			"XX/GR-XX-0001/rule.json":          ruleOK,
			"XX/GR-XX-0001/tests/test001.json": `{"name":"green","payload":{"st":"green"},"external":{},"expected":false}`,
		}, nil, Failed, "got true, want false"},
		"a known issue excuses it": {map[string]string{
			"XX/GR-XX-0001/rule.json":          ruleOK,
			"XX/GR-XX-0001/tests/test001.json": `{"name":"green","payload":{"st":"green"},"external":{},"expected":false}`,
		}, []KnownIssue{{File: "XX/GR-XX-0001/tests/test001.json", Reason: "declared wrong on purpose"}}, Known, "declared wrong on purpose (got: got true, want false)"},
		"a clock outside the rule's validity": {map[string]string{
			"XX/GR-XX-0001/rule.json":          ruleOK,
			"XX/GR-XX-0001/tests/test001.json": `{"payload":{"st":"green"},"external":{"validationClock":"2021-05-31T23:59:59Z"},"expected":true}`,
		}, nil, Failed, "outside the rule's validity"},
		"an evaluation error": {map[string]string{
			"XX/GR-XX-0001/rule.json":          strings.Replace(ruleOK, `{"===":[{"var":"payload.st"},"green"]}`, `{"+":[1,{"var":"payload.st"}]}`, 1),
			"XX/GR-XX-0001/tests/test001.json": `{"payload":{"st":"1"},"external":{},"expected":2}`,
		}, nil, Failed, "evaluation: certlogic: evaluation_type: operands of this operation must both be integers"},
		"a rule that is not CertLogic": {map[string]string{
			"XX/GR-XX-0001/rule.json":          strings.Replace(ruleOK, `"green"]}`, `"green"],"x":1}`, 1),
			"XX/GR-XX-0001/tests/test001.json": `{"payload":{},"external":{},"expected":false}`,
		}, nil, Failed, "exactly one key, but it has 2"},
		"a rule of another engine": {map[string]string{
			"XX/GR-XX-0001/rule.json": strings.Replace(ruleOK, "CERTLOGIC", "JSONLOGIC", 1),
		}, nil, Failed, `Engine "JSONLOGIC"`},
		"a suite assertion not as expected": {map[string]string{
			"s.json": `{"name":"s","cases":[{"name":"c","certLogicExpression":{"+":[1,{"var":"x"}]},"assertions":[{"data":{"x":2},"expected":4}]}]}`,
		}, nil, Failed, "got 3, want 4"},
		"a suite assertion failing to evaluate": {map[string]string{
			"s.json": `{"name":"s","cases":[{"name":"c","certLogicExpression":{"+":[1,{"var":"x"}]},"assertions":[{"data":{"x":"2"},"expected":3}]}]}`,
		}, nil, Failed, "evaluation_type"},
		"a skipped assertion": {map[string]string{
			"s.json": `{"name":"s","cases":[{"name":"c","certLogicExpression":{"+":[1,{"var":"x"}]},"assertions":[{"directive":"skip","data":{"x":"2"},"expected":3}]}]}`,
		}, nil, Skipped, `"directive": "skip"`},
		"a validation case with another message": {map[string]string{
			"v.json": `{"name":"v","cases":[{"certLogicExpression":{"var":1},"issues":[{"expr":{"var":1},"message":"something else"}]}]}`,
		}, nil, Failed, "issue 1 is"},
		"a validation case missing an issue": {map[string]string{
			"v.json": `{"name":"v","cases":[{"certLogicExpression":{"var":"a."},"issues":[]}]}`,
		}, nil, Failed, "want 0 issues"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tc.files)
			r, err := Run(dir, Options{Known: tc.known})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Results) != 1 {
				t.Fatalf("%d results, want 1: %+v", len(r.Results), r.Results)
			}
			got := r.Results[0]
			if got.Outcome != tc.outcome || !strings.Contains(got.Reason, tc.reason) {
				t.Fatalf("%s %q, want %s %q", got.Outcome, got.Reason, tc.outcome, tc.reason)
			}
		})
	}
}

func TestCommand(t *testing.T) {
	failing := t.TempDir()
	write(t, failing, map[string]string{
		"XX/GR-XX-0001/rule.json":          ruleOK,
		"XX/GR-XX-0001/tests/test001.json": `{"name":"green","payload":{"st":"green"},"external":{},"expected":false}`,
		"XX/GR-XX-0001/tests/test002.json": `{"name":"yellow","payload":{"st":"yellow"},"external":{},"expected":false}`,
		"XX/GR-XX-0001/tests/notes.json":   `{"not":"a test"}`,
	})
	known := filepath.Join(t.TempDir(), "known.csv")
	write(t, filepath.Dir(known), map[string]string{"known.csv": "file,case,reason\nXX/GR-XX-0001/tests/test001.json,green,declared wrong on purpose\n"})
	badKnown := filepath.Join(t.TempDir(), "bad.csv")
	write(t, filepath.Dir(badKnown), map[string]string{"bad.csv": "file,reason\nx,y\n"})
	withDefault := t.TempDir()
	write(t, withDefault, map[string]string{
		"XX/GR-XX-0001/rule.json":          ruleOK,
		"XX/GR-XX-0001/tests/test001.json": `{"name":"green","payload":{"st":"green"},"external":{},"expected":false}`,
		"known_issues.csv":                 "file,case,reason\nXX/GR-XX-0001/tests/test001.json,,every case of the file\n",
	})
	sibling := filepath.Join(t.TempDir(), "rules")
	write(t, sibling, map[string]string{
		"XX/GR-XX-0001/rule.json":          ruleOK,
		"XX/GR-XX-0001/tests/test001.json": `{"name":"green","payload":{"st":"green"},"external":{},"expected":false}`,
	})
	write(t, filepath.Dir(sibling), map[string]string{"rules-known_issues.csv": "file,case,reason\nXX/GR-XX-0001/tests/test001.json,green,listed beside the folder\n"})

	tests := map[string]struct {
		args []string
		code int
		out  []string
		err  string
	}{
		"DIR-known_issues.csv is read": {[]string{sibling}, 0, []string{"listed beside the folder", "0 passed, 0 failed\n"}, ""},
		"the rule sets pass":           {[]string{ruleSetsData}, 0, []string{"889 passed, 0 failed\n"}, ""},
		"the CertLogic suites pass":    {[]string{certlogicData}, 0, []string{"0 known, 14 skipped\n", "241 passed, 0 failed\n"}, ""},
		"a failure fails": {[]string{failing}, 1, []string{
			`FAILED  XX/GR-XX-0001/tests/test001.json "green": got true, want false`, "1 passed, 1 failed\n"}, ""},
		"a known issue is listed with its reason": {[]string{"--known", known, failing}, 0, []string{
			`KNOWN   XX/GR-XX-0001/tests/test001.json "green": declared wrong on purpose`, "1 known, 0 skipped\n", "1 passed, 0 failed\n"}, ""},
		"DIR/known_issues.csv is read": {[]string{withDefault}, 0, []string{"every case of the file", "0 passed, 0 failed\n"}, ""},
		"a missing --known file":       {[]string{"--known", known + ".gone", failing}, 1, nil, "no such file"},
		"a malformed --known file":     {[]string{"--known", badKnown, failing}, 1, nil, "wrong number of fields"},
		"a folder with no tests":       {[]string{t.TempDir()}, 1, nil, "no CertLogic test suite"},
		"no folder":                    {nil, 2, nil, Usage},
		"two folders":                  {[]string{failing, failing}, 2, nil, Usage},
		"an unknown flag":              {[]string{"--skew", "1s", failing}, 2, nil, Usage},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var out, errs bytes.Buffer
			code := Command(tc.args, &out, &errs)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errs.String())
			}
			for _, w := range tc.out {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			if tc.code == 0 || tc.code == 1 && tc.err == "" {
				if !strings.HasSuffix(out.String(), " failed\n") {
					t.Errorf("the last line is not the counts:\n%s", out.String())
				}
			}
			if tc.err != "" && !strings.Contains(errs.String(), tc.err) {
				t.Errorf("stderr lacks %q:\n%s", tc.err, errs.String())
			}
		})
	}
}
