package eudcc_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/eudcc"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/conformance/dcc"
	"github.com/hcgw/hcgw/verify"
)

// referenceWindow is test_expiration_check of the member states' runner
// (tests/test_ehealth_certs.py), comparison for comparison:
//
//	dsc_not_valid_before <= dgc_issue_date
//	dgc_issue_date <= validation_clock
//	validation_clock <= dgc_expiry_date
//	dgc_expiry_date <= dsc_not_valid_after
func referenceWindow(nb, iat, clock, exp, na time.Time) bool {
	return !nb.After(iat) && !iat.After(clock) && !clock.After(exp) && !exp.After(na)
}

// TestValidityWindowsFollowTheReference puts the validation clock, the
// issue date, the expiry and the document signer's window exactly on each
// boundary of the reference's inequalities and a second (or half a second)
// past it, and asks the conformance runner's expiration check, the runner
// itself on a test file, and the verifier (clock skew 0, as the reference
// has none): each must say what the reference says.
func TestValidityWindowsFollowTheReference(t *testing.T) {
	de := newSigner(t, signerSpec{country: "DE"})
	w := newWorld(t, de)
	nb, na := de.dsc.NotBefore, de.dsc.NotAfter
	if !nb.Equal(dscFrom) || !na.Equal(dscTo) {
		t.Fatalf("the signer's window is %s..%s", nb, na)
	}
	sec, half := time.Second, 500*time.Millisecond
	type tc struct {
		iat, exp, clock time.Time
		float           bool // iat and exp written as CBOR floats
		reason          fault.Kind
	}
	tests := map[string]tc{
		"the clock at exp is valid":                  {iat: issued, exp: now, clock: now},
		"a second after exp is expired":              {iat: issued, exp: now, clock: now.Add(sec), reason: fault.Expired},
		"the clock at iat is valid":                  {iat: now, exp: expires, clock: now},
		"a second before iat is not yet valid":       {iat: now, exp: expires, clock: now.Add(-sec), reason: fault.NotYetValid},
		"iat at the signer's notBefore is valid":     {iat: nb, exp: expires, clock: now},
		"iat a second before notBefore":              {iat: nb.Add(-sec), exp: expires, clock: now, reason: fault.KeyNotValid},
		"exp at the signer's notAfter is valid":      {iat: issued, exp: na, clock: now},
		"exp a second after notAfter":                {iat: issued, exp: na.Add(sec), clock: now, reason: fault.KeyNotValid},
		"iat, clock and exp one instant":             {iat: now, exp: now, clock: now},
		"a float exp half a second on: valid before": {iat: issued, exp: now.Add(half), clock: now.Add(400 * time.Millisecond), float: true},
		"a float exp, the clock at it":               {iat: issued, exp: now.Add(half), clock: now.Add(half), float: true},
		"a float exp, the clock past it":             {iat: issued, exp: now.Add(half), clock: now.Add(600 * time.Millisecond), float: true, reason: fault.Expired},
		"a float iat, the clock before it":           {iat: now.Add(half), exp: expires, clock: now.Add(400 * time.Millisecond), float: true, reason: fault.NotYetValid},
		"a float iat, the clock at it":               {iat: now.Add(half), exp: expires, clock: now.Add(half), float: true},
		"a float iat half a second before notBefore": {iat: nb.Add(-half), exp: expires, clock: now, float: true, reason: fault.KeyNotValid},
	}
	ads, err := adapters.NewRegistry(w.dec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	raw := filepath.Join(dir, "XX", "2DCode", "raw")
	if err := os.MkdirAll(raw, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	i := 0
	for name, c := range tests {
		if want := referenceWindow(nb, c.iat, c.clock, c.exp, na); want != (c.reason == fault.None) {
			t.Fatalf("%s: the case says %q, the reference says valid=%v", name, c.reason, want)
		}
		payload := claims(t, "DE", c.iat, c.exp, vaccination(2, 2))
		if c.float {
			secs := func(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
			payload = mustCBOR(t, map[any]any{int64(1): "DE", int64(4): secs(c.exp), int64(6): secs(c.iat),
				int64(-260): map[any]any{int64(1): vaccination(2, 2)}})
		}
		cose := de.sign(t, payload, signOpts{})
		t.Run(name, func(t *testing.T) {
			// The runner's expiration check.
			s, err := eudcc.ParseCOSE(cose)
			if err != nil {
				t.Fatal(err)
			}
			cwt, err := eudcc.ParseCWT(s.Payload())
			if err != nil {
				t.Fatal(err)
			}
			if got := fault.ReasonOf(eudcc.CheckTimes(cwt, de.dsc, c.clock, 0)); got != c.reason {
				t.Errorf("CheckTimes: %q, want %q", got, c.reason)
			}
			// The verifier, end to end.
			v := &verify.Verifier{Adapters: ads, Trust: w.reg, Clock: func() time.Time { return c.clock }}
			vd, _ := v.Evaluate(context.Background(), qr(t, cose))
			if vd.Reason != c.reason || (vd.Result == fault.Valid) != (c.reason == fault.None) {
				t.Errorf("verifier: %s/%s (%s), want %q", vd.Result, vd.Reason, vd.Detail, c.reason)
			}
		})
		// A test file for the runner itself, as the member states write them.
		i++
		file := filepath.Join(raw, "W"+string(rune('A'+i))+".json")
		files[file] = name
		tf := map[string]any{
			"COSE": hex.EncodeToString(cose),
			"TESTCTX": map[string]any{"CERTIFICATE": base64.StdEncoding.EncodeToString(de.dsc.Cert.Raw),
				"VALIDATIONCLOCK": c.clock.Format(time.RFC3339Nano)},
			"EXPECTEDRESULTS": map[string]any{dcc.FlagExpiration: c.reason == fault.None},
		}
		b, _ := json.Marshal(tf)
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := dcc.Run(dir, dcc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, cs := range r.Cases {
		for _, ck := range cs.Checks {
			if ck.Name != dcc.FlagExpiration {
				continue
			}
			ran++
			if !ck.Passed() {
				t.Errorf("runner, %s (%s): want %v, got %v (%s)", files[filepath.Join(dir, filepath.FromSlash(cs.Path))], cs.Path, ck.Want, ck.Got, ck.Detail)
			}
		}
	}
	if ran != len(tests) {
		t.Fatalf("the runner made %d expiration checks of %d files", ran, len(tests))
	}
}
