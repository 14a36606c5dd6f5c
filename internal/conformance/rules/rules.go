package rules

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/hcgw/hcgw/certlogic"
)

const (
	// maxFile bounds one JSON file read.
	maxFile = 16 << 20
	// maxFiles bounds the files a run looks at.
	maxFiles = 100_000
)

// Outcome of one test.
type Outcome string

const (
	Passed  Outcome = "passed"
	Failed  Outcome = "failed"
	Known   Outcome = "known"   // failed, and a known issue excuses it
	Skipped Outcome = "skipped" // the test data says "directive": "skip"
)

// Result is one test: a CertLogic assertion or validation case, or a rule
// test.
type Result struct {
	File    string // relative to the run's folder, with forward slashes
	Case    string
	Outcome Outcome
	Reason  string // why it failed, the known issue's reason, or why skipped
}

// Report is a run's results, in the order of the files and their cases.
type Report struct {
	Results []Result
}

// Count returns how many results had the outcome.
func (r *Report) Count(o Outcome) int {
	n := 0
	for _, res := range r.Results {
		if res.Outcome == o {
			n++
		}
	}
	return n
}

// Write prints every result that did not plainly pass, with its reason,
// then the counts; the last line is "N passed, M failed".
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	for _, res := range r.Results {
		if res.Outcome == Passed {
			continue
		}
		fmt.Fprintf(&b, "%-7s %s %q: %s\n", strings.ToUpper(string(res.Outcome)), res.File, res.Case, res.Reason)
	}
	if k, s := r.Count(Known), r.Count(Skipped); k+s > 0 {
		fmt.Fprintf(&b, "%d known, %d skipped\n", k, s)
	}
	fmt.Fprintf(&b, "%d passed, %d failed\n", r.Count(Passed), r.Count(Failed))
	_, err := io.WriteString(w, b.String())
	return err
}

// KnownIssue excuses the failure of one case (Case "": every case of the
// file) with its reason.
type KnownIssue struct {
	File, Case, Reason string
}

// Options of a run.
type Options struct {
	Known []KnownIssue
}

// LoadKnownIssues reads a CSV of file,case,reason with that header.
func LoadKnownIssues(path string) ([]KnownIssue, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseKnownIssues(bytes.NewReader(b))
}

// ParseKnownIssues reads a CSV of file,case,reason with that header; every
// line needs a file and a reason.
func ParseKnownIssues(r io.Reader) ([]KnownIssue, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "file,case,reason" {
		return nil, errors.New(`known issues: the first line must be "file,case,reason"`)
	}
	var out []KnownIssue
	for i, row := range rows[1:] {
		if row[0] == "" || row[2] == "" {
			return nil, fmt.Errorf("known issues: line %d: a file and a reason are required", i+2)
		}
		out = append(out, KnownIssue{File: row[0], Case: row[1], Reason: row[2]})
	}
	return out, nil
}

func (o Options) known(file, name string) (string, bool) {
	for _, k := range o.Known {
		if k.File == file && (k.Case == "" || k.Case == name) {
			return k.Reason, true
		}
	}
	return "", false
}

var ruleTestName = regexp.MustCompile(`^test\d+\.json$`)

// Run walks dir: every rule.json is a rule, its tests/test*.json its tests;
// every other JSON file of the shape {"name","cases"} is a CertLogic test
// suite; other files are not read as tests. A folder with neither is an
// error.
func Run(dir string, opt Options) (*Report, error) {
	var rulesFound, suites []string
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "tests" && path != dir {
				if _, err := os.Stat(filepath.Join(filepath.Dir(path), "rule.json")); err == nil {
					return fs.SkipDir // a rule's tests, read with the rule
				}
			}
			return nil
		}
		if files++; files > maxFiles {
			return fmt.Errorf("more than %d files under %s", maxFiles, dir)
		}
		switch {
		case d.Name() == "rule.json":
			rulesFound = append(rulesFound, path)
		case strings.HasSuffix(d.Name(), ".json"):
			suites = append(suites, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	nSuites := 0
	for _, path := range suites {
		s, ok, err := readSuite(path)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		nSuites++
		rep.Results = append(rep.Results, runSuite(rel(dir, path), s, opt)...)
	}
	for _, path := range rulesFound {
		res, err := runRule(dir, path, opt)
		if err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, res...)
	}
	if nSuites == 0 && len(rulesFound) == 0 {
		return nil, fmt.Errorf("no CertLogic test suite ({\"name\",\"cases\"}) and no <country>/<rule id>/rule.json under %s", dir)
	}
	return rep, nil
}

func rel(dir, path string) string {
	r, err := filepath.Rel(dir, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

func readJSON(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return err
	}
	if len(b) > maxFile {
		return fmt.Errorf("%s: larger than %d bytes", path, maxFile)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

type suite struct {
	Name      *string         `json:"name"`
	Directive string          `json:"directive"`
	Cases     json.RawMessage `json:"cases"`
}

type suiteCase struct {
	Name       string          `json:"name"`
	Directive  string          `json:"directive"`
	Expr       json.RawMessage `json:"certLogicExpression"`
	Assertions []assertion     `json:"assertions"`
	Issues     *[]struct {
		Expr    any    `json:"expr"`
		Message string `json:"message"`
	} `json:"issues"`
}

type assertion struct {
	Directive string          `json:"directive"`
	Expr      json.RawMessage `json:"certLogicExpression"`
	Data      any             `json:"data"`
	Expected  any             `json:"expected"`
	Message   string          `json:"message"`
}

// readSuite reads a JSON file as a test suite; ok false when it is JSON of
// another shape (a schema, a value set).
func readSuite(path string) (suite, bool, error) {
	var raw any
	if err := readJSON(path, &raw); err != nil {
		return suite{}, false, err
	}
	obj, isObj := raw.(map[string]any)
	if !isObj || obj["name"] == nil || obj["cases"] == nil {
		return suite{}, false, nil
	}
	var s suite
	if err := readJSON(path, &s); err != nil {
		return suite{}, false, err
	}
	return s, true, nil
}

func decodeExpr(raw json.RawMessage) (any, error) {
	var x any
	err := json.Unmarshal(raw, &x)
	return x, err
}

func runSuite(file string, s suite, opt Options) []Result {
	var cases []suiteCase
	if err := json.Unmarshal(s.Cases, &cases); err != nil {
		return []Result{{File: file, Case: *s.Name, Outcome: Failed, Reason: "cases: " + err.Error()}}
	}
	var out []Result
	add := func(name, directive, failure string) {
		r := Result{File: file, Case: name, Outcome: Passed}
		switch {
		case directive == "skip":
			r.Outcome, r.Reason = Skipped, `the test data says "directive": "skip" (the reference skips it too)`
		case failure != "":
			r.Outcome, r.Reason = Failed, failure
			if reason, ok := opt.known(file, name); ok {
				r.Outcome, r.Reason = Known, reason+" (got: "+failure+")"
			}
		}
		out = append(out, r)
	}
	for i, c := range cases {
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("case #%d", i+1)
		}
		directive := c.Directive
		if s.Directive == "skip" {
			directive = "skip"
		}
		if c.Issues != nil {
			add(name, directive, validationFailure(c))
			continue
		}
		for j, a := range c.Assertions {
			aname := name + " / " + a.Message
			if a.Message == "" {
				aname = fmt.Sprintf("%s / #%d", name, j+1)
			}
			d := directive
			if a.Directive == "skip" {
				d = "skip"
			}
			raw := a.Expr
			if raw == nil {
				raw = c.Expr
			}
			add(aname, d, assertionFailure(raw, a))
		}
	}
	return out
}

func assertionFailure(raw json.RawMessage, a assertion) string {
	if raw == nil {
		return "no certLogicExpression on the assertion nor its case"
	}
	x, err := decodeExpr(raw)
	if err != nil {
		return err.Error()
	}
	expr, err := certlogic.CompileValue(x)
	if err != nil {
		return err.Error()
	}
	got, err := expr.Eval(&certlogic.AnyData{V: a.Data})
	if err != nil {
		return err.Error()
	}
	if g := got.Interface(); !reflect.DeepEqual(g, a.Expected) {
		return fmt.Sprintf("got %s, want %s", show(g), show(a.Expected))
	}
	return ""
}

func validationFailure(c suiteCase) string {
	x, err := decodeExpr(c.Expr)
	if err != nil {
		return err.Error()
	}
	got := certlogic.Validate(x)
	want := *c.Issues
	_, cerr := certlogic.CompileValue(x)
	if (cerr == nil) != (len(want) == 0) {
		return fmt.Sprintf("Compile says %v, want %d issues", cerr, len(want))
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d issues %s, want %d", len(got), show(got), len(want))
	}
	for i := range got {
		if got[i].Message != want[i].Message || !reflect.DeepEqual(got[i].Expr, want[i].Expr) {
			return fmt.Sprintf("issue %d is %s, want %s", i+1, show(got[i]), show(want[i]))
		}
	}
	return ""
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

type rule struct {
	Identifier string          `json:"Identifier"`
	Engine     string          `json:"Engine"`
	ValidFrom  string          `json:"ValidFrom"`
	ValidTo    string          `json:"ValidTo"`
	Logic      json.RawMessage `json:"Logic"`
}

type ruleTest struct {
	Name     string          `json:"name"`
	Payload  json.RawMessage `json:"payload"`
	External json.RawMessage `json:"external"`
	Expected any             `json:"expected"`
}

// runRule runs a rule's tests as the reference tooling does: the rule's
// logic must be valid CertLogic, the test's external.validationClock (when
// given) within [ValidFrom, ValidTo), and the logic evaluated on
// {"payload","external"} must give the expected value, without an error.
func runRule(dir, path string, opt Options) ([]Result, error) {
	ruleDir := filepath.Dir(path)
	var r rule
	ruleErr := ""
	if err := readJSON(path, &r); err != nil {
		ruleErr = err.Error()
	}
	var expr *certlogic.Expr
	if ruleErr == "" {
		var err error
		switch {
		case r.Engine != "CERTLOGIC":
			ruleErr = fmt.Sprintf("rule %s: Engine %q, want CERTLOGIC", r.Identifier, r.Engine)
		case r.Logic == nil:
			ruleErr = fmt.Sprintf("rule %s: no Logic", r.Identifier)
		default:
			if expr, err = certlogic.Compile(r.Logic); err != nil {
				ruleErr = fmt.Sprintf("rule %s: %v", r.Identifier, err)
			}
		}
	}
	entries, err := os.ReadDir(filepath.Join(ruleDir, "tests"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && ruleTestName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		names = append(names, "") // the rule alone is a test: it must be valid
	}
	var out []Result
	for _, name := range names {
		file := rel(dir, filepath.Join(ruleDir, "tests", name))
		if name == "" {
			file = rel(dir, path)
		}
		res := Result{File: file, Outcome: Passed}
		failure := ruleErr
		if failure == "" && name != "" {
			var t ruleTest
			if err := readJSON(filepath.Join(ruleDir, "tests", name), &t); err != nil {
				failure = err.Error()
			} else {
				res.Case = t.Name
				failure = ruleTestFailure(r, expr, t)
			}
		}
		if failure != "" {
			res.Outcome, res.Reason = Failed, failure
			if reason, ok := opt.known(file, res.Case); ok {
				res.Outcome, res.Reason = Known, reason+" (got: "+failure+")"
			}
		}
		out = append(out, res)
	}
	return out, nil
}

func ruleTestFailure(r rule, expr *certlogic.Expr, t ruleTest) string {
	data := map[string]any{}
	var external any
	if t.External != nil {
		if err := json.Unmarshal(t.External, &external); err != nil {
			return "external: " + err.Error()
		}
		data["external"] = external
	}
	if t.Payload != nil {
		var payload any
		if err := json.Unmarshal(t.Payload, &payload); err != nil {
			return "payload: " + err.Error()
		}
		data["payload"] = payload
	}
	if ext, ok := external.(map[string]any); ok {
		if clock, ok := ext["validationClock"].(string); ok {
			now, err := certlogic.ParseDateTime(clock)
			if err != nil {
				return "validationClock: " + err.Error()
			}
			from, err1 := certlogic.ParseDateTime(r.ValidFrom)
			to, err2 := certlogic.ParseDateTime(r.ValidTo)
			if err1 != nil || err2 != nil {
				return fmt.Sprintf("rule %s: ValidFrom %q or ValidTo %q is not a date-time", r.Identifier, r.ValidFrom, r.ValidTo)
			}
			if now.Before(from) || !now.Before(to) {
				return fmt.Sprintf("validationClock %s is outside the rule's validity [%s, %s)", clock, r.ValidFrom, r.ValidTo)
			}
		}
	}
	got, err := expr.Eval(&certlogic.AnyData{V: data})
	if err != nil {
		return "evaluation: " + err.Error()
	}
	if g := got.Interface(); !reflect.DeepEqual(g, t.Expected) {
		return fmt.Sprintf("got %s, want %s", show(g), show(t.Expected))
	}
	return ""
}
