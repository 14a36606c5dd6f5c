package verify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// leaky is an adapter that forgot the code-id rule: its code id is what
// follows its prefix.
type leaky struct{}

func (leaky) Format() string     { return "leaky-v1" }
func (leaky) Prefixes() []string { return []string{"LEAKY:"} }
func (leaky) Decode(code string, _ adapters.Env) (*adapters.Code, error) {
	at := testkit.Now.Add(-time.Minute)
	return &adapters.Code{Format: "leaky-v1", Iss: zj, Org: zj, ID: strings.TrimPrefix(code, "LEAKY:"), Signed: true,
		Status: mapping.Green, StatusAt: at, IssuedAt: at, Expires: testkit.Now.Add(time.Hour),
		Holder: mapping.Holder{Name: "张*三", ID: "E1*****78"}}, nil
}

// TestACodeIDHoldingAnIdentityNumberIsRefusedWhateverTheAdapter: the
// verifier refuses, as malformed, a code whose adapter let an identity
// number through as its code id, before the id reaches the answer, the
// record or a converted code; a clean id from the same adapter is valid.
func TestACodeIDHoldingAnIdentityNumberIsRefusedWhateverTheAdapter(t *testing.T) {
	w := newWorld(t)
	ads, err := adapters.NewRegistry(leaky{})
	if err != nil {
		t.Fatal(err)
	}
	rec := &fakeRecorder{}
	v := &verify.Verifier{Adapters: ads, Trust: w.reg, Clock: testkit.Clock, Skew: trust.DefaultSkew,
		Region: mapping.NationalRegion, Recorder: rec}
	signers := []trust.Signer{w.hub}
	ctx := context.Background()

	out, err := v.Convert(ctx, verify.Request{Code: "LEAKY:clean-id-1"}, signers)
	if err != nil || out.Verdict.Result != fault.Valid || out.NationalCode == "" {
		t.Fatalf("a clean id: %v, %s/%s", err, out.Verdict.Result, out.Verdict.Reason)
	}
	for _, id := range []string{"330102199001011234", "x-11010519491231002x", "110105491231002", "abc33010219900101123"} {
		n := len(rec.recs)
		vd, err := v.Verify(ctx, verify.Request{Code: "LEAKY:" + id})
		if err != nil {
			t.Fatal(err)
		}
		if vd.Result != fault.Invalid || vd.Reason != fault.Malformed || vd.Holder != nil || strings.Contains(vd.Detail, id) {
			t.Fatalf("%s: verdict %+v", id, vd)
		}
		out, err := v.Convert(ctx, verify.Request{Code: "LEAKY:" + id}, signers)
		if !errors.Is(err, verify.ErrNotValid) || out.NationalCode != "" {
			t.Fatalf("%s: convert %v, code %q", id, err, out.NationalCode)
		}
		for _, r := range rec.recs[n:] {
			if r.CodeID != "" || r.Reason != fault.Malformed.String() {
				t.Fatalf("%s: record %+v", id, r)
			}
		}
	}
}
