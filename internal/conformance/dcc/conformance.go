package dcc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/eudcc"
	"github.com/hcgw/hcgw/adapters/eudcc/base45"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/qr"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// The EXPECTEDRESULTS flags the runner checks, in the order of the decoding
// chain, and the name of its own end-to-end check.
const (
	FlagPicture    = "EXPECTEDPICTUREDECODE"
	FlagUnprefix   = "EXPECTEDUNPREFIX"
	FlagBase45     = "EXPECTEDB45DECODE"
	FlagCompressed = "EXPECTEDCOMPRESSION"
	FlagVerify     = "EXPECTEDVERIFY"
	FlagDecode     = "EXPECTEDDECODE"
	FlagExpiration = "EXPECTEDEXPIRATIONCHECK"
	FlagKeyUsage   = "EXPECTEDKEYUSAGE"
	CheckHCGW      = "HCGW"
)

// Flags lists the checked flags in order.
var Flags = []string{FlagPicture, FlagUnprefix, FlagBase45, FlagCompressed, FlagVerify, FlagDecode, FlagExpiration, FlagKeyUsage}

// Check is one flag checked on one file.
type Check struct {
	Name    string // a flag, or CheckHCGW
	Want    bool
	Got     bool
	Skipped string // why the check could not run (the file lacks a field); "" when it ran
	Detail  string // why Got is false, or how the values differ
	Known   string // the known-issue reason listed for it, if any
}

// Passed reports whether the check ran and gave the expected answer.
func (c Check) Passed() bool { return c.Skipped == "" && c.Got == c.Want }

// Case is one test file.
type Case struct {
	Country     string // the first folder under the run's directory
	Path        string // slash-separated, from the country folder on
	Set         string // the file name without .json, as known issues name it
	Sub         string // the path below the country folder without .json ("1.3.0/2DCode/raw/1"), which known issues may name instead
	Description string
	Error       string // the file is not a test case; Known may excuse it
	Known       string
	Checks      []Check
}

// Report is the outcome of one run.
type Report struct {
	Dir   string
	Cases []Case
}

// Options tune a run.
type Options struct {
	// Known lists the cases expected to fail, with their reasons.
	Known KnownIssues
	// Tables are the mapping tables of the end-to-end check; nil: the
	// built-in ones (configs/mappings).
	Tables mapping.Tables
	// Skew is the clock allowance of every time rule. The default 0 checks
	// the test data's clocks exactly, as the reference suite does.
	Skew time.Duration
}

// Run checks every */2DCode/raw/*.json under dir (at any depth: some
// countries keep one folder per schema version). When dir is itself a
// country folder (it holds 2DCode/raw), its name is the country.
func Run(dir string, opt Options) (*Report, error) {
	tables := opt.Tables
	if tables == nil {
		var err error
		if tables, err = mapping.LoadTables(configs.Mappings()); err != nil {
			return nil, err
		}
	}
	dec, err := eudcc.New(tables)
	if err != nil {
		return nil, err
	}
	ads, err := adapters.NewRegistry(dec)
	if err != nil {
		return nil, err
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") && filepath.Base(filepath.Dir(p)) == "raw" &&
			filepath.Base(filepath.Dir(filepath.Dir(p))) == "2DCode" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no */2DCode/raw/*.json test file", dir)
	}
	sort.Strings(files)
	r := &Report{Dir: dir}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		country, _, _ := strings.Cut(rel, "/")
		if country == "2DCode" { // dir is a country folder
			country = filepath.Base(filepath.Clean(dir))
			rel = country + "/" + rel
		}
		c := Case{Country: country, Path: rel, Set: strings.TrimSuffix(filepath.Base(f), ".json")}
		c.Sub = strings.TrimSuffix(strings.TrimPrefix(rel, country+"/"), ".json")
		data, err := os.ReadFile(f)
		if err != nil {
			c.Error = err.Error()
		} else {
			runCase(&c, data, ads, opt.Skew)
		}
		c.Known = opt.Known.Reason("", &c)
		for i := range c.Checks {
			c.Checks[i].Known = opt.Known.Reason(c.Checks[i].Name, &c)
		}
		r.Cases = append(r.Cases, c)
	}
	return r, nil
}

// testFile is the part of a test file the runner reads. Pointers tell an
// absent field from an empty one.
type testFile struct {
	JSON       json.RawMessage `json:"JSON"`
	CBOR       *string         `json:"CBOR"`
	COSE       *string         `json:"COSE"`
	COMPRESSED *string         `json:"COMPRESSED"`
	BASE45     *string         `json:"BASE45"`
	PREFIX     *string         `json:"PREFIX"`
	TwoDCode   *string         `json:"2DCODE"`
	TESTCTX    struct {
		CERTIFICATE     *string `json:"CERTIFICATE"`
		VALIDATIONCLOCK *string `json:"VALIDATIONCLOCK"`
		DESCRIPTION     string  `json:"DESCRIPTION"`
	} `json:"TESTCTX"`
	EXPECTEDRESULTS map[string]any `json:"EXPECTEDRESULTS"`
}

// stage is a step's outcome: a value, or why there is none.
type stage[T any] struct {
	v   T
	err error
}

func runCase(c *Case, data []byte, ads *adapters.Registry, skew time.Duration) {
	var tf testFile
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &tf); err != nil {
		c.Error = "not a test file: " + err.Error()
		return
	}
	c.Description = tf.TESTCTX.DESCRIPTION
	want := map[string]bool{}
	for _, f := range Flags {
		v, ok := tf.EXPECTEDRESULTS[f]
		if !ok {
			continue
		}
		b, isBool := v.(bool)
		if !isBool {
			c.Checks = append(c.Checks, Check{Name: f, Skipped: fmt.Sprintf("flag is %v, not a boolean", v)})
			continue
		}
		want[f] = b
	}

	at := time.Now().UTC()
	if s := tf.TESTCTX.VALIDATIONCLOCK; s != nil {
		if t, ok := eudcc.ParseTime(*s); ok {
			at = t
		} else {
			c.Error = fmt.Sprintf("VALIDATIONCLOCK %q is not an ISO 8601 time", *s)
			return
		}
	}

	// The stages, each computed once from the file's own field for it.
	cose := lazy(func() ([]byte, error) { return hexField(tf.COSE, "COSE") })
	sign1 := lazy(func() (*eudcc.Sign1, error) {
		b, err := cose()
		if err != nil {
			return nil, err
		}
		return eudcc.ParseCOSE(b)
	})
	cwt := lazy(func() (*eudcc.CWT, error) {
		s, err := sign1()
		if err != nil {
			return nil, err
		}
		return eudcc.ParseCWT(s.Payload())
	})
	dsc := lazy(func() (*trust.DSC, error) {
		if tf.TESTCTX.CERTIFICATE == nil {
			return nil, errors.New("no CERTIFICATE")
		}
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(*tf.TESTCTX.CERTIFICATE), ""))
		if err != nil {
			return nil, fmt.Errorf("CERTIFICATE is not base64: %w", err)
		}
		return trust.ParseDSC(der)
	})
	reg := lazy(func() (*trust.Registry, error) {
		d, err := dsc()
		if err != nil {
			return nil, err
		}
		r := trust.NewRegistry(trust.Anchors{}, nil)
		if _, err := r.AddDSCs(d); err != nil {
			return nil, err
		}
		return r, nil
	})

	has := func(p *string) bool { return p != nil }
	for _, f := range Flags {
		w, ok := want[f]
		if !ok {
			continue
		}
		ck := Check{Name: f, Want: w}
		var err error
		switch f {
		case FlagPicture:
			if !has(tf.TwoDCode) || !has(tf.PREFIX) {
				ck.Skipped = "no 2DCODE or PREFIX"
				break
			}
			var text string
			if text, err = decodeQR(*tf.TwoDCode); err == nil && text != *tf.PREFIX {
				err = fmt.Errorf("the picture holds %s, not PREFIX", describe(text))
			}
		case FlagUnprefix:
			if !has(tf.PREFIX) || !has(tf.BASE45) {
				ck.Skipped = "no PREFIX or BASE45"
				break
			}
			var b45 string
			if b45, err = eudcc.Unprefix(*tf.PREFIX); err == nil && b45 != *tf.BASE45 {
				err = errors.New("PREFIX without its prefix is not BASE45")
			}
		case FlagBase45:
			if !has(tf.BASE45) || !has(tf.COMPRESSED) {
				ck.Skipped = "no BASE45 or COMPRESSED"
				break
			}
			var z []byte
			if z, err = base45.Decode(*tf.BASE45); err == nil {
				err = sameHex(z, tf.COMPRESSED, "COMPRESSED")
			}
		case FlagCompressed:
			if !has(tf.COSE) || !has(tf.COMPRESSED) {
				ck.Skipped = "no COSE or COMPRESSED"
				break
			}
			var z, out []byte
			if z, err = hexField(tf.COMPRESSED, "COMPRESSED"); err == nil {
				if out, err = eudcc.Inflate(z); err == nil {
					err = sameHex(out, tf.COSE, "COSE")
				}
			}
		case FlagVerify:
			if !has(tf.COSE) || tf.TESTCTX.CERTIFICATE == nil {
				ck.Skipped = "no COSE or CERTIFICATE"
				break
			}
			err = checkVerify(sign1, reg)
		case FlagDecode:
			if !has(tf.COSE) {
				ck.Skipped = "no COSE"
				break
			}
			err = checkDecode(cwt, tf.JSON, tf.CBOR)
		case FlagExpiration:
			if !has(tf.COSE) || tf.TESTCTX.CERTIFICATE == nil {
				ck.Skipped = "no COSE or CERTIFICATE"
				break
			}
			err = first(cwt.err(), dsc.err())
			if err == nil {
				err = eudcc.CheckTimes(cwt.val(), dsc.val(), at, skew)
			}
		case FlagKeyUsage:
			if !has(tf.COSE) || tf.TESTCTX.CERTIFICATE == nil {
				ck.Skipped = "no COSE or CERTIFICATE"
				break
			}
			err = checkKeyUsage(cwt, dsc)
		}
		ck.Got = err == nil
		if err != nil {
			ck.Detail = err.Error()
		}
		c.Checks = append(c.Checks, ck)
	}
	if ck, ok := endToEnd(want, tf.PREFIX, reg, ads, at, skew); ok {
		c.Checks = append(c.Checks, ck)
	}
}

// lazyStage computes a stage once, when first asked.
type lazyStage[T any] func() (T, error)

func lazy[T any](f func() (T, error)) lazyStage[T] {
	var (
		done bool
		s    stage[T]
	)
	return func() (T, error) {
		if !done {
			s.v, s.err = f()
			done = true
		}
		return s.v, s.err
	}
}

func (l lazyStage[T]) err() error { _, err := l(); return err }
func (l lazyStage[T]) val() T     { v, _ := l(); return v }

func first(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func checkVerify(sign1 lazyStage[*eudcc.Sign1], reg lazyStage[*trust.Registry]) error {
	s, err := sign1()
	if err != nil {
		return err
	}
	r, err := reg()
	if err != nil {
		return err
	}
	d, err := r.Snapshot().LookupDSC(s.Kid())
	if err != nil {
		return err // the kid is not the certificate's
	}
	return s.Verify(d)
}

func checkKeyUsage(cwt lazyStage[*eudcc.CWT], dsc lazyStage[*trust.DSC]) error {
	c, err := cwt()
	if err != nil {
		return err
	}
	d, err := dsc()
	if err != nil {
		return err
	}
	dcc, err := eudcc.ParseDCC(c.DCC)
	if err != nil {
		return err
	}
	// The reference suite's rule: the certificate holds entries of one kind
	// (how many is the schema's business), which the signer may sign.
	kind := dcc.Kinds()
	if kind != trust.DSCTest && kind != trust.DSCVaccination && kind != trust.DSCRecovery {
		return fmt.Errorf("the certificate holds entries of %s", kind)
	}
	if !d.May(kind) {
		return fmt.Errorf("the certificate may sign %s, not %s", d.Usage, kind)
	}
	return nil
}

// checkDecode decodes the CWT and the certificate with hcgw's decoders and
// compares the certificate with the file's JSON, and the CWT (or the
// certificate, as the file holds one or the other) with its CBOR.
func checkDecode(cwt lazyStage[*eudcc.CWT], jsonField json.RawMessage, cborField *string) error {
	c, err := cwt()
	if err != nil {
		return err
	}
	if _, err := eudcc.ParseDCC(c.DCC); err != nil {
		return err
	}
	got, err := normalCBOR(c.DCC)
	if err != nil {
		return err
	}
	if len(jsonField) > 0 && string(jsonField) != "null" {
		var j any
		if err := json.Unmarshal(jsonField, &j); err != nil {
			return fmt.Errorf("JSON field: %w", err)
		}
		if d := firstDiff(got, normal(j), ""); d != "" {
			return fmt.Errorf("the certificate differs from JSON at %s", d)
		}
	}
	if cborField != nil {
		b, err := hex.DecodeString(strings.TrimSpace(*cborField))
		if err != nil {
			return errors.New("CBOR field is not hex")
		}
		want, err := normalCBOR(b)
		if err != nil {
			return fmt.Errorf("CBOR field: %w", err)
		}
		// The field holds either the certificate or the whole claims set.
		if m, ok := want.(map[string]any); ok {
			if h, ok := m["-260"].(map[string]any); ok {
				want = h["1"]
			}
		}
		if d := firstDiff(got, want, ""); d != "" {
			return fmt.Errorf("the certificate differs from CBOR at %s", d)
		}
	}
	return nil
}

// endToEnd runs PREFIX through the whole verifier when the flags imply the
// verdict: valid when every stage of the chain is expected to pass (and the
// validity was checked), invalid when the signature, the validity or the
// key usage is expected to fail and the rest of the chain to pass.
func endToEnd(want map[string]bool, prefix *string, reg lazyStage[*trust.Registry], ads *adapters.Registry, at time.Time, skew time.Duration) (Check, bool) {
	if prefix == nil {
		return Check{}, false
	}
	chain := []string{FlagUnprefix, FlagBase45, FlagCompressed, FlagDecode}
	for _, f := range chain {
		if w, ok := want[f]; !ok || !w {
			return Check{}, false
		}
	}
	failing := 0
	for _, f := range []string{FlagVerify, FlagExpiration, FlagKeyUsage} {
		if w, ok := want[f]; ok && !w {
			failing++
		}
	}
	var wantValid bool
	switch {
	case failing > 0:
		wantValid = false
	case want[FlagVerify] && want[FlagExpiration]:
		wantValid = true
	default:
		return Check{}, false
	}
	r, err := reg()
	if _, stated := want[FlagKeyUsage]; wantValid && !stated && (err != nil || r.Snapshot().DSCs()[0].Usage != trust.DSCAll) {
		// Key usage not stated and the signer restricted: the verdict
		// depends on a rule the file does not speak about.
		return Check{}, false
	}
	ck := Check{Name: CheckHCGW, Want: wantValid}
	if err != nil {
		ck.Detail = err.Error()
		return ck, true
	}
	v := &verify.Verifier{Adapters: ads, Trust: r, Clock: func() time.Time { return at }, Skew: skew}
	vd, c := v.Evaluate(context.Background(), *prefix)
	ck.Got = vd.Result == fault.Valid
	switch {
	case !ck.Got:
		ck.Detail = fmt.Sprintf("%s: %s", vd.Reason, vd.Detail)
	case c == nil || vd.Cert == nil || vd.Format != eudcc.Format || !vd.Status.Valid():
		ck.Got, ck.Detail = false, "a valid verdict without format, status or certificate facts"
	case vd.Holder != nil && vd.Holder.Name != "" && !mapping.IsMaskedName(vd.Holder.Name):
		ck.Got, ck.Detail = false, "the holder's name is not masked"
	default:
		ck.Detail = fmt.Sprintf("%s %s %s %s", vd.Issuer, vd.Status, vd.Cert.Type, vd.Cert.State)
	}
	return ck, true
}

// decodeQR reads the text of a QR code in a base64 PNG (a 2DCODE field),
// with the gateway's own QR reader.
func decodeQR(b64 string) (string, error) {
	b64 = strings.Join(strings.Fields(b64), "")
	if _, rest, ok := strings.Cut(b64, "base64,"); ok && strings.HasPrefix(b64, "data:") {
		b64 = rest
	}
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		if png, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(b64, "=")); err != nil {
			return "", errors.New("2DCODE is not base64")
		}
	}
	return qr.Decode(png) // with the gateway's limits on size and pixels
}

func hexField(p *string, name string) ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("no %s", name)
	}
	b, err := hex.DecodeString(strings.TrimSpace(*p))
	if err != nil {
		return nil, fmt.Errorf("%s is not hex", name)
	}
	return b, nil
}

func sameHex(got []byte, want *string, name string) error {
	w, err := hexField(want, name)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, w) {
		return fmt.Errorf("the result is not %s", name)
	}
	return nil
}

func describe(s string) string {
	if len(s) > 24 {
		return fmt.Sprintf("%q… (%d characters)", s[:24], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// lenient decodes test-data CBOR for comparison only.
var lenient = func() cbor.DecMode {
	m, err := cbor.DecOptions{MaxNestedLevels: 32, DefaultMapType: reflect.TypeOf(map[any]any{})}.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}()

func normalCBOR(b []byte) (any, error) {
	var v any
	if err := lenient.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return normal(v), nil
}

// normal turns decoded CBOR or JSON into one comparable form: maps keyed
// by strings, numbers as float64, dates and times as UTC seconds, as the
// reference suite compares them.
func normal(v any) any {
	switch x := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = normal(e)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = normal(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normal(e)
		}
		return out
	case uint64:
		return float64(x)
	case int64:
		return float64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x.UTC().Truncate(time.Second).Format(time.RFC3339)
	case cbor.Tag:
		return normal(x.Content)
	case string:
		if t, ok := eudcc.ParseTime(x); ok {
			return t.UTC().Truncate(time.Second).Format(time.RFC3339)
		}
		return x
	}
	return v
}

// firstDiff names the first place two normalised values differ ("" when
// they are equal), e.g. "/v/0/dn: 1 ≠ 2".
func firstDiff(a, b any, path string) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: a map ≠ %T", or(path), b)
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, dup := x[k]; !dup {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if d := firstDiff(x[k], y[k], path+"/"+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: lists differ", or(path))
		}
		for i := range x {
			if d := firstDiff(x[i], y[i], fmt.Sprintf("%s/%d", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("%s: %s ≠ %s", or(path), clipAny(a), clipAny(b))
	}
	return ""
}

func or(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

func clipAny(v any) string {
	if v == nil {
		return "absent"
	}
	s := fmt.Sprintf("%v", v)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// KnownIssue is one line of a known-issues file (tests/known_issues.csv):
// test_name,country,test_set,reason. An empty test name or test set matches
// every check or every file of the country.
type KnownIssue struct {
	TestName, Country, TestSet, Reason string
}

// KnownIssues are the listed known issues.
type KnownIssues []KnownIssue

// testNames maps the reference suite's test names to the flag each checks.
// Those of checks hcgw does not run (schema validation, JSON of the CBOR
// field) match nothing here. A flag name, or HCGW, may be used directly.
var testNames = map[string]string{
	"test_picture_decode":     FlagPicture,
	"test_un_prefix":          FlagUnprefix,
	"test_b45decode":          FlagBase45,
	"test_compression":        FlagCompressed,
	"test_verification_check": FlagVerify,
	"test_cose_json":          FlagDecode,
	"test_cose_cbor":          FlagDecode,
	"test_expiration_check":   FlagExpiration,
	"test_expected_key_usage": FlagKeyUsage,
}

// Reason is the reason listed for check (a flag, CheckHCGW, or "" for the
// file as a whole) of case c; "" when none is. A known issue's test set
// names the file by its name without .json ("1") or, where a country has
// several files of that name, by its path below the country folder
// ("1.3.0/2DCode/raw/1").
func (k KnownIssues) Reason(check string, c *Case) string {
	best, bestScore := "", 0
	for _, ki := range k {
		if ki.Country != c.Country {
			continue
		}
		score := 1
		if ki.TestName != "" {
			name := ki.TestName
			if f, ok := testNames[name]; ok {
				name = f
			}
			if name != check {
				continue
			}
			score += 2
		} else if check == "" {
			score += 2
		}
		if ki.TestSet != "" {
			if ki.TestSet != c.Set && ki.TestSet != c.Sub {
				continue
			}
			score++
		}
		if score > bestScore {
			best, bestScore = ki.Reason, score
		}
	}
	return best
}

// LoadKnownIssues reads a known-issues CSV file with the header
// test_name,country,test_set,reason.
func LoadKnownIssues(path string) (KnownIssues, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseKnownIssues(f)
}

// ParseKnownIssues reads known issues from CSV.
func ParseKnownIssues(r io.Reader) (KnownIssues, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("known issues: %w", err)
	}
	if strings.Join(head, ",") != "test_name,country,test_set,reason" {
		return nil, fmt.Errorf("known issues: header %q, want test_name,country,test_set,reason", strings.Join(head, ","))
	}
	var out KnownIssues
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("known issues: %w", err)
		}
		if rec[1] == "" || rec[3] == "" {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("known issues: line %d: a country and a reason are required", line)
		}
		out = append(out, KnownIssue{TestName: rec[0], Country: rec[1], TestSet: rec[2], Reason: rec[3]})
	}
}
