package rules

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
)

// Usage is the command line of `hcgw rules-conformance`.
const Usage = "usage: hcgw rules-conformance [--known FILE]... DIR"

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// Command is `hcgw rules-conformance`: it runs the CertLogic test suites
// and rule sets under DIR and prints every test that did not pass, with its
// reason, then "N passed, M failed". Known issues (CSV file,case,reason)
// come from DIR/known_issues.csv and DIR-known_issues.csv when they exist,
// and from each --known FILE. Exit 0 when none failed, 1 otherwise, 2 on a
// usage error.
func Command(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("rules-conformance", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	var knownFiles multiFlag
	fset.Var(&knownFiles, "known", "known-issues CSV (file,case,reason), repeatable")
	if err := fset.Parse(args); err != nil || fset.NArg() != 1 {
		fmt.Fprintln(stderr, "hcgw rules-conformance:", Usage)
		return 2
	}
	dir := filepath.Clean(fset.Arg(0))
	defaults := []string{filepath.Join(dir, "known_issues.csv"), dir + "-known_issues.csv"}
	var opt Options
	for i, f := range append(defaults, knownFiles...) {
		k, err := LoadKnownIssues(f)
		if i < len(defaults) && errors.Is(err, fs.ErrNotExist) {
			continue // the default files are optional; --known ones are not
		}
		if err != nil {
			fmt.Fprintf(stderr, "hcgw rules-conformance: %s: %v\n", f, err)
			return 1
		}
		opt.Known = append(opt.Known, k...)
	}
	r, err := Run(dir, opt)
	if err != nil {
		fmt.Fprintln(stderr, "hcgw rules-conformance:", err)
		return 1
	}
	if err := r.Write(stdout); err != nil {
		fmt.Fprintln(stderr, "hcgw rules-conformance:", err)
		return 1
	}
	if r.Count(Failed) > 0 {
		return 1
	}
	return 0
}
