package eudcc_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/internal/conformance/dcc"
)

// testdataDir is the project's copy of the member states' test data.
var testdataDir = filepath.Join("..", "..", "testdata", "dgc-testdata")

// TestConformance runs every case of the member states' test data
// (testdata/dgc-testdata, Apache-2.0) through hcgw's decoders and verifier
// and fails on any failure its known-issues file does not list. The table
// it logs is the one in docs/INTEROP.md.
func TestConformance(t *testing.T) {
	// The member states' own list, then hcgw's (cases the member states'
	// suite never ran or where hcgw refuses on purpose), each line with its
	// reason.
	var known dcc.KnownIssues
	for _, f := range []string{filepath.Join(testdataDir, "tests", "known_issues.csv"), testdataDir + "-known_issues.csv"} {
		k, err := dcc.LoadKnownIssues(f)
		if err != nil {
			t.Fatal(err)
		}
		known = append(known, k...)
	}
	r, err := dcc.Run(testdataDir, dcc.Options{Known: known})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	if os.Getenv("HCGW_DCC_TABLE") != "" {
		_ = os.WriteFile(os.Getenv("HCGW_DCC_TABLE"), []byte(b.String()), 0o644)
	}
	for _, f := range r.Unexpected() {
		t.Errorf("unexpected: %s", f)
	}
	total := r.Total()
	if total.Files < 400 || total.Checks < 2500 {
		t.Fatalf("only %d files and %d checks ran: is the test data complete?", total.Files, total.Checks)
	}
}
