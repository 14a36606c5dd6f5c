package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var dgcTestdata = filepath.Join("..", "..", "testdata", "dgc-testdata")

func TestDCCConformance(t *testing.T) {
	// A country folder whose first case is turned upside down: its
	// signature is declared bad, which hcgw does not find.
	data, err := os.ReadFile(filepath.Join(dgcTestdata, "AT", "2DCode", "raw", "1.json"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := strings.Replace(string(data), `"EXPECTEDVERIFY": true`, `"EXPECTEDVERIFY": false`, 1)
	if flipped == string(data) {
		t.Fatal("AT/1 declares no EXPECTEDVERIFY")
	}
	dir := filepath.Join(t.TempDir(), "XX")
	raw := filepath.Join(dir, "2DCode", "raw")
	if err := os.MkdirAll(raw, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(raw, "1.json"), []byte(flipped), 0o644); err != nil {
		t.Fatal(err)
	}
	known := filepath.Join(t.TempDir(), "known.csv")
	if err := os.WriteFile(known, []byte("test_name,country,test_set,reason\ntest_verification_check,XX,1,declared bad on purpose\n,XX,1,and so the verdict is not the one declared\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := map[string]struct {
		args []string
		code int
		out  []string // in stdout
		err  string   // in stderr
	}{
		"a member state's folder passes": {[]string{"dcc-conformance", filepath.Join(dgcTestdata, "AT")}, 0,
			[]string{"AT      4", "total: 24 passed, 0 failed, 0 known issues"}, ""},
		"an unexpected failure fails": {[]string{"dcc-conformance", dir}, 1,
			[]string{"XX      1", "FAILED: XX/2DCode/raw/1.json: EXPECTEDVERIFY want false, got true", "FAILED: XX/2DCode/raw/1.json: HCGW want false, got true"}, "2 unexpected failures"},
		"a known issue is excused with its reason": {[]string{"dcc-conformance", "--known", known, dir}, 0,
			[]string{"2 known issues", "known:  XX/2DCode/raw/1.json: EXPECTEDVERIFY want false, got true (known issue: declared bad on purpose)",
				"known:  XX/2DCode/raw/1.json: HCGW want false, got true (eu:AT grey vaccination vaccination-partial; known issue: and so the verdict"}, ""},
		"a missing known-issues file is an error": {[]string{"dcc-conformance", "--known", known + ".gone", dir}, 1, nil, "no such file"},
		"a folder without test files":             {[]string{"dcc-conformance", t.TempDir()}, 1, nil, "no */2DCode/raw/*.json test file"},
		"no folder":                               {[]string{"dcc-conformance"}, 2, nil, "usage: hcgw dcc-conformance"},
		"two folders":                             {[]string{"dcc-conformance", dir, dir}, 2, nil, "usage: hcgw dcc-conformance"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runCLI(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
			}
			for _, w := range tc.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errs, tc.err) {
				t.Errorf("stderr lacks %q:\n%s", tc.err, errs)
			}
		})
	}
}
