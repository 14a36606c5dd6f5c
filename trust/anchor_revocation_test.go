package trust_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/trust"
)

const anchorsByConfig = "anchors are removed by configuration"

// A revocation naming an anchor would be stored and listed and change
// nothing (anchors are not registry keys): it is refused, on every way in,
// saying how an anchor is withdrawn.
func TestRevocationOfAnchorRefused(t *testing.T) {
	root := testkit.NewRoot(t)
	second := testkit.Key(t, jwa.EdDSA) // a second anchor, revoked by the first
	anchors, err := trust.NewAnchors(root.PublicJWK(), testkit.JSON(t, second.Public().JWK))
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{
		"the anchor revoking itself":   root.Revoke(root.Kid()),
		"one anchor revoking another":  root.Revoke(second.Kid()),
		"the other anchor revoking it": signClaims(t, second, header(second, trust.TypRevocation), revocationClaims(root.Kid())),
	}
	for name, tok := range tokens {
		t.Run(name, func(t *testing.T) {
			_, err := anchors.ParseRevocation(tok)
			wantReason(t, err, fault.Malformed)
			if !strings.Contains(err.Error(), anchorsByConfig) {
				t.Fatalf("error %q does not say %q", err, anchorsByConfig)
			}

			st := newMemStore()
			reg := trust.NewRegistry(anchors, st)
			if _, added, err := reg.AddRevocation(t.Context(), tok); err == nil || added {
				t.Fatalf("AddRevocation: added %v, err %v", added, err)
			}
			if n, bad, _ := reg.AddAny(t.Context(), []string{tok}); n != 0 || len(bad) != 1 {
				t.Fatalf("AddAny: %d added, %d refused", n, len(bad))
			}
			if added, refused, _ := reg.Merge(t.Context(), []string{tok}); added != 0 || refused != 1 {
				t.Fatalf("Merge: %d added, %d refused", added, refused)
			}
			if len(st.saved()) != 0 {
				t.Fatalf("stored %d entries", len(st.saved()))
			}
			snap := reg.Snapshot()
			list, _ := snap.TrustList()
			if len(snap.Revocations()) != 0 || snap.Version() != 0 || bytes.Contains(list, []byte(tok)) {
				t.Fatalf("listed: %s", list)
			}

			// One stored before this rule is skipped at the next start.
			st.entries = []trust.Entry{{Kind: trust.KindRevocation, Kid: root.Kid(), JTI: "old", JWS: tok}}
			if loaded, skipped, err := trust.NewRegistry(anchors, st).LoadStore(t.Context()); err != nil || loaded != 0 || skipped != 1 {
				t.Fatalf("LoadStore: loaded %d, skipped %d, err %v", loaded, skipped, err)
			}
			// One in trust.endorsements_dir stops the start, naming the file.
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "anchor.jws"), []byte(tok), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := trust.NewRegistry(anchors, nil).LoadDir(t.Context(), dir); err == nil ||
				!strings.Contains(err.Error(), "anchor.jws") || !strings.Contains(err.Error(), anchorsByConfig) {
				t.Fatalf("LoadDir: %v", err)
			}
		})
	}
	// A revocation of an endorsed key is still taken.
	k := testkit.Key(t, jwa.ES256)
	reg := testkit.Registry(t, root, root.Endorse(k, zj, testkit.Spec{}))
	if _, added, err := reg.AddRevocation(t.Context(), root.Revoke(k.Kid())); err != nil || !added {
		t.Fatalf("revoking an endorsed key: added %v, err %v", added, err)
	}
}
