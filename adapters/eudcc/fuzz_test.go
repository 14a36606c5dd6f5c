package eudcc_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/eudcc"
	"github.com/hcgw/hcgw/adapters/eudcc/base45"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/trust"
)

// The seed corpora under testdata/fuzz/<target> hold the seeds below as
// files; run `go test ./adapters/eudcc -run TestFuzzCorpus
// -update-fuzz-corpus` to rewrite them after changing a seed. The seeds
// come from the member states' test data (testdata/dgc-testdata) and from
// hand-made hostile inputs.
var updateFuzzCorpus = flag.Bool("update-fuzz-corpus", false, "rewrite the seed files under testdata/fuzz")

// sample is one member-state test file the fuzz targets start from.
type sample struct {
	prefix string
	cose   []byte
	cert   []byte
}

// The samples: EC and RSA signers, the three kinds, a CWT-tagged message,
// float times, an issuer that is not a country, and the refused odd ones.
var sampleFiles = map[string]string{
	"at_vaccination":        "AT/2DCode/raw/1.json",
	"de_test":               "DE/2DCode/raw/2.json",
	"ch_recovery":           "CH/2DCode/raw/3.json",
	"rsa_ps256":             "common/2DCode/raw/CO1.json",
	"cwt_tag":               "common/2DCode/raw/CO28.json",
	"hu_float_times":        "HU/2DCode/raw/1.json",
	"ge_issuer_not_country": "GE/2DCode/raw/1.json",
	"co5_short_signature":   "common/2DCode/raw/CO5.json",
	"co20_alg_unprotected":  "common/2DCode/raw/CO20.json",
	"co22_wrong_kid":        "common/2DCode/raw/CO22.json",
	"nl_dose_zero":          "NL/2DCode/raw/078-NL-vaccination.json",
	"ro_two_entries":        "RO/2DCode/raw/2.json",
}

var (
	samplesOnce sync.Once
	samples     map[string]sample
	samplesErr  error
)

func loadSamples(t testing.TB) map[string]sample {
	t.Helper()
	samplesOnce.Do(func() {
		samples = map[string]sample{}
		for name, rel := range sampleFiles {
			data, err := os.ReadFile(filepath.Join(testdataDir, rel))
			if err != nil {
				samplesErr = err
				return
			}
			var f struct {
				PREFIX  string
				COSE    string
				TESTCTX struct{ CERTIFICATE string }
			}
			if err := json.Unmarshal(data, &f); err != nil {
				samplesErr = fmt.Errorf("%s: %w", rel, err)
				return
			}
			s := sample{prefix: f.PREFIX}
			if s.cose, err = hex.DecodeString(f.COSE); err != nil {
				samplesErr = fmt.Errorf("%s: %w", rel, err)
				return
			}
			if s.cert, err = base64.StdEncoding.DecodeString(f.TESTCTX.CERTIFICATE); err != nil {
				samplesErr = fmt.Errorf("%s: %w", rel, err)
				return
			}
			samples[name] = s
		}
	})
	if samplesErr != nil {
		t.Fatal(samplesErr)
	}
	return samples
}

// fuzzWorld trusts the samples' document signers.
func fuzzWorld(t testing.TB) (*world, []*trust.DSC) {
	t.Helper()
	var ds []*trust.DSC
	for _, s := range loadSamples(t) {
		d, err := trust.ParseDSC(s.cert)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	w := newWorld(t)
	if _, err := w.reg.AddDSCs(ds...); err != nil {
		t.Fatal(err)
	}
	w.env = adapters.Env{Trust: w.reg.Snapshot(), Skew: time.Minute, Now: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)}
	return w, ds
}

// cborSeeds are hostile CBOR items shared by the COSE and CWT targets.
var cborSeeds = map[string][]byte{
	"empty":                        {},
	"null":                         {0xf6},
	"a huge declared byte string":  {0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	"a huge declared map":          {0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	"deep arrays":                  bytes.Repeat([]byte{0x81}, 1000),
	"an indefinite map, unclosed":  {0xbf, 0x01, 0x02},
	"a tag inside a tag":           {0xd8, 0x3d, 0xd8, 0x3d, 0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40},
	"tag 18 around three items":    {0xd2, 0x83, 0x40, 0xa0, 0x40},
	"tag 18, nil payload":          {0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0xf6, 0x40},
	"tag 18, protected not a map":  {0xd2, 0x84, 0x41, 0x01, 0xa0, 0x40, 0x41, 0x00},
	"tag 18, duplicate labels":     {0xd2, 0x84, 0x45, 0xa2, 0x01, 0x26, 0x01, 0x26, 0xa0, 0x40, 0x41, 0x00},
	"tag 61 around an untagged":    {0xd8, 0x3d, 0x84, 0x40, 0xa0, 0x40, 0x41, 0x00},
	"an undefined value":           {0xf7},
	"invalid UTF-8 text":           {0x62, 0xff, 0xfe},
	"a float NaN":                  {0xf9, 0x7e, 0x00},
	"claims, times as bignums":     {0xa3, 0x04, 0xc2, 0x41, 0x01, 0x06, 0xc3, 0x41, 0x01, 0x39, 0x01, 0x03, 0xa1, 0x01, 0xa0},
	"claims, hcert nested 40 deep": nest(40),
}

func coseSeeds(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for name, s := range loadSamples(t) {
		out[name] = s.cose
	}
	for name, b := range cborSeeds {
		out[name] = b
	}
	return out
}

func cwtSeeds(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for name, s := range loadSamples(t) {
		if m, err := eudcc.ParseCOSE(s.cose); err == nil {
			out[name] = m.Payload()
		}
	}
	for name, b := range cborSeeds {
		out[name] = b
	}
	return out
}

func decodeSeeds(t testing.TB) map[string]string {
	out := map[string]string{}
	for name, s := range loadSamples(t) {
		out[name] = s.prefix
	}
	at := loadSamples(t)["at_vaccination"]
	z, _ := base45.Decode(strings.TrimPrefix(at.prefix, eudcc.Prefix))
	for name, s := range map[string]string{
		"the prefix alone":         eudcc.Prefix,
		"a lone character":         eudcc.Prefix + "A",
		"base45 overflow":          eudcc.Prefix + ":::",
		"not zlib":                 eudcc.Prefix + base45.Encode([]byte("hello world")),
		"a zlib bomb":              eudcc.Prefix + base45.Encode(deflate(t, make([]byte, 1<<20))),
		"zlib of junk":             eudcc.Prefix + base45.Encode(deflate(t, []byte{0xd2, 0x84, 0xff})),
		"truncated":                at.prefix[:len(at.prefix)/2],
		"truncated by one":         at.prefix[:len(at.prefix)-1],
		"a byte after the stream":  eudcc.Prefix + base45.Encode(append(bytes.Clone(z), 0)),
		"uncompressed COSE":        eudcc.Prefix + base45.Encode(at.cose),
		"deep arrays, compressed":  eudcc.Prefix + base45.Encode(deflate(t, bytes.Repeat([]byte{0x81}, 1000))),
		"lower-case":               strings.ToLower(at.prefix),
		"with a newline":           at.prefix + "\n",
		"HC2":                      "HC2:" + strings.TrimPrefix(at.prefix, eudcc.Prefix),
		"NUL bytes":                eudcc.Prefix + "\x00\x00\x00",
		"invalid UTF-8":            eudcc.Prefix + "\xff\xfe\xfd",
		"an empty string":          "",
		"the national code prefix": "NIC1:" + strings.TrimPrefix(at.prefix, eudcc.Prefix),
	} {
		out[name] = s
	}
	return out
}

// FuzzBase45 lives in package base45; these three are the COSE, CWT and
// whole-code decoders.

// FuzzCOSE: any bytes parse as a COSE_Sign1 or are malformed, and a parsed
// message verifies or fails against every signer, never panicking.
func FuzzCOSE(f *testing.F) {
	_, dscs := fuzzWorld(f)
	for _, b := range coseSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := eudcc.ParseCOSE(b)
		if err != nil {
			if s != nil || fault.ReasonOf(err) != fault.Malformed {
				t.Fatalf("%v with %v", s, err)
			}
			return
		}
		if s.Payload() == nil || s.Kid() == "" || s.Alg() == "" {
			t.Fatalf("parsed without payload, kid or alg")
		}
		for _, d := range dscs {
			if err := s.Verify(d); err != nil && fault.ReasonOf(err) != fault.BadSignature {
				t.Fatalf("verification failed with %v", err)
			}
		}
	})
}

// FuzzCWT: any bytes parse as CWT claims or are malformed; a certificate
// inside reads as facts or is refused with a reason, never panicking.
func FuzzCWT(f *testing.F) {
	for _, b := range cwtSeeds(f) {
		f.Add(b)
	}
	at := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := eudcc.ParseCWT(b)
		if err != nil {
			if c != nil || fault.ReasonOf(err) != fault.Malformed {
				t.Fatalf("%v with %v", c, err)
			}
			return
		}
		for _, tm := range []time.Time{c.IssuedAt, c.Expires} {
			if tm.Before(time.Unix(0, 0)) || tm.Year() > 9999 {
				t.Fatalf("time %s", tm)
			}
		}
		d, err := eudcc.ParseDCC(c.DCC)
		if err != nil {
			if fault.ReasonOf(err) != fault.Malformed {
				t.Fatal(err)
			}
			return
		}
		_ = d.Kinds()
		for _, now := range []time.Time{{}, at} {
			cert, _, _, state, err := d.Facts(now, time.Minute)
			if err != nil {
				if r := fault.ReasonOf(err); r != fault.Malformed && r != fault.NotYetValid {
					t.Fatal(err)
				}
				continue
			}
			if cert.State != state || state == "" || !strings.HasPrefix(state, cert.Type+"-") {
				t.Fatalf("type %q state %q", cert.Type, state)
			}
			if len(cert.BirthYear) != 0 && len(cert.BirthYear) != 4 {
				t.Fatalf("birth year %q", cert.BirthYear)
			}
		}
	})
}

// FuzzDecode: any string is a decoded certificate or refused as invalid,
// never a panic; what decodes keeps every guarantee of checkDecoded.
func FuzzDecode(f *testing.F) {
	w, _ := fuzzWorld(f)
	for _, s := range decodeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		c, err := w.dec.Decode(code, w.env)
		if err != nil {
			checkRefusal(t, c, err)
			return
		}
		checkDecoded(t, c)
		if w.env.Trust.DSC(c.Kid) == nil {
			t.Fatalf("decoded under kid %q, which is no trusted signer", c.Kid)
		}
	})
}

// FuzzDecodeSigned reaches the claims, certificate and authority rules,
// which FuzzDecode rarely does (a mutated code no longer verifies): the
// fuzzed CWT claims are signed by a trusted signer first.
func FuzzDecodeSigned(f *testing.F) {
	s := newSigner(f, signerSpec{country: "DE", ekus: nil})
	w := newWorld(f, s)
	w.env.Now = time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, b := range cwtSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := w.dec.Decode(qr(t, s.sign(t, payload, signOpts{})), w.env)
		if err != nil {
			checkRefusal(t, c, err)
			switch fault.ReasonOf(err) {
			case fault.Malformed, fault.ScopeViolation, fault.KeyNotValid, fault.NotYetValid:
			default:
				t.Fatalf("a certificate signed by a trusted signer refused with %v", err)
			}
			return
		}
		checkDecoded(t, c)
	})
}

func checkRefusal(t testing.TB, c *adapters.Code, err error) {
	t.Helper()
	var p *fault.Error
	if c != nil || !errors.As(err, &p) {
		t.Fatalf("code %v with error %v (%T)", c, err, err)
	}
	if p.Kind.Result() != fault.Invalid {
		t.Fatalf("reason %s: a decoder only says a code is invalid", p.Kind)
	}
}

// Hostile "HC1:" codes through the whole verifier are invalid, never a
// panic, and never anything but grey.
func TestHostileCodesAreInvalid(t *testing.T) {
	w, _ := fuzzWorld(t)
	for name, code := range decodeSeeds(t) {
		if _, isSample := sampleFiles[name]; isSample {
			continue
		}
		t.Run(name, func(t *testing.T) {
			c, err := w.dec.Decode(code, w.env)
			if err == nil {
				t.Fatalf("decoded: %+v", c)
			}
			checkRefusal(t, c, err)
		})
	}
}

// TestFuzzCorpus keeps the seed files honest: each holds its seed in the
// corpus format of go test.
func TestFuzzCorpus(t *testing.T) {
	bs := func(m map[string][]byte) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = fmt.Sprintf("[]byte(%s)", strconv.Quote(string(v)))
		}
		return out
	}
	ss := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = fmt.Sprintf("string(%s)", strconv.Quote(v))
		}
		return out
	}
	writeOrCheckCorpus(t, map[string]map[string]string{
		"FuzzCOSE":         bs(coseSeeds(t)),
		"FuzzCWT":          bs(cwtSeeds(t)),
		"FuzzDecodeSigned": bs(cwtSeeds(t)),
		"FuzzDecode":       ss(decodeSeeds(t)),
	}, *updateFuzzCorpus)
}

// writeOrCheckCorpus writes (update) or checks the seed files of each
// target: testdata/fuzz/<target>/<seed name, spaces as underscores>.
func writeOrCheckCorpus(t *testing.T, targets map[string]map[string]string, update bool) {
	for target, seeds := range targets {
		dir := filepath.Join("testdata", "fuzz", target)
		names := make([]string, 0, len(seeds))
		for n := range seeds {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			file := filepath.Join(dir, strings.NewReplacer(" ", "_", ",", "").Replace(n))
			want := "go test fuzz v1\n" + seeds[n] + "\n"
			if update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(file)
			if err != nil || string(got) != want {
				t.Errorf("%s: missing or stale (run with -update-fuzz-corpus): %v", file, err)
			}
		}
	}
}
