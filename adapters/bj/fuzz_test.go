package bj_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/bj"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// The seed corpus under testdata/fuzz/FuzzDecode holds the seeds below as
// files; run `go test ./adapters/bj -run TestFuzzCorpus -update-fuzz-corpus`
// to rewrite them (after regenerating the golden vectors, say).
var updateFuzzCorpus = flag.Bool("update-fuzz-corpus", false, "rewrite the seed files under testdata/fuzz")

// seeds are the golden vectors' codes, truncations of the valid ones, and
// junk. Names starting with "valid" must decode.
func seeds(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	var green string
	for _, v := range readVectors(t).Cases {
		name := "vector_" + v.Name
		if v.Result == string(mapping.Valid) {
			name = "valid_" + v.Name
		}
		out[name] = v.Code
		if v.Name == "green" {
			green = v.Code
		}
	}
	if green == "" {
		t.Fatal("the golden vectors have no green case")
	}
	token := strings.TrimPrefix(green, bj.Prefix)
	parts := strings.Split(token, ".")
	for k, v := range map[string]string{
		"truncated_by_one":      green[:len(green)-1],
		"truncated_in_half":     green[:len(green)/2],
		"truncated_after_dot":   bj.Prefix + parts[0] + "." + parts[1] + ".",
		"without_signature":     bj.Prefix + parts[0] + "." + parts[1],
		"header_only":           bj.Prefix + parts[0],
		"empty":                 "",
		"bare_prefix":           bj.Prefix,
		"prefix_without_colon":  "BJJKB",
		"lower_case_prefix":     "bjjkb:" + token,
		"national_prefix":       "NIC1:" + token,
		"dots_only":             bj.Prefix + "..",
		"nul_bytes":             bj.Prefix + "\x00\x00.\x00.\x00",
		"chinese_junk":          bj.Prefix + "北京健康宝.张三丰.未见异常",
		"invalid_utf8":          bj.Prefix + parts[0] + ".\xff\xfe." + parts[2],
		"padded_base64":         bj.Prefix + parts[0] + "==." + parts[1] + "." + parts[2],
		"four_parts":            green + ".AAAA",
		"json_serialization":    bj.Prefix + `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`,
		"header_not_an_object":  bj.Prefix + "W10." + parts[1] + "." + parts[2],
		"payload_empty_object":  bj.Prefix + parts[0] + ".e30." + parts[2],
		"signature_of_one_char": bj.Prefix + parts[0] + "." + parts[1] + ".A",
	} {
		out[k] = v
	}
	return out
}

func FuzzDecode(f *testing.F) {
	w := newWorld(f)
	kid := w.key(f, "bj").Kid()
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		c, err := w.dec.Decode(code, w.env)
		if err != nil {
			checkRefusal(t, c, err)
			return
		}
		checkDecoded(t, c, kid)
	})
}

// FuzzDecodeClaims reaches the claims rules, which FuzzDecode rarely does (a
// mutated code no longer verifies): the fuzzed payload is signed with
// Beijing's endorsed key first. Beyond the properties of every decoded
// code, a code is green only if its status claim is exactly "未见异常".
func FuzzDecodeClaims(f *testing.F) {
	w := newWorld(f)
	bjKey := w.key(f, "bj")
	for _, s := range seeds(f) {
		if tok, ok := strings.CutPrefix(s, bj.Prefix); ok {
			if _, p, err := trust.SplitCompact(tok); err == nil {
				f.Add(p)
			}
		}
	}
	for _, tc := range claimCases(f) {
		f.Add(tc.payload)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := w.dec.Decode(signed(t, bjKey, payload), w.env)
		if err != nil {
			checkRefusal(t, c, err)
			switch mapping.ReasonOf(err) {
			case mapping.Malformed, mapping.KeyNotValid:
			default:
				t.Fatalf("a payload signed by the endorsed key refused with %v", err)
			}
			return
		}
		checkDecoded(t, c, bjKey.Kid())
		if c.Status == mapping.Green {
			var m map[string]json.RawMessage
			var st string
			if json.Unmarshal(payload, &m) != nil || json.Unmarshal(m["zt"], &st) != nil || st != "未见异常" {
				t.Fatalf("green from status claim %s", m["zt"])
			}
		}
	})
}

func checkRefusal(t *testing.T, c *adapters.Code, err error) {
	t.Helper()
	if c != nil {
		t.Fatalf("code returned with error %v", err)
	}
	var p *mapping.Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T) is not a *mapping.Problem", err, err)
	}
	if p.Reason.Result() != mapping.Invalid {
		t.Fatalf("reason %s: a decoder only says a code is invalid", p.Reason)
	}
}

// checkDecoded asserts what every decoded bj-v1 code guarantees.
func checkDecoded(t *testing.T, c *adapters.Code, kid string) {
	t.Helper()
	if c == nil {
		t.Fatal("no code and no error")
	}
	if !mapping.IsMaskedName(c.Holder.Name) || !mapping.IsMaskedID(c.Holder.ID) {
		t.Fatalf("holder is not masked: %#v", c.Holder)
	}
	if !c.Status.Valid() {
		t.Fatalf("status %q", c.Status)
	}
	if c.Format != bj.Format || !c.Signed || c.Kid != kid || c.Iss != bj.Region || c.Org != bj.Region {
		t.Fatalf("format %s signed %v kid %s iss %s org %s", c.Format, c.Signed, c.Kid, c.Iss, c.Org)
	}
	if !c.Expires.After(c.IssuedAt) || c.Expires.Sub(c.IssuedAt) > mapping.MaxValidity || !c.StatusAt.Equal(c.IssuedAt) {
		t.Fatalf("validity %s..%s, status at %s", c.IssuedAt, c.Expires, c.StatusAt)
	}
	if c.ID == "" || len(c.ID) > 64 || strings.Trim(c.ID, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
		t.Fatalf("code id %q", c.ID)
	}
	if c.NAT != nil || c.Vac != nil {
		t.Fatal("bj-v1 carries no test or vaccination")
	}
}

// TestFuzzCorpus keeps the seed files honest: each is in the corpus format
// with one string, holds its seed, and decodes (or is refused) as a seed of
// its name must be.
func TestFuzzCorpus(t *testing.T) {
	w := newWorld(t)
	kid := w.key(t, "bj").Kid()
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	all := seeds(t)
	if *updateFuzzCorpus {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, s := range all {
			if err := os.WriteFile(filepath.Join(dir, name), fmt.Appendf(nil, "go test fuzz v1\nstring(%s)\n", strconv.Quote(s)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, seed := range all {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatalf("seed file missing (run with -update-fuzz-corpus): %v", err)
			}
			rest, ok := bytes.CutPrefix(data, []byte("go test fuzz v1\nstring("))
			quoted, ok2 := bytes.CutSuffix(bytes.TrimRight(rest, "\n"), []byte(")"))
			if !ok || !ok2 {
				t.Fatalf("not a go test fuzz v1 file of one string")
			}
			s, err := strconv.Unquote(string(quoted))
			if err != nil {
				t.Fatal(err)
			}
			if s != seed {
				t.Errorf("file differs from the seed (run with -update-fuzz-corpus after regenerating the vectors)")
			}
			c, err := w.dec.Decode(s, w.env)
			if strings.HasPrefix(name, "valid_") {
				if err != nil {
					t.Fatalf("no longer decodes: %v", err)
				}
				checkDecoded(t, c, kid)
				return
			}
			if err != nil {
				checkRefusal(t, c, err)
				return
			}
			// Vectors refused by the verifier's clock or size rules decode.
			checkDecoded(t, c, kid)
		})
	}
}
