package gd_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/gd"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors/"+gd.Format+".json")

// vectorFile is the shape of testdata/vectors/<format>.json.
type vectorFile struct {
	Format         string   `json:"format"`
	ValidationTime string   `json:"validation_time"`
	Cases          []vector `json:"cases"`
}

type vector struct {
	Name   string `json:"name"`
	Code   string `json:"code"`
	Result string `json:"result"`
	Reason string `json:"reason"`
	Status string `json:"status"`
}

func vectorPath(t testing.TB) string {
	return filepath.Join(testkit.RepoRoot(t), "testdata", "vectors", gd.Format+".json")
}

// verifier is the whole verification path: detection among the national
// and gd-v1 adapters, decoding, the clock rules, offline status.
func verifier(t testing.TB, w *world) *verify.Verifier {
	t.Helper()
	ads, err := adapters.NewRegistry(nic.New(), w.dec)
	if err != nil {
		t.Fatal(err)
	}
	return &verify.Verifier{Adapters: ads, Trust: w.g.Registry, Clock: testkit.GoldenClock,
		Skew: verify.DefaultSkew, Region: gd.Region}
}

// vectors builds the golden cases with the verdict each must get at the
// golden time. The expectations are written here, not read off the
// verifier: the generator refuses to write a file the verifier disagrees
// with.
func vectors(t testing.TB, w *world) []vector {
	t.Helper()
	gdKey := w.key(t, "gd")
	at := func(status string, from, until time.Time) string {
		return encode(t, gdKey, with(claims(status), func(c *gd.Claims) { c.StatusTime, c.Expires = from.Unix(), until.Unix() }))
	}
	T := testkit.GoldenTime
	red := encode(t, gdKey, claims("30"))
	parts := strings.Split(strings.TrimPrefix(red, gd.Prefix), ".")
	greenPayload := testkit.B64([]byte(basePayload()))
	sig := []byte(parts[2])
	if sig[20] == 'A' {
		sig[20] = 'B'
	} else {
		sig[20] = 'A'
	}
	valid := func(name, code string, st mapping.Status) vector {
		return vector{Name: name, Code: code, Result: string(mapping.Valid), Status: string(st)}
	}
	invalid := func(name, code string, r mapping.Reason) vector {
		return vector{Name: name, Code: code, Result: string(r.Result()), Reason: string(r), Status: string(mapping.Grey)}
	}
	return []vector{
		valid("green", encode(t, gdKey, claims("10")), mapping.Green),
		valid("yellow", encode(t, gdKey, claims("20")), mapping.Yellow),
		valid("red", red, mapping.Red),
		valid("grey", encode(t, gdKey, claims("00")), mapping.Grey),
		valid("unknown_status_is_grey", encode(t, gdKey, claims("99")), mapping.Grey),
		valid("issued_30s_ahead_within_skew", at("10", T.Add(30*time.Second), T.Add(time.Hour)), mapping.Green),
		invalid("tampered_signature", gd.Prefix+parts[0]+"."+parts[1]+"."+string(sig), mapping.BadSignature),
		invalid("tampered_payload", gd.Prefix+parts[0]+"."+greenPayload+"."+parts[2], mapping.BadSignature),
		invalid("alg_none", gd.Prefix+testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": gdKey.Kid(), "typ": gd.Typ}))+
			"."+greenPayload+".AAAA", mapping.BadSignature),
		invalid("wrong_key", encode(t, w.key(t, "rogue"), claims("10")), mapping.UnknownKey),
		invalid("revoked_key", encode(t, w.key(t, "gd-revoked"), claims("10")), mapping.RevokedKey),
		invalid("other_regions_key", raw(t, w.key(t, "bj"), header(w.key(t, "bj")), []byte(basePayload())), mapping.ScopeViolation),
		invalid("before_key_endorsement", at("10", time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 1, 0, 0, 0, time.UTC)), mapping.KeyNotValid),
		invalid("expired", at("10", T.Add(-2*time.Hour), T.Add(-time.Hour)), mapping.Expired),
		invalid("expires_at_validation_time", at("10", T.Add(-time.Hour), T), mapping.Expired),
		invalid("not_yet_valid", at("10", T.Add(10*time.Minute), T.Add(70*time.Minute)), mapping.NotYetValid),
		invalid("malformed_base64", gd.Prefix+parts[0]+".eyJ4bSI6I+/=."+parts[2], mapping.Malformed),
		invalid("malformed_missing_claim", signed(t, gdKey, replace(t, `"mzt":"10",`, ``)), mapping.Malformed),
		invalid("malformed_wrong_typ", raw(t, gdKey, map[string]any{"alg": "ES256", "kid": gdKey.Kid(), "typ": "nic+jwt"}, []byte(basePayload())), mapping.Malformed),
		invalid("oversized", oversized(t, w, 5000), mapping.Malformed),
	}
}

// oversized is a code of exactly n bytes that would be valid but for its
// size: a green code padded with a claim the adapter ignores (and, as a
// base64url part is never 1 more than a multiple of 4 long, with a header
// member when the payload alone cannot reach n).
func oversized(t testing.TB, w *world, n int) string {
	t.Helper()
	gdKey := w.key(t, "gd")
	for hpad := 0; hpad < 4; hpad++ {
		h := header(gdKey)
		if hpad > 0 {
			h["pad"] = strings.Repeat("x", hpad)
		}
		// Find the payload padding from the length of an unpadded code.
		base := len(raw(t, gdKey, h, []byte(basePayload())))
		for pad := max(0, (n-base)*3/4-16); pad < (n-base)*3/4+16; pad++ {
			p := replace(t, `"mzt":"10"`, `"mzt":"10","pad":"`+strings.Repeat("x", pad)+`"`)
			code := raw(t, gdKey, h, p)
			if len(code) == n {
				if _, err := w.dec.Decode(code, w.env); err != nil {
					t.Fatalf("the padded code does not decode: %v", err)
				}
				return code
			}
		}
	}
	t.Fatalf("no padding gives a code of %d bytes", n)
	return ""
}

// requiredVectors must be in the file whatever else is.
var requiredVectors = []string{"green", "yellow", "red", "grey", "unknown_status_is_grey", "tampered_signature",
	"tampered_payload", "wrong_key", "revoked_key", "expired", "not_yet_valid", "malformed_base64",
	"malformed_missing_claim", "malformed_wrong_typ", "oversized"}

func check(t *testing.T, v *verify.Verifier, tc vector) {
	t.Helper()
	vd, err := v.Verify(context.Background(), verify.Request{Code: tc.Code})
	if err != nil {
		t.Fatal(err)
	}
	if string(vd.Result) != tc.Result || string(vd.Reason) != tc.Reason || string(vd.Status) != tc.Status {
		t.Fatalf("%s: verdict %s/%s/%s (%s), vector says %s/%s/%s", tc.Name, vd.Result, vd.Reason, vd.Status, vd.Detail,
			tc.Result, tc.Reason, tc.Status)
	}
	if vd.Result == mapping.Valid {
		if vd.Format != gd.Format || vd.Issuer != gd.Region || vd.Holder == nil ||
			vd.Holder.Name != maskedName || vd.Holder.ID != maskedID {
			t.Fatalf("%s: verdict %+v", tc.Name, vd)
		}
	}
}

// TestGenerateVectors rewrites the golden file with -update. ECDSA
// signatures are randomised, so every run writes different codes with the
// same verdicts: regenerate only when the cases change.
func TestGenerateVectors(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite " + vectorPath(t))
	}
	w := newWorld(t)
	v := verifier(t, w)
	cases := vectors(t, w)
	for _, tc := range cases {
		check(t, v, tc)
	}
	f := vectorFile{Format: gd.Format, ValidationTime: testkit.GoldenTime.UTC().Format(time.RFC3339), Cases: cases}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(vectorPath(t)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vectorPath(t), append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readVectors(t testing.TB) vectorFile {
	t.Helper()
	data, err := os.ReadFile(vectorPath(t))
	if err != nil {
		t.Fatalf("%v (generate with go test ./adapters/gd -run TestGenerateVectors -update)", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var f vectorFile
	if err := dec.Decode(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestVectors runs the committed golden file through the whole verifier, so
// the file can never drift from behaviour.
func TestVectors(t *testing.T) {
	f := readVectors(t)
	if f.Format != gd.Format || f.ValidationTime != "2026-11-23T08:00:00Z" {
		t.Fatalf("format %q validation_time %q", f.Format, f.ValidationTime)
	}
	if vt, err := time.Parse(time.RFC3339, f.ValidationTime); err != nil || !vt.Equal(testkit.GoldenTime) {
		t.Fatalf("validation_time %s is not the golden time %s", f.ValidationTime, testkit.GoldenTime)
	}
	names := map[string]bool{}
	for _, tc := range f.Cases {
		if names[tc.Name] {
			t.Errorf("case %q twice", tc.Name)
		}
		names[tc.Name] = true
	}
	for _, n := range requiredVectors {
		if !names[n] {
			t.Errorf("required case %q missing", n)
		}
	}
	w := newWorld(t)
	v := verifier(t, w)
	for _, tc := range f.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Result != string(mapping.Valid) && tc.Status != string(mapping.Grey) {
				t.Fatalf("a %s vector with status %s: the verifier shows grey for anything not valid", tc.Result, tc.Status)
			}
			if tc.Name == "oversized" && len(tc.Code) != 5000 {
				t.Fatalf("oversized code is %d bytes", len(tc.Code))
			}
			check(t, v, tc)
		})
	}
}
