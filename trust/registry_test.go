package trust_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// codeTyp is the typ codes are checked with; the registry does not care
// what the payload is.
const codeTyp = "nic+jwt"

// fakeStore is a hand-written Store: one func field per method.
type fakeStore struct {
	save func(ctx context.Context, e trust.Entry) error
	load func(ctx context.Context) ([]trust.Entry, error)
}

func (f *fakeStore) SaveTrust(ctx context.Context, e trust.Entry) error { return f.save(ctx, e) }

func (f *fakeStore) LoadTrust(ctx context.Context) ([]trust.Entry, error) { return f.load(ctx) }

// memStore is a fakeStore remembering what it is given, in order.
type memStore struct {
	fakeStore
	mu      sync.Mutex
	entries []trust.Entry
}

func newMemStore() *memStore {
	m := &memStore{}
	m.save = func(_ context.Context, e trust.Entry) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.entries = append(m.entries, e)
		return nil
	}
	m.load = func(context.Context) ([]trust.Entry, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		return slices.Clone(m.entries), nil
	}
	return m
}

func (m *memStore) saved() []trust.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.entries)
}

// signCode signs an arbitrary payload as a code of k.
func signCode(t testing.TB, k trust.Signer) string {
	t.Helper()
	tok, err := k.SignCompact([]byte(`{"iss":"330000"}`), codeTyp)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func mustAdd(t *testing.T, reg *trust.Registry, tok string) {
	t.Helper()
	n, bad, err := reg.AddAny(t.Context(), []string{tok})
	if err != nil || len(bad) > 0 || n != 1 {
		t.Fatalf("add: n %d, refused %v, err %v", n, bad, err)
	}
}

func TestSnapshotsAreImmutable(t *testing.T) {
	root := testkit.NewRoot(t)
	k1, k2 := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA)
	reg := trust.NewRegistry(root.Anchors(), nil)

	s0 := reg.Snapshot()
	list0, etag0 := s0.TrustList()
	list0 = bytes.Clone(list0)

	e, added, err := reg.AddEndorsement(t.Context(), root.Endorse(k1, zj, testkit.Spec{JTI: "e1"}))
	if err != nil || !added || e.Key.Kid != k1.Kid() {
		t.Fatalf("first endorsement: added %v, err %v", added, err)
	}
	s1 := reg.Snapshot()
	if s1 == s0 {
		t.Fatal("AddEndorsement did not publish a new snapshot")
	}
	if _, added, err = reg.AddEndorsement(t.Context(), root.Endorse(k1, zj, testkit.Spec{JTI: "e2"})); err != nil || !added {
		t.Fatalf("second endorsement: added %v, err %v", added, err)
	}
	s2 := reg.Snapshot()
	if _, added, err = reg.AddRevocation(t.Context(), root.Revoke(k1.Kid())); err != nil || !added {
		t.Fatalf("revocation: added %v, err %v", added, err)
	}
	s3 := reg.Snapshot()
	mustAdd(t, reg, root.Endorse(k2, zj, testkit.Spec{}))
	s4 := reg.Snapshot()

	// Every older snapshot still shows exactly what it showed when taken.
	if s0.Key(k1.Kid()) != nil || s0.Version() != 0 || s0.Len() != 0 || len(s0.Endorsements()) != 0 || len(s0.KeysOf(zj)) != 0 {
		t.Errorf("the empty snapshot changed: version %d, len %d", s0.Version(), s0.Len())
	}
	if l, tag := s0.TrustList(); !bytes.Equal(l, list0) || tag != etag0 {
		t.Errorf("the empty snapshot's trust list changed")
	}
	if k := s1.Key(k1.Kid()); k == nil || len(k.Endorsements) != 1 || k.Revoked != nil || s1.Version() != 1 || len(s1.Endorsements()) != 1 {
		t.Errorf("snapshot 1 changed: %+v, version %d", k, s1.Version())
	}
	if k := s2.Key(k1.Kid()); k == nil || len(k.Endorsements) != 2 || k.Revoked != nil || len(s2.Revocations()) != 0 {
		t.Errorf("snapshot 2 changed: %+v", k)
	}
	if k := s3.Key(k1.Kid()); k == nil || k.Revoked == nil || s3.Key(k2.Kid()) != nil || len(s3.KeysOf(zj)) != 1 || s3.Version() != 3 {
		t.Errorf("snapshot 3 changed: %+v", k)
	}
	if s4.Key(k2.Kid()) == nil || len(s4.KeysOf(zj)) != 2 || s4.Version() != 4 || s4.Len() != 2 {
		t.Errorf("snapshot 4: version %d, len %d", s4.Version(), s4.Len())
	}
	// Versions only grow.
	for i, s := range []*trust.Snapshot{s0, s1, s2, s3, s4} {
		if s.Version() != i {
			t.Errorf("snapshot %d has version %d", i, s.Version())
		}
	}
}

func TestAddingTheSameEntryTwiceIsIdempotent(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	st := newMemStore()
	reg := trust.NewRegistry(root.Anchors(), st)
	tok := root.Endorse(k, zj, testkit.Spec{JTI: "e1"})
	rev := root.Revoke(k.Kid())

	for _, step := range []struct {
		name  string
		add   func() (bool, error)
		added bool
	}{
		{"the endorsement", func() (bool, error) { _, a, err := reg.AddEndorsement(t.Context(), tok); return a, err }, true},
		{"the same endorsement again", func() (bool, error) { _, a, err := reg.AddEndorsement(t.Context(), tok); return a, err }, false},
		{"the same endorsement with a trailing newline", func() (bool, error) {
			_, a, err := reg.AddEndorsement(t.Context(), tok+"\n")
			return a, err
		}, false},
		{"the same jti signed again (other signature bytes)", func() (bool, error) {
			_, a, err := reg.AddEndorsement(t.Context(), root.Endorse(k, zj, testkit.Spec{JTI: "e1"}))
			return a, err
		}, false},
		{"the revocation", func() (bool, error) { _, a, err := reg.AddRevocation(t.Context(), rev); return a, err }, true},
		{"the same revocation again", func() (bool, error) { _, a, err := reg.AddRevocation(t.Context(), rev); return a, err }, false},
		{"another revocation of the same kid", func() (bool, error) {
			_, a, err := reg.AddRevocation(t.Context(), signClaims(t, root.TestKey, header(root, trust.TypRevocation), revocationClaims(k.Kid())))
			return a, err
		}, false},
	} {
		before := reg.Snapshot()
		added, err := step.add()
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if added != step.added {
			t.Errorf("%s: added %v, want %v", step.name, added, step.added)
		}
		if !step.added && (reg.Snapshot() != before || reg.Snapshot().Version() != before.Version()) {
			t.Errorf("%s: a known entry published a new snapshot (version %d → %d)", step.name, before.Version(), reg.Snapshot().Version())
		}
	}
	if s := reg.Snapshot(); s.Version() != 2 || len(s.Key(k.Kid()).Endorsements) != 1 {
		t.Errorf("version %d, %d endorsements", s.Version(), len(s.Key(k.Kid()).Endorsements))
	}
	if n := len(st.saved()); n != 2 {
		t.Errorf("%d entries persisted, want 2 (known entries are not saved again)", n)
	}
}

func TestASecondEndorsementOfAKeyIsKept(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	// The first endorsement covers Zhejiang until yesterday and only for
	// status; the renewal adds codes, Guangdong and a new window.
	first := root.Endorse(k, zj, testkit.Spec{JTI: "e1", Use: []trust.Use{trust.UseStatus},
		NotBefore: testkit.Now.Add(-48 * time.Hour), NotAfter: testkit.Now.Add(-24 * time.Hour)})
	renewal := root.Endorse(k, zj, testkit.Spec{JTI: "e2", Use: []trust.Use{trust.UseCodes, trust.UseStatus},
		Scope: []string{zj, gd}, NotBefore: testkit.Now.Add(-time.Hour)})
	reg := testkit.Registry(t, root, first, renewal)

	s := reg.Snapshot()
	key := s.Key(k.Kid())
	if key == nil || len(key.Endorsements) != 2 {
		t.Fatalf("key %+v, want two endorsements", key)
	}
	if key.Endorsements[0].JTI != "e1" || key.Endorsements[1].JTI != "e2" {
		t.Errorf("endorsements out of order: %s, %s", key.Endorsements[0].JTI, key.Endorsements[1].JTI)
	}
	if s.Len() != 1 || s.Version() != 2 || len(s.KeysOf(zj)) != 1 || len(s.Endorsements()) != 2 {
		t.Errorf("len %d, version %d, keys of zj %d", s.Len(), s.Version(), len(s.KeysOf(zj)))
	}
	// Only the renewal grants codes for Guangdong at Now.
	if err := key.Authorize(trust.UseCodes, zj, gd, testkit.Now, time.Minute); err != nil {
		t.Errorf("renewal does not authorise: %v", err)
	}
	// A status answer from the first window is still covered by the first.
	if err := key.Authorize(trust.UseStatus, zj, zj, testkit.Now.Add(-36*time.Hour), time.Minute); err != nil {
		t.Errorf("first endorsement does not authorise inside its window: %v", err)
	}
}

func TestAnEndorsementGivingAKnownKeyToAnotherRegionConflicts(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	st := newMemStore()
	reg := trust.NewRegistry(root.Anchors(), st)
	mustAdd(t, reg, root.Endorse(k, zj, testkit.Spec{}))
	before := reg.Snapshot()

	_, added, err := reg.AddEndorsement(t.Context(), root.Endorse(k, sh, testkit.Spec{}))
	if !errors.Is(err, trust.ErrConflict) || added {
		t.Fatalf("AddEndorsement: added %v, err %v; want ErrConflict", added, err)
	}
	n, bad, err := reg.AddAny(t.Context(), []string{root.Endorse(k, gd, testkit.Spec{})})
	if !errors.Is(err, trust.ErrConflict) || n != 0 || len(bad) != 0 {
		t.Fatalf("AddAny: n %d, refused %v, err %v; want ErrConflict", n, bad, err)
	}
	if reg.Snapshot() != before || reg.Snapshot().Key(k.Kid()).Sub != zj {
		t.Errorf("a conflicting endorsement changed the registry")
	}
	if got := len(st.saved()); got != 1 {
		t.Errorf("%d entries persisted, want 1 (the conflict must not be saved)", got)
	}
}

// Two endorsements giving one key to two regions in the same batch (one
// trust-list pull) must be refused before anything is persisted: otherwise
// the store holds a conflict that every later LoadStore trips over.
func TestAConflictInsideOneBatchPersistsNothing(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	st := newMemStore()
	reg := trust.NewRegistry(root.Anchors(), st)

	_, _, err := reg.AddAny(t.Context(), []string{root.Endorse(k, zj, testkit.Spec{}), root.Endorse(k, sh, testkit.Spec{})})
	if !errors.Is(err, trust.ErrConflict) {
		t.Fatalf("err %v, want ErrConflict", err)
	}
	if reg.Snapshot().Version() != 0 {
		t.Fatalf("a conflicting batch was published")
	}
	if saved := st.saved(); len(saved) != 0 {
		restarted := trust.NewRegistry(root.Anchors(), st)
		_, _, loadErr := restarted.LoadStore(t.Context())
		t.Fatalf("%d conflicting entries were persisted; LoadStore then: %v", len(saved), loadErr)
	}
}

// The same artefact twice in one batch is one entry: it is persisted once.
func TestTheSameEntryTwiceInOneBatchIsSavedOnce(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	st := newMemStore()
	reg := trust.NewRegistry(root.Anchors(), st)
	tok := root.Endorse(k, zj, testkit.Spec{})
	rev := root.Revoke(k.Kid())

	n, bad, err := reg.AddAny(t.Context(), []string{tok, tok, rev, rev})
	if err != nil || len(bad) != 0 {
		t.Fatalf("n %d, refused %v, err %v", n, bad, err)
	}
	if n != 2 || reg.Snapshot().Version() != 2 {
		t.Errorf("n %d, version %d; want 2 and 2", n, reg.Snapshot().Version())
	}
	if saved := st.saved(); len(saved) != 2 {
		t.Fatalf("%d entries saved for 2 distinct artefacts", len(saved))
	}
}

func TestARevocationKnownBeforeItsEndorsementStillRevokes(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	endorse, revoke := root.Endorse(k, zj, testkit.Spec{}), root.Revoke(k.Kid())
	code := signCode(t, k)

	check := func(t *testing.T, reg *trust.Registry) {
		t.Helper()
		s := reg.Snapshot()
		key := s.Key(k.Kid())
		if key == nil || key.Revoked == nil {
			t.Fatalf("key %+v is not revoked", key)
		}
		_, _, err := s.VerifyCompact(code, codeTyp)
		wantReason(t, err, fault.RevokedKey)
		wantReason(t, key.Authorize(trust.UseCodes, zj, zj, testkit.Now, time.Minute), fault.RevokedKey)
		if key.InForce(trust.UseCodes, zj, testkit.Now) {
			t.Errorf("a revoked key is in force")
		}
	}
	t.Run("in two calls", func(t *testing.T) {
		reg := trust.NewRegistry(root.Anchors(), nil)
		if _, added, err := reg.AddRevocation(t.Context(), revoke); err != nil || !added {
			t.Fatalf("revocation: %v", err)
		}
		if reg.Snapshot().Key(k.Kid()) != nil || len(reg.Snapshot().Revocations()) != 1 {
			t.Fatalf("a revocation alone made a key")
		}
		if _, added, err := reg.AddEndorsement(t.Context(), endorse); err != nil || !added {
			t.Fatalf("endorsement: %v", err)
		}
		check(t, reg)
	})
	t.Run("revocation first in one batch", func(t *testing.T) { check(t, testkit.Registry(t, root, revoke, endorse)) })
	t.Run("endorsement first in one batch", func(t *testing.T) { check(t, testkit.Registry(t, root, endorse, revoke)) })
	t.Run("a second endorsement after the revocation", func(t *testing.T) {
		reg := testkit.Registry(t, root, endorse, revoke)
		mustAdd(t, reg, root.Endorse(k, zj, testkit.Spec{JTI: "renewed"}))
		check(t, reg)
	})
}

func TestKeyAuthorize(t *testing.T) {
	const skew = time.Minute
	from, to := testkit.Now.Add(-time.Hour), testkit.Now.Add(time.Hour)
	endorsement := func(use []trust.Use, scope []string, from, to time.Time) *trust.Endorsement {
		return &trust.Endorsement{Sub: zj, Use: use, Scope: scope, NotBefore: from, NotAfter: to}
	}
	codes := []trust.Use{trust.UseCodes}
	status := []trust.Use{trust.UseStatus}
	plain := endorsement(codes, []string{zj}, from, to)
	key := func(sub string, es ...*trust.Endorsement) *trust.Key {
		return &trust.Key{Kid: "kid-1", Sub: sub, Endorsements: es}
	}

	tests := map[string]struct {
		key      *trust.Key
		use      trust.Use
		iss, org string
		iat      time.Time
		reason   fault.Kind
	}{
		"a key endorsed for codes may sign its region's codes": {
			key: key(zj, plain), use: trust.UseCodes, iss: zj, org: zj, iat: testkit.Now},
		"a revoked key authorises nothing": {
			key: &trust.Key{Kid: "kid-1", Sub: zj, Endorsements: []*trust.Endorsement{plain}, Revoked: &trust.Revocation{Kid: "kid-1"}},
			use: trust.UseCodes, iss: zj, org: zj, iat: testkit.Now, reason: fault.RevokedKey},
		"a revoked key authorises nothing, not even outside its window": {
			key: &trust.Key{Kid: "kid-1", Sub: zj, Endorsements: []*trust.Endorsement{plain}, Revoked: &trust.Revocation{Kid: "kid-1"}},
			use: trust.UseCodes, iss: sh, org: gd, iat: to.Add(time.Hour), reason: fault.RevokedKey},
		"iss other than the key's region is a scope violation": {
			key: key(zj, plain), use: trust.UseCodes, iss: sh, org: zj, iat: testkit.Now, reason: fault.ScopeViolation},
		"iss other than the key's region is a scope violation even when the scope covers it": {
			key: key(zj, endorsement(codes, []string{trust.Wildcard}, from, to)), use: trust.UseCodes, iss: sh, org: sh, iat: testkit.Now,
			reason: fault.ScopeViolation},
		"a key lacking the use is a scope violation": {
			key: key(zj, endorsement(status, []string{zj}, from, to)), use: trust.UseCodes, iss: zj, org: zj, iat: testkit.Now,
			reason: fault.ScopeViolation},
		"a key with no endorsement is a scope violation": {
			key: key(zj), use: trust.UseCodes, iss: zj, org: zj, iat: testkit.Now, reason: fault.ScopeViolation},
		"iat before nbf beyond the skew is key_not_valid": {
			key: key(zj, plain), use: trust.UseCodes, iss: zj, org: zj, iat: from.Add(-skew - time.Second), reason: fault.KeyNotValid},
		"iat exactly the skew before nbf is accepted": {
			key: key(zj, plain), use: trust.UseCodes, iss: zj, org: zj, iat: from.Add(-skew)},
		"iat within the skew before nbf is accepted": {
			key: key(zj, plain), use: trust.UseCodes, iss: zj, org: zj, iat: from.Add(-skew / 2)},
		"iat at nbf is accepted": {
			key: key(zj, plain), use: trust.UseCodes, iss: zj, org: zj, iat: from},
		"iat a second before exp is accepted": {
			key: key(zj, plain), use: trust.UseCodes, iss: zj, org: zj, iat: to.Add(-time.Second)},
		"iat at exp is key_not_valid": {
			key: key(zj, plain), use: trust.UseCodes, iss: zj, org: zj, iat: to, reason: fault.KeyNotValid},
		"iat after exp is key_not_valid (no skew at the end)": {
			key: key(zj, plain), use: trust.UseCodes, iss: zj, org: zj, iat: to.Add(time.Second), reason: fault.KeyNotValid},
		"an org outside the scope is a scope violation": {
			key: key(zj, plain), use: trust.UseCodes, iss: zj, org: gd, iat: testkit.Now, reason: fault.ScopeViolation},
		"the wildcard scope covers any org": {
			key: key(mapping.NationalRegion, endorsement(codes, []string{trust.Wildcard}, from, to)), use: trust.UseCodes,
			iss: mapping.NationalRegion, org: gd, iat: testkit.Now},
		"two endorsements where only the second covers the org": {
			key: key(zj, plain, endorsement(codes, []string{zj, gd}, from, to)), use: trust.UseCodes, iss: zj, org: gd, iat: testkit.Now},
		"two endorsements where only the second grants the use": {
			key: key(zj, endorsement(status, []string{zj}, from, to), plain), use: trust.UseCodes, iss: zj, org: zj, iat: testkit.Now},
		"two endorsements where only the second's window holds iat": {
			key: key(zj, endorsement(codes, []string{zj}, from.Add(-48*time.Hour), from.Add(-24*time.Hour)), plain),
			use: trust.UseCodes, iss: zj, org: zj, iat: testkit.Now},
		"an expired endorsement still covers what was issued inside its window": {
			key: key(zj, endorsement(codes, []string{zj}, from.Add(-48*time.Hour), from.Add(-24*time.Hour))),
			use: trust.UseCodes, iss: zj, org: zj, iat: from.Add(-36 * time.Hour)},
		"a window failure is reported rather than a scope failure of another endorsement": {
			key: key(zj, endorsement(codes, []string{sh}, from, to), endorsement(codes, []string{gd}, to, to.Add(time.Hour))),
			use: trust.UseCodes, iss: zj, org: gd, iat: testkit.Now, reason: fault.KeyNotValid},
		"federation use is separate from codes": {
			key: key(zj, plain), use: trust.UseFederation, iss: zj, org: zj, iat: testkit.Now, reason: fault.ScopeViolation},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.key.Authorize(tc.use, tc.iss, tc.org, tc.iat, skew)
			if tc.reason == fault.None {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantReason(t, err, tc.reason)
		})
	}
}

func TestKeyInForce(t *testing.T) {
	from, to := testkit.Now.Add(-time.Hour), testkit.Now.Add(time.Hour)
	e := &trust.Endorsement{Sub: zj, Use: []trust.Use{trust.UseCodes}, Scope: []string{zj}, NotBefore: from, NotAfter: to}
	k := &trust.Key{Kid: "k", Sub: zj, Endorsements: []*trust.Endorsement{e}}
	tests := map[string]struct {
		use  trust.Use
		org  string
		at   time.Time
		want bool
	}{
		"at nbf":                   {use: trust.UseCodes, org: zj, at: from, want: true},
		"a second before exp":      {use: trust.UseCodes, org: zj, at: to.Add(-time.Second), want: true},
		"at exp":                   {use: trust.UseCodes, org: zj, at: to},
		"a second before nbf":      {use: trust.UseCodes, org: zj, at: from.Add(-time.Second)},
		"for another use":          {use: trust.UseStatus, org: zj, at: testkit.Now},
		"for an org outside scope": {use: trust.UseCodes, org: gd, at: testkit.Now},
	}
	for name, tc := range tests {
		if got := k.InForce(tc.use, tc.org, tc.at); got != tc.want {
			t.Errorf("%s: InForce %v, want %v", name, got, tc.want)
		}
	}
	revoked := *k
	revoked.Revoked = &trust.Revocation{Kid: "k"}
	if revoked.InForce(trust.UseCodes, zj, testkit.Now) {
		t.Errorf("a revoked key is in force")
	}
}

func TestKeysOf(t *testing.T) {
	root := testkit.NewRoot(t)
	older, newer := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA)
	shKey, hub := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA)
	// Added newest first: KeysOf orders by the first endorsement's iat.
	reg := testkit.Registry(t, root,
		root.Endorse(newer, zj, testkit.Spec{NotBefore: testkit.Now.Add(-time.Hour)}),
		root.Endorse(shKey, sh, testkit.Spec{}),
		root.Endorse(older, zj, testkit.Spec{NotBefore: testkit.Now.Add(-48 * time.Hour)}),
		root.Endorse(hub, mapping.NationalRegion, testkit.Spec{Scope: []string{trust.Wildcard}}),
	)
	kids := func(ks []*trust.Key) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.Kid)
		}
		return out
	}
	s := reg.Snapshot()
	tests := map[string]struct {
		region string
		want   []string
	}{
		"Zhejiang has two keys, oldest endorsement first":  {region: zj, want: []string{older.Kid(), newer.Kid()}},
		"Shanghai has one key":                             {region: sh, want: []string{shKey.Kid()}},
		"the hub's key is the national region's":           {region: mapping.NationalRegion, want: []string{hub.Kid()}},
		"Guangdong has none":                               {region: gd},
		"a region in the hub's scope does not own its key": {region: "540000"},
		"a non-region has none":                            {region: "*"},
	}
	for name, tc := range tests {
		if got := kids(s.KeysOf(tc.region)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	// A revoked key stays listed (marked): rotation keeps old keys around.
	mustAdd(t, reg, root.Revoke(older.Kid()))
	got := reg.Snapshot().KeysOf(zj)
	if len(got) != 2 || got[0].Kid != older.Kid() || got[0].Revoked == nil || got[1].Revoked != nil {
		t.Errorf("after revocation: %v", kids(got))
	}
	// Keys endorsed at the same instant are ordered by kid.
	a, b := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.ES256)
	same := testkit.Registry(t, root, root.Endorse(a, gd, testkit.Spec{}), root.Endorse(b, gd, testkit.Spec{}))
	want := []string{a.Kid(), b.Kid()}
	slices.Sort(want)
	if got := kids(same.Snapshot().KeysOf(gd)); !slices.Equal(got, want) {
		t.Errorf("same instant: %v, want %v", got, want)
	}
}

func TestTrustListShape(t *testing.T) {
	root := testkit.NewRoot(t)
	k1, k2 := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA)
	reg := trust.NewRegistry(root.Anchors(), nil)

	empty, emptyTag := reg.Snapshot().TrustList()
	if string(empty) != `{"version":0,"endorsements":[],"revocations":[],"rules":[]}` {
		t.Errorf("empty list %s", empty)
	}
	e1 := root.Endorse(k1, zj, testkit.Spec{})
	e2 := root.Endorse(k2, mapping.NationalRegion, testkit.Spec{Scope: []string{trust.Wildcard}})
	rev := root.Revoke(k1.Kid())
	mustAdd(t, reg, e1)
	tag1 := etagOf(reg)
	mustAdd(t, reg, e2)
	tag2 := etagOf(reg)
	mustAdd(t, reg, rev)
	list, tag3 := reg.Snapshot().TrustList()

	var top map[string]json.RawMessage
	if err := json.Unmarshal(list, &top); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(top)); !slices.Equal(got, []string{"endorsements", "revocations", "rules", "version"}) {
		t.Fatalf("top-level members %v", got)
	}
	if string(top["version"]) != "3" {
		t.Errorf("version %s, want 3", top["version"])
	}
	var ends, revs []map[string]json.RawMessage
	if err := json.Unmarshal(top["endorsements"], &ends); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(top["revocations"], &revs); err != nil {
		t.Fatal(err)
	}
	str := func(m map[string]json.RawMessage, k string) string {
		var s string
		if err := json.Unmarshal(m[k], &s); err != nil {
			t.Errorf("member %q is not a string: %s", k, m[k])
		}
		return s
	}
	if len(ends) != 2 || len(revs) != 1 {
		t.Fatalf("%d endorsements, %d revocations", len(ends), len(revs))
	}
	for i, want := range []struct{ kid, sub, jws string }{{k1.Kid(), zj, e1}, {k2.Kid(), mapping.NationalRegion, e2}} {
		if got := slices.Sorted(maps.Keys(ends[i])); !slices.Equal(got, []string{"jws", "kid", "sub"}) {
			t.Errorf("endorsement %d members %v", i, got)
		}
		if str(ends[i], "kid") != want.kid || str(ends[i], "sub") != want.sub || str(ends[i], "jws") != want.jws {
			t.Errorf("endorsement %d is not the one added", i)
		}
	}
	if got := slices.Sorted(maps.Keys(revs[0])); !slices.Equal(got, []string{"jws", "kid", "revoked_at"}) {
		t.Errorf("revocation members %v", got)
	}
	if str(revs[0], "kid") != k1.Kid() || str(revs[0], "jws") != rev {
		t.Errorf("revocation is not the one added")
	}
	if want := []byte(strings.TrimSpace(string(testkit.JSON(t, testkit.Now.Unix())))); !bytes.Equal(revs[0]["revoked_at"], want) {
		t.Errorf("revoked_at %s, want the integer %s", revs[0]["revoked_at"], want)
	}
	// A peer can check every entry it pulls against the anchors.
	for _, e := range ends {
		if _, err := root.Anchors().ParseEndorsement(str(e, "jws")); err != nil {
			t.Errorf("listed endorsement does not check: %v", err)
		}
	}

	// ETags: one per content, changing with each entry and only then.
	tags := []string{emptyTag, tag1, tag2, tag3}
	for i := range tags {
		if !strings.HasPrefix(tags[i], `"`) || !strings.HasSuffix(tags[i], `"`) || len(tags[i]) < 3 {
			t.Errorf("ETag %s is not a quoted entity tag", tags[i])
		}
		for j := range i {
			if tags[i] == tags[j] {
				t.Errorf("ETag %d equals ETag %d: %s", i, j, tags[i])
			}
		}
	}
	mustAddNothing := func(tok string) {
		t.Helper()
		n, bad, err := reg.AddAny(t.Context(), []string{tok})
		if n != 0 || len(bad) != 0 || err != nil {
			t.Fatalf("re-add: n %d, refused %v, err %v", n, bad, err)
		}
	}
	mustAddNothing(e1)
	mustAddNothing(rev)
	if l, tag := reg.Snapshot().TrustList(); tag != tag3 || !bytes.Equal(l, list) {
		t.Errorf("re-adding known entries changed the trust list or its ETag")
	}
	if _, _, err := reg.AddEndorsement(t.Context(), "garbage"); err == nil {
		t.Fatal("garbage accepted")
	}
	if etagOf(reg) != tag3 {
		t.Errorf("a refused entry changed the ETag")
	}
	// The same entries in the same order give the same list on another
	// gateway (or after a restart): ETags are comparable across them.
	again := testkit.Registry(t, root, e1, e2, rev)
	if l, tag := again.Snapshot().TrustList(); tag != tag3 || !bytes.Equal(l, list) {
		t.Errorf("the same content gives ETag %s, want %s", tag, tag3)
	}
}

func etagOf(reg *trust.Registry) string {
	_, tag := reg.Snapshot().TrustList()
	return tag
}

func TestCommitPersistsBeforePublishing(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	tok := root.Endorse(k, zj, testkit.Spec{JTI: "e-persist"})
	rev := root.Revoke(k.Kid())

	var reg *trust.Registry
	var saved []trust.Entry
	st := &fakeStore{
		save: func(ctx context.Context, e trust.Entry) error {
			if ctx == nil {
				t.Error("no context")
			}
			s := reg.Snapshot()
			// Nothing of the entry may be visible before it is stored.
			if key := s.Key(e.Kid); e.Kind == trust.KindEndorsement && key != nil ||
				e.Kind == trust.KindRevocation && key != nil && key.Revoked != nil {
				t.Errorf("%s of %s was published before it was persisted", e.Kind, e.Kid)
			}
			saved = append(saved, e)
			return nil
		},
		load: func(context.Context) ([]trust.Entry, error) { t.Error("LoadTrust called"); return nil, nil },
	}
	reg = trust.NewRegistry(root.Anchors(), st)

	if _, added, err := reg.AddEndorsement(t.Context(), tok); err != nil || !added {
		t.Fatalf("endorsement: %v", err)
	}
	if _, added, err := reg.AddRevocation(t.Context(), rev); err != nil || !added {
		t.Fatalf("revocation: %v", err)
	}
	want := []trust.Entry{
		{Kind: trust.KindEndorsement, Kid: k.Kid(), JTI: "e-persist", Sub: zj, JWS: tok},
		{Kind: trust.KindRevocation, Kid: k.Kid(), JTI: "revoke-" + k.Kid(), JWS: rev},
	}
	if !slices.Equal(saved, want) {
		t.Errorf("saved %+v,\nwant %+v", saved, want)
	}
	if key := reg.Snapshot().Key(k.Kid()); key == nil || key.Revoked == nil {
		t.Errorf("not published after persisting")
	}
}

func TestAStoreErrorPublishesNothing(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	diskFull := errors.New("disk full")
	failing := true
	calls := 0
	st := &fakeStore{
		save: func(context.Context, trust.Entry) error {
			calls++
			if failing {
				return diskFull
			}
			return nil
		},
		load: func(context.Context) ([]trust.Entry, error) { return nil, nil },
	}
	reg := trust.NewRegistry(root.Anchors(), st)
	tok := root.Endorse(k, zj, testkit.Spec{})
	rev := root.Revoke(k.Kid())
	before := reg.Snapshot()

	if _, added, err := reg.AddEndorsement(t.Context(), tok); !errors.Is(err, diskFull) || added {
		t.Errorf("AddEndorsement: added %v, err %v; want the store's error", added, err)
	}
	if _, added, err := reg.AddRevocation(t.Context(), rev); !errors.Is(err, diskFull) || added {
		t.Errorf("AddRevocation: added %v, err %v; want the store's error", added, err)
	}
	if n, _, err := reg.AddAny(t.Context(), []string{tok, rev}); !errors.Is(err, diskFull) || n != 0 {
		t.Errorf("AddAny: n %d, err %v; want the store's error", n, err)
	}
	if n, err := loadDirOf(t, reg, tok); !errors.Is(err, diskFull) || n != 0 {
		t.Errorf("LoadDir: n %d, err %v; want the store's error", n, err)
	}
	if n, _, err := reg.Merge(t.Context(), []string{tok, rev}); !errors.Is(err, diskFull) || n != 0 {
		t.Errorf("Merge: n %d, err %v; want the store's error", n, err)
	}
	if reg.Snapshot() != before || before.Version() != 0 {
		t.Fatalf("a store failure published a snapshot")
	}
	if calls == 0 {
		t.Fatal("the store was never asked")
	}
	// Once the store is back, the same entries go through.
	failing = false
	if _, added, err := reg.AddEndorsement(t.Context(), tok); err != nil || !added {
		t.Fatalf("after recovery: added %v, err %v", added, err)
	}
}

// loadDirOf writes toks to a fresh directory and loads it.
func loadDirOf(t *testing.T, reg *trust.Registry, toks ...string) (int, error) {
	t.Helper()
	dir := t.TempDir()
	for i, tok := range toks {
		if err := os.WriteFile(filepath.Join(dir, "entry"+string(rune('a'+i))+".jws"), []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return reg.LoadDir(t.Context(), dir)
}

func TestLoadStoreRechecksEveryEntry(t *testing.T) {
	root := testkit.NewRoot(t)
	retired := testkit.NewRoot(t) // an anchor since removed from the configuration
	kept, dropped, other := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA), testkit.Key(t, jwa.ES256)

	// What an earlier run, trusting both anchors, persisted.
	st := newMemStore()
	both := trust.NewRegistry(trust.Anchors{root.Kid(): root.Public(), retired.Kid(): retired.Public()}, st)
	n, bad, err := both.AddAny(t.Context(), []string{
		root.Endorse(kept, zj, testkit.Spec{}),
		retired.Endorse(dropped, sh, testkit.Spec{}),
		root.Endorse(other, gd, testkit.Spec{}),
		root.Revoke(other.Kid()),
		retired.Revoke(kept.Kid()),
	})
	if err != nil || len(bad) != 0 || n != 5 {
		t.Fatalf("seed: n %d, refused %v, err %v", n, bad, err)
	}
	entries := st.saved()
	// A row damaged in the database.
	entries = append(entries, trust.Entry{Kind: trust.KindEndorsement, Kid: "x", JWS: "not a jws"})

	saves := 0
	reg := trust.NewRegistry(root.Anchors(), &fakeStore{
		save: func(context.Context, trust.Entry) error { saves++; return nil },
		load: func(context.Context) ([]trust.Entry, error) { return entries, nil },
	})
	loaded, skipped, err := reg.LoadStore(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if loaded != 3 || skipped != 3 {
		t.Errorf("loaded %d, skipped %d; want 3 and 3", loaded, skipped)
	}
	s := reg.Snapshot()
	if s.Key(kept.Kid()) == nil || s.Key(kept.Kid()).Revoked != nil {
		t.Errorf("the key endorsed by the configured anchor is missing, or revoked by the retired one")
	}
	if s.Key(dropped.Kid()) != nil {
		t.Errorf("a key endorsed only by a retired anchor was loaded")
	}
	if s.Key(other.Kid()) == nil || s.Key(other.Kid()).Revoked == nil {
		t.Errorf("the revocation by the configured anchor was not loaded")
	}
	if saves != 0 {
		t.Errorf("LoadStore wrote %d entries back", saves)
	}
	// Loading again adds nothing.
	if loaded, skipped, err := reg.LoadStore(t.Context()); err != nil || loaded != 0 || skipped != 3 {
		t.Errorf("second load: loaded %d, skipped %d, err %v", loaded, skipped, err)
	}
}

func TestLoadStoreFailures(t *testing.T) {
	root := testkit.NewRoot(t)
	t.Run("a registry without a store loads nothing", func(t *testing.T) {
		loaded, skipped, err := trust.NewRegistry(root.Anchors(), nil).LoadStore(t.Context())
		if loaded != 0 || skipped != 0 || err != nil {
			t.Fatalf("loaded %d, skipped %d, err %v", loaded, skipped, err)
		}
	})
	t.Run("a store error is returned and nothing is published", func(t *testing.T) {
		down := errors.New("database down")
		reg := trust.NewRegistry(root.Anchors(), &fakeStore{
			load: func(context.Context) ([]trust.Entry, error) { return nil, down },
		})
		before := reg.Snapshot()
		if _, _, err := reg.LoadStore(t.Context()); !errors.Is(err, down) {
			t.Fatalf("err %v, want the store's", err)
		}
		if reg.Snapshot() != before {
			t.Fatal("published after a store error")
		}
	})
}

func TestLoadDir(t *testing.T) {
	root := testkit.NewRoot(t)
	other := testkit.NewRoot(t)
	k1, k2 := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA)
	write := func(t *testing.T, dir string, files map[string]string) {
		t.Helper()
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	good := map[string]string{
		"zj-2026.jws":         root.Endorse(k1, zj, testkit.Spec{}) + "\n",
		"sh-2026.jwt":         root.Endorse(k2, sh, testkit.Spec{}),
		"revoke-old.jws":      root.Revoke("old-kid"),
		"README.md":           "# not an artefact",
		"zj-2026.jws.bak":     "garbage",
		"notes.txt":           "garbage",
		"UPPER.JWS":           "garbage: only lower-case extensions are artefacts",
		"anchor.jwk":          string(root.PublicJWK()),
		"other-root.jws.orig": other.Endorse(k1, zj, testkit.Spec{}),
	}

	t.Run("artefacts load and other files are ignored", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, good)
		if err := os.Mkdir(filepath.Join(dir, "nested.jws"), 0o700); err != nil {
			t.Fatal(err)
		}
		reg := trust.NewRegistry(root.Anchors(), nil)
		n, err := reg.LoadDir(t.Context(), dir)
		if err != nil || n != 3 {
			t.Fatalf("n %d, err %v; want 3", n, err)
		}
		s := reg.Snapshot()
		if s.Key(k1.Kid()) == nil || s.Key(k2.Kid()) == nil || len(s.Revocations()) != 1 {
			t.Errorf("not everything loaded: version %d", s.Version())
		}
		if n, err := reg.LoadDir(t.Context(), dir); err != nil || n != 0 {
			t.Errorf("second load: n %d, err %v", n, err)
		}
	})

	refused := map[string]struct {
		file, data string
		reason     fault.Kind
	}{
		"a file that is not a JWS":              {file: "broken.jws", data: "garbage", reason: fault.Malformed},
		"an endorsement signed by another root": {file: "foreign.jwt", data: other.Endorse(k1, gd, testkit.Spec{}), reason: fault.UnknownKey},
		"an empty file":                         {file: "empty.jws", data: "", reason: fault.Malformed},
		"a code instead of a trust artefact":    {file: "code.jws", data: signCode(t, k1), reason: fault.Malformed},
	}
	for name, tc := range refused {
		t.Run(name+" stops the load and is named", func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, good)
			write(t, dir, map[string]string{tc.file: tc.data})
			reg := trust.NewRegistry(root.Anchors(), nil)
			n, err := reg.LoadDir(t.Context(), dir)
			if err == nil {
				t.Fatalf("loaded %d", n)
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, tc.file)) {
				t.Errorf("error %q does not name %s", err, tc.file)
			}
			if got := fault.ReasonOf(err); got != tc.reason {
				t.Errorf("reason %s, want %s", got, tc.reason)
			}
			if reg.Snapshot().Version() != 0 {
				t.Errorf("a refused directory was half loaded")
			}
		})
	}
	t.Run("a missing directory names the setting", func(t *testing.T) {
		_, err := trust.NewRegistry(root.Anchors(), nil).LoadDir(t.Context(), filepath.Join(t.TempDir(), "absent"))
		if err == nil || !strings.Contains(err.Error(), "trust.endorsements_dir") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("an empty directory loads nothing", func(t *testing.T) {
		n, err := trust.NewRegistry(root.Anchors(), nil).LoadDir(t.Context(), t.TempDir())
		if err != nil || n != 0 {
			t.Fatalf("n %d, err %v", n, err)
		}
	})
}

func TestAddAnyMixesKindsAndReportsRefusals(t *testing.T) {
	root := testkit.NewRoot(t)
	other := testkit.NewRoot(t)
	k1, k2, k3 := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA), testkit.Key(t, jwa.ES256)
	reg := trust.NewRegistry(root.Anchors(), nil)

	tokens := []string{
		0: root.Endorse(k1, zj, testkit.Spec{}),
		1: root.Revoke(k2.Kid()),
		2: "garbage",
		3: other.Endorse(k3, zj, testkit.Spec{}),
		4: root.Endorse(k2, sh, testkit.Spec{}),
		5: other.Revoke(k1.Kid()),
		6: signClaims(t, root.TestKey, header(root, "JWT"), endorsementClaims(t, k3, zj)),
		7: signClaims(t, root.TestKey, header(root, trust.TypEndorsement), with(endorsementClaims(t, k3, zj), func(c map[string]any) { c["use"] = []string{} })),
		8: "  " + root.Endorse(k3, gd, testkit.Spec{}) + "\r\n",
	}
	n, bad, err := reg.AddAny(t.Context(), tokens)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("n %d, want 4", n)
	}
	want := map[int]fault.Kind{2: fault.Malformed, 3: fault.UnknownKey, 5: fault.UnknownKey, 6: fault.Malformed, 7: fault.Malformed}
	got := map[int]fault.Kind{}
	for i, err := range bad {
		got[i] = fault.ReasonOf(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("refused %v, want %v", got, want)
	}
	s := reg.Snapshot()
	if s.Version() != 4 || s.Key(k1.Kid()) == nil || s.Key(k1.Kid()).Revoked != nil || s.Key(k2.Kid()) == nil ||
		s.Key(k2.Kid()).Revoked == nil || s.Key(k3.Kid()) == nil || s.Key(k3.Kid()).Sub != gd {
		t.Errorf("snapshot version %d does not hold what was accepted", s.Version())
	}
	t.Run("an empty batch changes nothing", func(t *testing.T) {
		before := reg.Snapshot()
		n, bad, err := reg.AddAny(t.Context(), nil)
		if n != 0 || len(bad) != 0 || err != nil || reg.Snapshot() != before {
			t.Fatalf("n %d, refused %v, err %v", n, bad, err)
		}
	})
	t.Run("a batch of refusals only changes nothing", func(t *testing.T) {
		before := reg.Snapshot()
		n, bad, err := reg.AddAny(t.Context(), []string{"", "a.b.c"})
		if n != 0 || len(bad) != 2 || err != nil || reg.Snapshot() != before {
			t.Fatalf("n %d, refused %v, err %v", n, bad, err)
		}
	})
}

func TestVerifyCompact(t *testing.T) {
	root := testkit.NewRoot(t)
	good, revoked, stranger := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA), testkit.Key(t, jwa.ES256)
	reg := testkit.Registry(t, root, root.Endorse(good, zj, testkit.Spec{}), root.Endorse(revoked, zj, testkit.Spec{}),
		root.Revoke(revoked.Kid()))
	s := reg.Snapshot()
	code := signCode(t, good)
	parts := strings.Split(code, ".")

	t.Run("a code of an endorsed key verifies and returns its key and payload", func(t *testing.T) {
		k, payload, err := s.VerifyCompact(code, codeTyp)
		if err != nil || k == nil || k.Kid != good.Kid() || string(payload) != `{"iss":"330000"}` {
			t.Fatalf("key %v, payload %s, err %v", k, payload, err)
		}
	})
	tests := map[string]struct {
		token  string
		reason fault.Kind
	}{
		"an unknown kid is an unknown key": {
			token: signCode(t, stranger), reason: fault.UnknownKey},
		"a revoked key is revoked": {
			token: signCode(t, revoked), reason: fault.RevokedKey},
		"another typ is malformed": {
			token: testkit.SignRaw(t, good, header(good, "JWT"), []byte(`{}`)), reason: fault.Malformed},
		"a known kid over a stranger's signature is a bad signature": {
			token: testkit.SignRaw(t, stranger, header(good, codeTyp), []byte(`{}`)), reason: fault.BadSignature},
		"a header naming EdDSA for an ES256 key is a bad signature": {
			token: testkit.SignRaw(t, good, map[string]any{"alg": "EdDSA", "kid": good.Kid(), "typ": codeTyp}, []byte(`{}`)), reason: fault.BadSignature},
		"an altered payload is a bad signature": {
			token: parts[0] + "." + testkit.B64([]byte(`{"iss":"310000"}`)) + "." + parts[2], reason: fault.BadSignature},
		"a revoked key's forged signature is still revoked first": {
			token: testkit.SignRaw(t, stranger, header(revoked, codeTyp), []byte(`{}`)), reason: fault.RevokedKey},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := s.VerifyCompact(tc.token, codeTyp)
			wantReason(t, err, tc.reason)
		})
	}
}

// Readers take snapshots and verify while writers add endorsements and a
// revocation; run under -race. Loop counts are bounded so the test stays
// fast with the race detector.
func TestConcurrentReadersAndWriters(t *testing.T) {
	const (
		writers  = 3
		perWrite = 8
		readers  = 4
		reads    = 150
	)
	root := testkit.NewRoot(t)
	first := testkit.Key(t, jwa.EdDSA)
	doomed := testkit.Key(t, jwa.EdDSA)
	reg := testkit.Registry(t, root, root.Endorse(first, zj, testkit.Spec{}), root.Endorse(doomed, zj, testkit.Spec{}))
	firstCode, doomedCode := signCode(t, first), signCode(t, doomed)
	revocation := root.Revoke(doomed.Kid())

	// Signing needs t (testkit fails the test on error): do it up front.
	type pending struct{ endorsement, code, kid string }
	batches := make([][]pending, writers)
	for w := range batches {
		for range perWrite {
			k := testkit.Key(t, jwa.EdDSA)
			batches[w] = append(batches[w], pending{root.Endorse(k, zj, testkit.Spec{}), signCode(t, k), k.Kid()})
		}
	}

	var wg sync.WaitGroup
	for w, batch := range batches {
		wg.Go(func() {
			for i, p := range batch {
				if _, added, err := reg.AddEndorsement(context.Background(), p.endorsement); err != nil || !added {
					t.Errorf("writer %d: added %v, err %v", w, added, err)
				}
				if w == 0 && i == perWrite/2 {
					if _, _, err := reg.AddRevocation(context.Background(), revocation); err != nil {
						t.Errorf("revocation: %v", err)
					}
				}
			}
		})
	}
	all := slices.Concat(batches...)
	for r := range readers {
		wg.Go(func() {
			last := -1
			for i := range reads {
				s := reg.Snapshot()
				v := s.Version()
				if v < last {
					t.Errorf("reader %d: version went back from %d to %d", r, last, v)
					return
				}
				last = v
				if k, _, err := s.VerifyCompact(firstCode, codeTyp); err != nil || k.Authorize(trust.UseCodes, zj, zj, testkit.Now, time.Minute) != nil {
					t.Errorf("reader %d: the first key stopped verifying: %v", r, err)
					return
				}
				// The doomed key verifies until the snapshot knows the
				// revocation, and never after.
				_, _, err := s.VerifyCompact(doomedCode, codeTyp)
				if revoked := s.Key(doomed.Kid()).Revoked != nil; revoked != (fault.ReasonOf(err) == fault.RevokedKey) || !revoked && err != nil {
					t.Errorf("reader %d: revoked %v but verify says %v", r, revoked, err)
					return
				}
				// A key the snapshot holds verifies; one it does not is unknown.
				p := all[i%len(all)]
				_, _, err = s.VerifyCompact(p.code, codeTyp)
				if known := s.Key(p.kid) != nil; known && err != nil || !known && fault.ReasonOf(err) != fault.UnknownKey {
					t.Errorf("reader %d: key known %v, verify %v", r, known, err)
					return
				}
				if list, _ := s.TrustList(); !json.Valid(list) {
					t.Errorf("reader %d: invalid trust list", r)
					return
				}
				if n := len(s.KeysOf(zj)); n != s.Len() {
					t.Errorf("reader %d: %d keys of zj in a snapshot of %d keys", r, n, s.Len())
					return
				}
			}
		})
	}
	wg.Wait()

	s := reg.Snapshot()
	if s.Len() != 2+writers*perWrite || s.Version() != 2+writers*perWrite+1 {
		t.Errorf("len %d, version %d after all writers", s.Len(), s.Version())
	}
	for _, p := range all {
		if _, _, err := s.VerifyCompact(p.code, codeTyp); err != nil {
			t.Errorf("key %s: %v", p.kid, err)
		}
	}
}

// A store that somehow holds two endorsements giving one key to two regions
// (written by an older version, or by hand) still loads: the second is
// skipped and counted, everything else is trusted.
func TestLoadStoreSkipsAStoredConflict(t *testing.T) {
	root := testkit.NewRoot(t)
	k, other := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA)
	st := newMemStore()
	for _, tok := range []string{root.Endorse(k, zj, testkit.Spec{}), root.Endorse(k, sh, testkit.Spec{}), root.Endorse(other, sh, testkit.Spec{})} {
		e, err := root.Anchors().ParseEndorsement(tok)
		if err != nil {
			t.Fatal(err)
		}
		_ = st.SaveTrust(t.Context(), trust.Entry{Kind: trust.KindEndorsement, Kid: e.Key.Kid, JTI: e.JTI, Sub: e.Sub, JWS: tok})
	}
	reg := trust.NewRegistry(root.Anchors(), st)
	loaded, skipped, err := reg.LoadStore(t.Context())
	if err != nil || loaded != 2 || skipped != 1 {
		t.Fatalf("loaded %d skipped %d err %v; want 2, 1, nil", loaded, skipped, err)
	}
	if reg.Snapshot().Key(k.Kid()).Sub != zj || reg.Snapshot().Key(other.Kid()) == nil {
		t.Fatal("the first endorsement of each key must win")
	}
}

// Reusing a known endorsement id for another region is a conflict, not a
// silent no-op.
func TestReusingAJTIForAnotherRegionIsAConflict(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	reg := trust.NewRegistry(root.Anchors(), nil)
	if _, _, err := reg.AddEndorsement(t.Context(), root.Endorse(k, zj, testkit.Spec{JTI: "same"})); err != nil {
		t.Fatal(err)
	}
	if _, _, err := reg.AddEndorsement(t.Context(), root.Endorse(k, sh, testkit.Spec{JTI: "same"})); !errors.Is(err, trust.ErrConflict) {
		t.Fatalf("err %v, want ErrConflict", err)
	}
}

// TestMergeCountsWhatItSkips: a pulled trust list merges what verifies and
// is new, and counts as refused what does not verify or conflicts with what
// is known, never failing on them; a second pull of the same list adds
// nothing and stores nothing.
func TestMergeCountsWhatItSkips(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	st := newMemStore()
	reg := trust.NewRegistry(root.Anchors(), st)
	list := []string{
		root.Endorse(k, zj, testkit.Spec{JTI: "e-zj"}),
		"not.a.jws",
		root.Endorse(k, sh, testkit.Spec{JTI: "e-sh"}), // the same key for another region
		root.Revoke(k.Kid()),
	}
	for _, want := range []struct{ added, refused, stored int }{{2, 2, 2}, {0, 2, 2}} {
		added, refused, err := reg.Merge(t.Context(), list)
		if err != nil || added != want.added || refused != want.refused || len(st.entries) != want.stored {
			t.Fatalf("Merge: added %d, refused %d, %v, %d stored; want %d, %d, nil, %d",
				added, refused, err, len(st.entries), want.added, want.refused, want.stored)
		}
	}
	if key := reg.Snapshot().Key(k.Kid()); key == nil || key.Sub != zj || key.Revoked == nil {
		t.Fatalf("after the merge: %+v", key)
	}
}
