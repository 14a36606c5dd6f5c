package federation_test

import (
	"context"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// An answer cached before the key that signed it stopped vouching (revoked
// here or through a pulled trust list, or its endorsement lapsed) is never
// served from the cache again: the next verification asks the issuer. A
// trust change that leaves the key alone keeps the cache.
func TestACachedAnswerEndsWithItsKey(t *testing.T) {
	tests := map[string]struct {
		change    func(t *testing.T, n *nation, statusKid string, clock *fakeClock)
		wantCache bool
	}{
		"the key revoked at this gateway": {
			change: func(t *testing.T, n *nation, kid string, _ *fakeClock) { n.revoke(kid) }},
		"the key's revocation pulled from the hub's trust list": {
			change: func(t *testing.T, n *nation, kid string, _ *fakeClock) {
				if added, _, err := n.reg.Merge(context.Background(), []string{n.root.Revoke(kid)}); err != nil || added != 1 {
					t.Fatalf("merge: %d %v", added, err)
				}
			}},
		"the key's endorsement lapsed": {
			change: func(_ *testing.T, _ *nation, _ string, clock *fakeClock) { clock.Advance(3 * time.Minute) }},
		"another region's key endorsed (the answer's key untouched)": {
			change: func(t *testing.T, n *nation, _ string, _ *fakeClock) {
				n.endorse(gdR, jwa.EdDSA, testkit.Spec{JTI: "gd-2"})
			},
			wantCache: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n := newNation(t, shR, zjR, gdR)
			clock := newFakeClock(testkit.Now)
			// Zhejiang answers with a status key of its own, endorsed until
			// two minutes from now; its codes' key is another.
			statusKey := testkit.Key(t, jwa.EdDSA)
			if _, _, err := n.reg.AddEndorsement(context.Background(), n.root.Endorse(statusKey, zjR, testkit.Spec{
				Use: []trust.Use{trust.UseStatus}, NotBefore: testkit.Now.Add(-time.Hour), NotAfter: testkit.Now.Add(2 * time.Minute),
				JTI: "zj-status"})); err != nil {
				t.Fatal(err)
			}
			zj := &federation.Responder{Region: zjR, Trust: n.reg, Signers: []trust.Signer{statusKey},
				Source: anyCode(clock.Now, time.Hour, 0, nil), Clock: clock.Now, AnswerTTL: 10 * time.Minute, MaxHops: 3, Logger: quiet()}
			if err := zj.Init(); err != nil {
				t.Fatal(err)
			}
			peer := &recorder{next: serveResponder(zj)}
			c := n.client(shR, map[string]string{zjR: serve(t, peer).URL}, func(o *federation.Options) {
				o.Clock, o.CacheMaxTTL, o.Retries = clock.Now, 10*time.Minute, 0
			})
			ctx := context.Background()
			if st, _, err := c.Status(ctx, zjR, "code-1"); err != nil || st.Status != mapping.Green || st.Cached {
				t.Fatalf("first ask: %+v %v", st, err)
			}
			if st, _, err := c.Status(ctx, zjR, "code-1"); err != nil || !st.Cached {
				t.Fatalf("second ask not from the cache: %+v %v", st, err)
			}
			tc.change(t, n, statusKey.Kid(), clock)
			st, _, err := c.Status(ctx, zjR, "code-1")
			if tc.wantCache {
				if err != nil || !st.Cached || peer.hits.Load() != 1 {
					t.Fatalf("after a change that leaves the key alone: %+v %v, %d asks", st, err, peer.hits.Load())
				}
				return
			}
			if st.Cached || peer.hits.Load() != 2 {
				t.Fatalf("after the key stopped vouching: %+v %v, %d asks; want a new ask, not the cache", st, err, peer.hits.Load())
			}
			if fault.ReasonOf(err) != fault.IssuerUnavailable {
				t.Fatalf("the issuer has no status key in force, yet: %+v %v", st, err)
			}
		})
	}
}
