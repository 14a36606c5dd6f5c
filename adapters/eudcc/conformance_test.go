package eudcc_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hcgw/hcgw/internal/conformance/dcc"
	"github.com/hcgw/hcgw/trust"
)

// testdataDir is the project's copy of the member states' test data.
var testdataDir = filepath.Join("..", "..", "testdata", "dgc-testdata")

// TestConformance runs every case of the member states' test data
// (testdata/dgc-testdata, Apache-2.0) through hcgw's decoders and verifier
// and fails on any failure its known-issues file does not list. The table
// it logs is the one in docs/INTEROP.md.
func TestConformance(t *testing.T) {
	r := plainConformance(t)
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

// TestConformanceWithKeyTables runs the member states' test data again
// with every ES256 document signer checking through its table from its
// first use (trust.SetTableAfter): the same table of results, every
// ES256 signature through trust/p256 instead of go-cose's crypto/ecdsa.
func TestConformanceWithKeyTables(t *testing.T) {
	plain := plainConformance(t)
	defer trust.SetTableAfter(trust.SetTableAfter(1))
	budget := trust.DefaultKeyTables
	trust.SetKeyTables(4096)
	defer trust.SetKeyTables(budget)
	built := trust.KeyTablesBuilt()
	tabled := runConformance(t)
	n := trust.KeyTablesBuilt() - built
	t.Logf("%d document signers' tables built", n)
	if n < 100 {
		t.Fatalf("%d document signers' tables built: the ES256 cases did not go through trust/p256", n)
	}
	var a, b strings.Builder
	_ = plain.WriteTable(&a)
	_ = tabled.WriteTable(&b)
	if a.String() != b.String() {
		t.Fatalf("with key tables the results differ:\n%s\nwithout:\n%s", b.String(), a.String())
	}
	for _, f := range tabled.Unexpected() {
		t.Errorf("unexpected with key tables: %s", f)
	}
}

// plainConformance is the run without tables, once for both tests (it
// takes 40 s under the race detector).
var plainConformance = func() func(t *testing.T) *dcc.Report {
	var (
		once sync.Once
		r    *dcc.Report
	)
	return func(t *testing.T) *dcc.Report {
		t.Helper()
		once.Do(func() { r = runConformance(t) })
		if r == nil {
			t.Fatal("the run without key tables failed")
		}
		return r
	}
}()

func runConformance(t *testing.T) *dcc.Report {
	t.Helper()
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
	return r
}
