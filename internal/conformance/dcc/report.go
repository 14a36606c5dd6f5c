package dcc

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Tally counts the outcomes of checks.
type Tally struct {
	Files   int // test files
	Checks  int // checks that ran
	Passed  int // ran and gave the expected answer
	Failed  int // ran, gave the other answer, and are not listed as known
	Known   int // ran, gave the other answer, and are listed as known issues
	Skipped int // flags present whose inputs the file lacks
}

func (t *Tally) add(c Case) {
	t.Files++
	if c.Error != "" {
		if c.Known != "" {
			t.Known++
		} else {
			t.Failed++
		}
		return
	}
	for _, ck := range c.Checks {
		switch {
		case ck.Skipped != "":
			t.Skipped++
			continue
		case ck.Passed():
			t.Passed++
		case ck.Known != "" || c.Known != "":
			t.Known++
		default:
			t.Failed++
		}
		t.Checks++
	}
}

// ByCountry tallies the run per country, in country order.
func (r *Report) ByCountry() ([]string, map[string]*Tally) {
	m := map[string]*Tally{}
	for _, c := range r.Cases {
		t := m[c.Country]
		if t == nil {
			t = &Tally{}
			m[c.Country] = t
		}
		t.add(c)
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, m
}

// Total tallies the whole run.
func (r *Report) Total() Tally {
	var t Tally
	for _, c := range r.Cases {
		t.add(c)
	}
	return t
}

// ByCheck tallies each flag (and the end-to-end check) over the run.
func (r *Report) ByCheck() map[string]*Tally {
	m := map[string]*Tally{}
	for _, c := range r.Cases {
		for _, ck := range c.Checks {
			t := m[ck.Name]
			if t == nil {
				t = &Tally{}
				m[ck.Name] = t
			}
			t.add(Case{Country: c.Country, Known: c.Known, Checks: []Check{ck}})
		}
	}
	return m
}

// Failure is one unexpected failure.
type Failure struct {
	Path, Check, Detail string
	Want, Got           bool
}

func (f Failure) String() string {
	if f.Check == "" {
		return fmt.Sprintf("%s: %s", f.Path, f.Detail)
	}
	s := fmt.Sprintf("%s: %s want %t, got %t", f.Path, f.Check, f.Want, f.Got)
	if f.Detail != "" {
		s += " (" + f.Detail + ")"
	}
	return s
}

// Unexpected lists the failures no known issue excuses.
func (r *Report) Unexpected() []Failure { return r.failures(false) }

// KnownFailures lists the failures a known issue excuses.
func (r *Report) KnownFailures() []Failure { return r.failures(true) }

func (r *Report) failures(known bool) []Failure {
	var out []Failure
	for _, c := range r.Cases {
		if c.Error != "" {
			if (c.Known != "") == known {
				out = append(out, Failure{Path: c.Path, Detail: joinDetail(c.Error, reason(c.Known))})
			}
			continue
		}
		for _, ck := range c.Checks {
			if ck.Skipped != "" || ck.Passed() {
				continue
			}
			why := ck.Known
			if why == "" {
				why = c.Known
			}
			if (why != "") == known {
				out = append(out, Failure{Path: c.Path, Check: ck.Name, Want: ck.Want, Got: ck.Got, Detail: joinDetail(ck.Detail, reason(why))})
			}
		}
	}
	return out
}

func reason(why string) string {
	if why == "" {
		return ""
	}
	return "known issue: " + why
}

func joinDetail(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "; " + b
}

// WriteTable prints the per-country table, the per-check table, the
// totals, and every failure (known ones with their reasons).
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(name string, t *Tally) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name, t.Files, t.Checks, t.Passed, t.Failed, t.Known, t.Skipped)
	}
	fmt.Fprintf(tw, "country\tfiles\tchecks\tpassed\tfailed\tknown\tskipped\t\n")
	names, by := r.ByCountry()
	for _, n := range names {
		row(n, by[n])
	}
	total := r.Total()
	row("total", &total)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "check\tfiles\tchecks\tpassed\tfailed\tknown\tskipped\t\n")
	checks := r.ByCheck()
	for _, n := range append(append([]string{}, Flags...), CheckHCGW) {
		if t := checks[n]; t != nil {
			row(strings.TrimPrefix(n, "EXPECTED"), t)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\ntotal: %d passed, %d failed, %d known issues, %d skipped (%d files)\n",
		total.Passed, total.Failed, total.Known, total.Skipped, total.Files)
	for _, f := range r.KnownFailures() {
		fmt.Fprintf(w, "known:  %s\n", f)
	}
	for _, f := range r.Unexpected() {
		fmt.Fprintf(w, "FAILED: %s\n", f)
	}
	return nil
}
