package trust_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/trust"
)

// TestApplyStored: entries another replica saved are checked like any
// other before they are published, and published without being saved
// again; each bad row is refused by its index while the good ones apply;
// what the registry holds already is passed over.
func TestApplyStored(t *testing.T) {
	root := testkit.NewRoot(t)
	shKey, zjKey, gdKey := testkit.Key(t, jwa.EdDSA), testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA)
	stranger := testkit.NewRoot(t) // not an anchor
	st := newMemStore()
	reg := trust.NewRegistry(root.Anchors(), st)
	known := root.Endorse(gdKey, gd, testkit.Spec{})
	if _, _, err := reg.AddEndorsement(t.Context(), known); err != nil {
		t.Fatal(err)
	}
	savedBefore := len(st.saved())

	shEnd := root.Endorse(shKey, sh, testkit.Spec{Use: []trust.Use{trust.UseCodes, trust.UseRules}})
	zjEnd := root.Endorse(zjKey, zj, testkit.Spec{})
	// Zhejiang's endorsement under the signature of Shanghai's.
	zp, sp := strings.Split(zjEnd, "."), strings.Split(shEnd, ".")
	tampered := zp[0] + "." + zp[1] + "." + sp[2]
	gdElsewhere := root.Endorse(gdKey, zj, testkit.Spec{JTI: "gd-for-zj"})
	rule := signRule(t, shKey, ruleClaimsFor(sh, ruleObject("SH-APPLY", "1.0.0")))
	orphanRule := signRule(t, zjKey, ruleClaimsFor(zj, withRule(ruleObject("ZJ-1", "1.0.0"), func(r map[string]any) { r["Country"] = zj })))
	entries := []trust.Entry{
		{Kind: trust.KindEndorsement, Kid: gdKey.Kid(), JWS: known},                                        // 0: known already
		{Kind: trust.KindRule, Kid: sh + ":SH-APPLY:1.0.0", Sub: sh, JWS: rule},                            // 1: signed by a key of this batch
		{Kind: trust.KindEndorsement, Kid: shKey.Kid(), Sub: sh, JWS: shEnd},                               // 2
		{Kind: trust.KindEndorsement, Kid: zjKey.Kid(), Sub: zj, JWS: tampered},                            // 3: tampered
		{Kind: trust.KindEndorsement, Kid: "x", Sub: zj, JWS: stranger.Endorse(zjKey, zj, testkit.Spec{})}, // 4: not anchored
		{Kind: trust.KindRevocation, Kid: root.Kid(), JWS: root.Revoke(root.Kid())},                        // 5: an anchor
		{Kind: trust.KindEndorsement, Kid: gdKey.Kid(), Sub: zj, JWS: gdElsewhere},                         // 6: gd's key for zj
		{Kind: trust.KindRule, Kid: zj + ":ZJ-1:1.0.0", Sub: zj, JWS: orphanRule},                          // 7: its key unknown
		{Kind: trust.KindRevocation, Kid: gdKey.Kid(), JWS: root.Revoke(gdKey.Kid())},                      // 8
		{Kind: trust.KindEndorsement, Kid: "junk", JWS: "not.a.jws"},                                       // 9
	}
	added, refused, err := reg.ApplyStored(t.Context(), entries)
	if err != nil {
		t.Fatal(err)
	}
	if added != 3 {
		t.Errorf("%d added, want 3 (the Shanghai key, its rule, the revocation)", added)
	}
	want := map[int]string{3: "signature", 4: "not a trust anchor", 5: "anchors are removed by configuration", 6: "", 7: "", 9: ""}
	for i, w := range want {
		if refused[i] == nil {
			t.Errorf("entry %d not refused", i)
			continue
		}
		if w != "" && !strings.Contains(refused[i].Error(), w) {
			t.Errorf("entry %d refused with %q, want it to say %q", i, refused[i], w)
		}
	}
	if !errors.Is(refused[6], trust.ErrConflict) {
		t.Errorf("entry 6: %v, want ErrConflict", refused[6])
	}
	for i := range entries {
		if _, bad := refused[i]; bad && want[i] == "" && i != 6 && i != 7 && i != 9 {
			t.Errorf("entry %d refused: %v", i, refused[i])
		}
	}
	if len(refused) != len(want) {
		t.Errorf("refused %v", refused)
	}
	snap := reg.Snapshot()
	if k := snap.Key(shKey.Kid()); k == nil || k.Sub != sh {
		t.Error("the Shanghai key is not published")
	}
	if snap.Key(zjKey.Kid()) != nil {
		t.Error("the tampered endorsement was published")
	}
	if k := snap.Key(gdKey.Kid()); k == nil || k.Revoked == nil || k.Sub != gd {
		t.Errorf("the Guangdong key: %+v", k)
	}
	if len(snap.Rules()) != 1 {
		t.Errorf("%d rules published, want 1", len(snap.Rules()))
	}
	if n := len(st.saved()); n != savedBefore {
		t.Errorf("%d entries saved again", n-savedBefore)
	}
	// Again: nothing new, the same refusals.
	added, refused, err = reg.ApplyStored(t.Context(), entries)
	if err != nil || added != 0 || len(refused) != len(want) {
		t.Fatalf("again: %d added, refused %v, %v", added, refused, err)
	}
	if snap.Version() != reg.Snapshot().Version() {
		t.Fatal("the snapshot changed")
	}
}
