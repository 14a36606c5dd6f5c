package trust_test

import (
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/internal/testkit"
)

func TestExpiring(t *testing.T) {
	root := testkit.NewRoot(t)
	now := testkit.Now
	soon, later, renewed, revoked, past := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.ES256),
		testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.ES256)
	day := 24 * time.Hour
	reg := testkit.Registry(t, root,
		root.Endorse(soon, "330000", testkit.Spec{NotBefore: now.Add(-day), NotAfter: now.Add(3 * day)}),
		root.Endorse(later, "440000", testkit.Spec{NotBefore: now.Add(-day), NotAfter: now.Add(30 * day)}),
		root.Endorse(renewed, "110000", testkit.Spec{NotBefore: now.Add(-day), NotAfter: now.Add(2 * day), JTI: "old"}),
		root.Endorse(renewed, "110000", testkit.Spec{NotBefore: now.Add(-day), NotAfter: now.Add(60 * day), JTI: "new"}),
		root.Endorse(revoked, "310000", testkit.Spec{NotBefore: now.Add(-day), NotAfter: now.Add(day)}),
		root.Revoke(revoked.Kid()),
		root.Endorse(past, "510000", testkit.Spec{NotBefore: now.Add(-3 * day), NotAfter: now.Add(-day)}),
	)
	got := reg.Snapshot().Expiring(now, 7*day)
	if len(got) != 1 || got[0].Kid != soon.Kid() || got[0].Sub != "330000" || got[0].Left(now) != 3*day {
		t.Fatalf("got %+v; want only the key ending in 3 days (a renewed, a revoked and an already lapsed key are not warnings)", got)
	}
	if got := reg.Snapshot().Expiring(now, 40*day); len(got) != 2 || got[0].Kid != soon.Kid() || got[1].Kid != later.Kid() {
		t.Fatalf("with 40 days: %+v", got)
	}
}
