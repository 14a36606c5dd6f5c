package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/hcgw/hcgw/internal/conformance/dcc"
)

const dccUsage = "usage: hcgw dcc-conformance [--known FILE]... [--skew 0s] DIR"

// cmdDCCConformance runs the eu-dcc conformance runner over a folder laid
// out as the member states' test data (COUNTRY/2DCode/raw/*.json) and prints
// the table. Known issues come from DIR/tests/known_issues.csv and
// DIR-known_issues.csv when they exist, and from each --known FILE. Exit 0
// when every check passes or is a known issue, 1 otherwise, 2 on a usage
// error.
func cmdDCCConformance(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("dcc-conformance")
	var knownFiles multiFlag
	fset.Var(&knownFiles, "known", "known-issues CSV (test_name,country,test_set,reason), repeatable")
	skew := fset.Duration("skew", 0, "clock allowance of the time rules (0: the test data's clocks exactly)")
	if err := fset.Parse(args); err != nil || fset.NArg() != 1 || *skew < 0 {
		fmt.Fprintln(stderr, "hcgw dcc-conformance:", dccUsage)
		return 2
	}
	dir := filepath.Clean(fset.Arg(0))
	files := []string{filepath.Join(dir, "tests", "known_issues.csv"), dir + "-known_issues.csv"}
	var known dcc.KnownIssues
	for i, f := range append(files, knownFiles...) {
		k, err := dcc.LoadKnownIssues(f)
		if i < len(files) && errors.Is(err, fs.ErrNotExist) {
			continue // the default files are optional; --known ones are not
		}
		if err != nil {
			fmt.Fprintf(stderr, "hcgw dcc-conformance: %s: %v\n", f, err)
			return 1
		}
		known = append(known, k...)
	}
	r, err := dcc.Run(dir, dcc.Options{Known: known, Skew: *skew})
	if err != nil {
		fmt.Fprintln(stderr, "hcgw dcc-conformance:", err)
		return 1
	}
	if err := r.WriteTable(stdout); err != nil {
		fmt.Fprintln(stderr, "hcgw dcc-conformance:", err)
		return 1
	}
	if n := len(r.Unexpected()); n > 0 {
		fmt.Fprintf(stderr, "hcgw dcc-conformance: %d unexpected failures\n", n)
		return 1
	}
	return 0
}
