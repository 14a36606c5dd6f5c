package trust

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hcgw/hcgw/fault"
)

// Key is one endorsed key as the registry knows it: every endorsement of it
// and its revocation, if any. A Key is immutable once in a Snapshot.
type Key struct {
	Kid          string
	Sub          string
	Public       *PublicKey
	Endorsements []*Endorsement
	Revoked      *Revocation
}

// Authorize decides whether the key may have signed something of use u,
// issued by iss at iat, about org's data (DESIGN §5): not revoked, iss equals
// the key's region, and one endorsement grants u, covers org and has iat
// inside its window (skew tolerated before nbf only).
func (k *Key) Authorize(u Use, iss, org string, iat time.Time, skew time.Duration) error {
	if k.Revoked != nil {
		return fault.Fail(fault.RevokedKey, "key %s was revoked", k.Kid)
	}
	if iss != k.Sub {
		return fault.Fail(fault.ScopeViolation, "key %s belongs to region %s, not to %s", k.Kid, k.Sub, clip(iss))
	}
	// Report the most specific failure: a key that has the use but not the
	// window says key_not_valid; one that lacks the use or the scope says
	// scope_violation. The error is worded only once it is the answer: a
	// verification that passes builds none.
	var outside *Endorsement // an endorsement with the use, not in force at iat
	offScope := false        // one with the use and the window, not the region
	for _, e := range k.Endorsements {
		if !e.Has(u) {
			continue
		}
		if iat.Before(e.NotBefore.Add(-skew)) || !iat.Before(e.NotAfter) {
			outside = e
			continue
		}
		if !e.Covers(org) {
			offScope = true
			continue
		}
		return nil
	}
	switch {
	case outside != nil:
		return fault.Fail(fault.KeyNotValid, "key %s: issued at %s outside its endorsement window %s..%s",
			k.Kid, iat.UTC().Format(time.RFC3339), outside.NotBefore.Format(time.RFC3339), outside.NotAfter.Format(time.RFC3339))
	case offScope:
		return fault.Fail(fault.ScopeViolation, "key %s may not sign for region %s", k.Kid, clip(org))
	}
	return fault.Fail(fault.ScopeViolation, "key %s is not endorsed for %s", k.Kid, u)
}

// InForce reports whether some endorsement grants u and covers org at t.
func (k *Key) InForce(u Use, org string, t time.Time) bool {
	if k.Revoked != nil {
		return false
	}
	for _, e := range k.Endorsements {
		if e.Has(u) && e.Covers(org) && !t.Before(e.NotBefore) && t.Before(e.NotAfter) {
			return true
		}
	}
	return false
}

// Snapshot is an immutable view of the registry. Readers take one with
// Registry.Snapshot and use it without locks.
type Snapshot struct {
	keys         map[string]*Key
	bySub        map[string][]*Key
	endorsements []*Endorsement
	revocations  map[string]*Revocation
	revOrder     []*Revocation
	dscs         map[string]*DSC // document signers by kid (x509.go)
	rules        []*Rule         // admission rules, in the order they became known (rules.go)
	ruleIdx      map[string][]ruleGroup
	ruleKeys     map[string]*Rule // by Rule.key

	listOnce sync.Once
	list     []byte
	etag     string

	ruleListOnce sync.Once
	ruleList     []byte
	ruleETag     string
}

var emptySnapshot = &Snapshot{keys: map[string]*Key{}, bySub: map[string][]*Key{}, revocations: map[string]*Revocation{}}

// Key returns the key with that kid, or nil.
func (s *Snapshot) Key(kid string) *Key { return s.keys[kid] }

// KeysOf returns the keys endorsed for a region (its sub), in endorsement
// order.
func (s *Snapshot) KeysOf(region string) []*Key { return s.bySub[region] }

// Regions lists the regions that have at least one endorsed key, sorted.
func (s *Snapshot) Regions() []string {
	out := make([]string, 0, len(s.bySub))
	for r := range s.bySub {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Version counts the entries the snapshot holds; it only grows.
func (s *Snapshot) Version() int { return len(s.endorsements) + len(s.revOrder) + len(s.rules) }

// Len is the number of distinct keys.
func (s *Snapshot) Len() int { return len(s.keys) }

// Endorsements returns every endorsement in the order they became known.
func (s *Snapshot) Endorsements() []*Endorsement { return s.endorsements }

// Revocations returns every revocation in the order they became known.
func (s *Snapshot) Revocations() []*Revocation { return s.revOrder }

// ListEndorsement and ListRevocation are the entries of GET /v1/trust/list.
type ListEndorsement struct {
	Kid string `json:"kid"`
	Sub string `json:"sub"`
	JWS string `json:"jws"`
}

// ListRevocation is a revocation entry of the trust list.
type ListRevocation struct {
	Kid       string `json:"kid"`
	RevokedAt int64  `json:"revoked_at"`
	JWS       string `json:"jws"`
}

// List is the body of GET /v1/trust/list (DESIGN §5).
type List struct {
	Version      int               `json:"version"`
	Endorsements []ListEndorsement `json:"endorsements"`
	Revocations  []ListRevocation  `json:"revocations"`
	Rules        []ListRule        `json:"rules"`
}

// TrustList returns the JSON trust list and its ETag, computed once per
// snapshot.
func (s *Snapshot) TrustList() ([]byte, string) {
	s.listOnce.Do(func() {
		l := List{Version: s.Version(), Endorsements: make([]ListEndorsement, 0, len(s.endorsements)),
			Revocations: make([]ListRevocation, 0, len(s.revOrder)), Rules: make([]ListRule, 0, len(s.rules))}
		for _, e := range s.endorsements {
			l.Endorsements = append(l.Endorsements, ListEndorsement{Kid: e.Key.Kid, Sub: e.Sub, JWS: e.JWS})
		}
		for _, r := range s.revOrder {
			l.Revocations = append(l.Revocations, ListRevocation{Kid: r.Kid, RevokedAt: r.RevokedAt.Unix(), JWS: r.JWS})
		}
		for _, r := range s.rules {
			l.Rules = append(l.Rules, listRule(r))
		}
		s.list, s.etag = marshalWithETag(l, l.Version)
	})
	return s.list, s.etag
}

// marshalWithETag writes v as JSON and its ETag: the version and a hash of
// the bytes.
func marshalWithETag(v any, version int) ([]byte, string) {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return b, fmt.Sprintf(`"%d-%s"`, version, hex.EncodeToString(sum[:8]))
}

// Entry is what the registry persists: the signed artefact itself, so that
// every load re-checks it against the anchors.
type Entry struct {
	Kind string // KindEndorsement, KindRevocation or KindRule
	Kid  string
	JTI  string
	Sub  string
	JWS  string
}

// Kinds of Entry.
const (
	KindEndorsement = "endorsement"
	KindRevocation  = "revocation"
	KindRule        = "rule" // Kid is the rule's Country:Identifier:Version, Sub its Country
)

// Store persists trust entries. It is implemented by package store.
type Store interface {
	SaveTrust(ctx context.Context, e Entry) error
	LoadTrust(ctx context.Context) ([]Entry, error)
}

// Registry holds the current snapshot and applies changes copy-on-write.
type Registry struct {
	anchors Anchors
	store   Store
	skew    time.Duration
	mu      sync.Mutex // serialises writers only
	cur     atomic.Pointer[Snapshot]
}

// Option configures a Registry.
type Option func(*Registry)

// WithSkew sets the clock skew tolerated before an endorsement's nbf when a
// rule's iat is checked against it (default DefaultSkew).
func WithSkew(d time.Duration) Option { return func(r *Registry) { r.skew = d } }

// DefaultSkew is the skew WithSkew defaults to.
const DefaultSkew = 60 * time.Second

// NewRegistry makes an empty registry anchored in anchors; st may be nil
// (nothing persisted, e.g. the offline CLI).
func NewRegistry(anchors Anchors, st Store, opts ...Option) *Registry {
	r := &Registry{anchors: anchors, store: st, skew: DefaultSkew}
	for _, o := range opts {
		o(r)
	}
	r.cur.Store(emptySnapshot)
	return r
}

// Anchors returns the national root keys.
func (r *Registry) Anchors() Anchors { return r.anchors }

// Snapshot returns the current immutable snapshot.
func (r *Registry) Snapshot() *Snapshot { return r.cur.Load() }

// ErrConflict is returned when an endorsement would give an already known
// key to another region.
var ErrConflict = fault.New(fault.Conflict, "conflicting endorsement")

// item is one parsed artefact waiting to be applied.
type item struct {
	e    *Endorsement
	r    *Revocation
	rule *Rule
}

func (it item) entry() Entry {
	switch {
	case it.e != nil:
		return Entry{Kind: KindEndorsement, Kid: it.e.Key.Kid, JTI: it.e.JTI, Sub: it.e.Sub, JWS: it.e.JWS}
	case it.rule != nil:
		return Entry{Kind: KindRule, Kid: it.rule.key(), JTI: it.rule.JTI, Sub: it.rule.Country, JWS: it.rule.JWS}
	}
	return Entry{Kind: KindRevocation, Kid: it.r.Kid, JTI: it.r.JTI, JWS: it.r.JWS}
}

// apply builds one new snapshot from the current one plus items, skipping
// those already known, and swaps it in. It returns the items that were new.
// Callers hold r.mu.
func (r *Registry) apply(items []item) ([]item, error) {
	old := r.cur.Load()
	next := &Snapshot{
		keys:         make(map[string]*Key, len(old.keys)+len(items)),
		bySub:        make(map[string][]*Key, len(old.bySub)),
		endorsements: slices.Clip(old.endorsements),
		revocations:  make(map[string]*Revocation, len(old.revocations)),
		revOrder:     slices.Clip(old.revOrder),
		dscs:         old.dscs,
		rules:        slices.Clip(old.rules),
		ruleIdx:      old.ruleIdx,
		ruleKeys:     old.ruleKeys,
	}
	rulesAdded := false
	for k, v := range old.keys {
		next.keys[k] = v
	}
	for k, v := range old.revocations {
		next.revocations[k] = v
	}
	var added []item
	for _, it := range items {
		switch {
		case it.e != nil:
			e := it.e
			k := next.keys[e.Key.Kid]
			if k != nil {
				if k.Sub != e.Sub {
					return nil, fault.Detail(ErrConflict, "key %s is endorsed for region %s, not %s", k.Kid, k.Sub, e.Sub)
				}
				if slices.ContainsFunc(k.Endorsements, func(x *Endorsement) bool { return x.JTI == e.JTI }) {
					continue
				}
				nk := *k
				nk.Endorsements = append(slices.Clip(k.Endorsements), e)
				k = &nk
			} else {
				k = &Key{Kid: e.Key.Kid, Sub: e.Sub, Public: e.Key, Endorsements: []*Endorsement{e}, Revoked: next.revocations[e.Key.Kid]}
			}
			next.keys[k.Kid] = k
			next.endorsements = append(next.endorsements, e)
			added = append(added, it)
		case it.rule != nil:
			if next.ruleKeys[it.rule.key()] != nil {
				continue
			}
			if !rulesAdded {
				next.ruleKeys = make(map[string]*Rule, len(old.ruleKeys)+1)
				for k, v := range old.ruleKeys {
					next.ruleKeys[k] = v
				}
				rulesAdded = true
			}
			next.ruleKeys[it.rule.key()] = it.rule
			next.rules = append(next.rules, it.rule)
			added = append(added, it)
		case it.r != nil:
			if next.revocations[it.r.Kid] != nil {
				continue
			}
			next.revocations[it.r.Kid] = it.r
			next.revOrder = append(next.revOrder, it.r)
			if k := next.keys[it.r.Kid]; k != nil {
				nk := *k
				nk.Revoked = it.r
				next.keys[k.Kid] = &nk
			}
			added = append(added, it)
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	if rulesAdded {
		next.ruleIdx = indexRules(next.rules)
	}
	for _, k := range next.keys {
		next.bySub[k.Sub] = append(next.bySub[k.Sub], k)
	}
	for _, ks := range next.bySub {
		sort.Slice(ks, func(i, j int) bool {
			return ks[i].Endorsements[0].IssuedAt.Before(ks[j].Endorsements[0].IssuedAt) ||
				ks[i].Endorsements[0].IssuedAt.Equal(ks[j].Endorsements[0].IssuedAt) && ks[i].Kid < ks[j].Kid
		})
	}
	r.cur.Store(next)
	return added, nil
}

// parse checks one artefact of either kind, telling them apart by typ.
func (r *Registry) parse(token string) (item, error) {
	h, _, err := SplitCompact(strings.TrimSpace(token))
	if err != nil {
		return item{}, err
	}
	switch strings.ToLower(h.Typ) {
	case TypEndorsement:
		e, err := r.anchors.ParseEndorsement(token)
		return item{e: e}, err
	case TypRevocation:
		rv, err := r.anchors.ParseRevocation(token)
		return item{r: rv}, err
	}
	return item{}, fault.Fail(fault.Malformed, "typ %q is neither %s nor %s", clip(h.Typ), TypEndorsement, TypRevocation)
}

// isRule tells a rule JWS by its header's typ, before anything is checked:
// rules are checked against the keys, so after every key of a batch.
func isRule(token string) bool {
	token = strings.TrimSpace(token)
	i := strings.IndexByte(token, '.')
	if i <= 0 {
		return false
	}
	h, err := decodeHeader(token[:i])
	return err == nil && strings.EqualFold(h.Typ, TypRule)
}

// parseRule checks a rule against the current snapshot; r.mu is held.
func (r *Registry) parseRule(token string) (*Rule, error) {
	return parseRule(r.anchors, r.cur.Load(), token, r.skew)
}

// AddRule checks a rule JWS (DESIGN §11), persists it and publishes it.
// added is false when that version of that rule was already known with
// the same content; another content under a known version is ErrConflict.
// Refusals wrap ErrBadRule or ErrRuleForbidden.
func (r *Registry) AddRule(ctx context.Context, token string) (rl *Rule, added bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rl, err = r.parseRule(token)
	if err != nil {
		return nil, false, err
	}
	todo, _, err := fresh(r.cur.Load(), []item{{rule: rl}}, false)
	if err != nil || len(todo) == 0 {
		if known := r.cur.Load().ruleKeys[rl.key()]; err == nil && known != nil {
			rl = known
		}
		return rl, false, err
	}
	n, err := r.publish(ctx, todo)
	return rl, n > 0, err
}

// mergeRules checks rule tokens against the current snapshot and publishes
// those that pass; refused ones are counted. r.mu is held.
func (r *Registry) mergeRules(ctx context.Context, tokens []string) (added, refused int, err error) {
	var items []item
	for _, t := range tokens {
		rl, err := r.parseRule(t)
		if err != nil {
			refused++
			continue
		}
		items = append(items, item{rule: rl})
	}
	todo, conflicts, _ := fresh(r.cur.Load(), items, true)
	refused += conflicts
	if len(todo) == 0 {
		return 0, refused, nil
	}
	added, err = r.publish(ctx, todo)
	return added, refused, err
}

// AddEndorsement checks an endorsement JWS, persists it and publishes it in
// a new snapshot. added is false when it was already known.
func (r *Registry) AddEndorsement(ctx context.Context, token string) (e *Endorsement, added bool, err error) {
	e, err = r.anchors.ParseEndorsement(token)
	if err != nil {
		return nil, false, err
	}
	n, err := r.commit(ctx, []item{{e: e}})
	return e, n > 0, err
}

// AddRevocation checks a revocation JWS, persists it and publishes it. From
// the moment it is known the key verifies nothing.
func (r *Registry) AddRevocation(ctx context.Context, token string) (rv *Revocation, added bool, err error) {
	rv, err = r.anchors.ParseRevocation(token)
	if err != nil {
		return nil, false, err
	}
	n, err := r.commit(ctx, []item{{r: rv}})
	return rv, n > 0, err
}

// AddAny checks artefacts of either kind (telling them apart by typ) and
// applies all that pass in one snapshot swap. It returns how many were new
// and the errors of those refused, by index.
func (r *Registry) AddAny(ctx context.Context, tokens []string) (int, map[int]error, error) {
	var items []item
	var rules []int
	bad := map[int]error{}
	for i, t := range tokens {
		if isRule(t) {
			rules = append(rules, i)
			continue
		}
		it, err := r.parse(t)
		if err != nil {
			bad[i] = err
			continue
		}
		items = append(items, it)
	}
	n, err := r.commit(ctx, items)
	if err != nil || len(rules) == 0 {
		return n, bad, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var ritems []item
	for _, i := range rules {
		rl, err := r.parseRule(tokens[i])
		if err != nil {
			bad[i] = err
			continue
		}
		ritems = append(ritems, item{rule: rl})
	}
	todo, _, err := fresh(r.cur.Load(), ritems, false)
	if err != nil || len(todo) == 0 {
		return n, bad, err
	}
	m, err := r.publish(ctx, todo)
	return n + m, bad, err
}

// fresh keeps the items that are new to cur and to each other: an
// endorsement whose (kid, jti) is known, or a revocation of an already
// revoked kid, is dropped; an endorsement giving a kid to a second region
// is a conflict. With skipConflicts the conflicting items are dropped and
// counted (loading what is stored); without, the first one is an error and
// nothing is kept (an admin's request).
func fresh(cur *Snapshot, items []item, skipConflicts bool) ([]item, int, error) {
	subOf := map[string]string{}
	seenJTI := map[[2]string]bool{}
	revoked := map[string]bool{}
	rules := map[string]*Rule{}
	var out []item
	conflicts := 0
	for _, it := range items {
		if it.rule != nil {
			k := it.rule.key()
			have := rules[k]
			if have == nil {
				have = cur.ruleKeys[k]
			}
			switch {
			case have == nil:
				rules[k] = it.rule
				out = append(out, it)
			case !bytes.Equal(have.raw, it.rule.raw):
				if skipConflicts {
					conflicts++
					continue
				}
				return nil, 0, fault.Detail(ErrConflict, "rule %s version %s of %s is known with other content", it.rule.Identifier, it.rule.Version, it.rule.Country)
			}
			continue
		}
		if it.r != nil {
			if cur.revocations[it.r.Kid] != nil || revoked[it.r.Kid] {
				continue
			}
			revoked[it.r.Kid] = true
			out = append(out, it)
			continue
		}
		e := it.e
		kid := e.Key.Kid
		sub, known := subOf[kid]
		if k := cur.keys[kid]; k != nil && !known {
			sub, known = k.Sub, true
		}
		if known && sub != e.Sub {
			if skipConflicts {
				conflicts++
				continue
			}
			return nil, 0, fault.Detail(ErrConflict, "key %s is endorsed for region %s, not %s", kid, sub, e.Sub)
		}
		subOf[kid] = e.Sub
		id := [2]string{kid, e.JTI}
		if seenJTI[id] {
			continue
		}
		if k := cur.keys[kid]; k != nil && slices.ContainsFunc(k.Endorsements, func(x *Endorsement) bool { return x.JTI == e.JTI }) {
			continue
		}
		seenJTI[id] = true
		out = append(out, it)
	}
	return out, conflicts, nil
}

// Merge adds every artefact of tokens that verifies (a pulled trust list):
// those refused by their checks or conflicting with what is known are
// skipped and counted, never fatal.
func (r *Registry) Merge(ctx context.Context, tokens []string) (added, refused int, err error) {
	var items []item
	var rules []string
	for _, t := range tokens {
		if isRule(t) {
			rules = append(rules, t)
			continue
		}
		it, err := r.parse(t)
		if err != nil {
			refused++
			continue
		}
		items = append(items, it)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	todo, conflicts, _ := fresh(r.cur.Load(), items, true)
	refused += conflicts
	if len(todo) > 0 {
		if added, err = r.publish(ctx, todo); err != nil {
			return added, refused, err
		}
	}
	// Rules after keys: a rule may be signed by a key of the same list.
	n, m, err := r.mergeRules(ctx, rules)
	return added + n, refused + m, err
}

// commit publishes what is new in items; a conflict anywhere in items
// stores nothing.
func (r *Registry) commit(ctx context.Context, items []item) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	todo, _, err := fresh(r.cur.Load(), items, false)
	if err != nil || len(todo) == 0 {
		return 0, err
	}
	return r.publish(ctx, todo)
}

// publish persists todo (fresh's output), then publishes it in a new
// snapshot; r.mu is held. A store failure publishes nothing, so memory never
// runs ahead of what a restart would load.
func (r *Registry) publish(ctx context.Context, todo []item) (int, error) {
	if r.store != nil {
		for _, it := range todo {
			if err := r.store.SaveTrust(ctx, it.entry()); err != nil {
				return 0, fmt.Errorf("persist trust entry: %w", err)
			}
		}
	}
	added, err := r.apply(todo)
	return len(added), err
}

// LoadStore reads every persisted entry, re-checks each against the anchors
// and publishes those that pass in one snapshot. Entries that no longer pass
// (an anchor was removed from the configuration) are skipped and counted.
func (r *Registry) LoadStore(ctx context.Context) (loaded, skipped int, err error) {
	if r.store == nil {
		return 0, 0, nil
	}
	entries, err := r.store.LoadTrust(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("load trust entries: %w", err)
	}
	var items []item
	var rules []string
	for _, en := range entries {
		if en.Kind == KindRule || isRule(en.JWS) {
			rules = append(rules, en.JWS)
			continue
		}
		it, err := r.parse(en.JWS)
		if err != nil {
			skipped++
			continue
		}
		items = append(items, it)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	todo, conflicts, _ := fresh(r.cur.Load(), items, true)
	added, err := r.apply(todo)
	if err != nil {
		return len(added), skipped + conflicts, err
	}
	// Rules are re-checked against the keys just loaded; nothing is
	// persisted again.
	var ritems []item
	for _, t := range rules {
		rl, err := r.parseRule(t)
		if err != nil {
			skipped++
			continue
		}
		ritems = append(ritems, item{rule: rl})
	}
	rtodo, rconflicts, _ := fresh(r.cur.Load(), ritems, true)
	radded, err := r.apply(rtodo)
	return len(added) + len(radded), skipped + conflicts + rconflicts, err
}

// LoadDir reads every *.jws / *.jwt file of dir (one artefact a file),
// checks it and adds it. Any refused file stops the load with an error
// naming it: a gateway never starts half-trusted by accident.
func (r *Registry) LoadDir(ctx context.Context, dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("trust.endorsements_dir: %w", err)
	}
	var items []item
	var rules []string
	var ruleFiles []string
	for _, de := range ents {
		name := de.Name()
		if de.IsDir() || !(strings.HasSuffix(name, ".jws") || strings.HasSuffix(name, ".jwt")) {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return 0, fmt.Errorf("trust.endorsements_dir: %w", err)
		}
		if isRule(string(data)) {
			rules, ruleFiles = append(rules, string(data)), append(ruleFiles, path)
			continue
		}
		it, err := r.parse(string(data))
		if err != nil {
			return 0, fmt.Errorf("trust.endorsements_dir: %s: %w", path, err)
		}
		items = append(items, it)
	}
	n, err := r.commit(ctx, items)
	if err != nil || len(rules) == 0 {
		return n, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var ritems []item
	for i, t := range rules {
		rl, err := r.parseRule(t)
		if err != nil {
			return n, fmt.Errorf("trust.endorsements_dir: %s: %w", ruleFiles[i], err)
		}
		ritems = append(ritems, item{rule: rl})
	}
	todo, _, err := fresh(r.cur.Load(), ritems, false)
	if err != nil || len(todo) == 0 {
		return n, err
	}
	m, err := r.publish(ctx, todo)
	return n + m, err
}
