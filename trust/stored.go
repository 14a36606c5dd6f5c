package trust

import (
	"context"
	"slices"
)

// ApplyStored checks entries read back from the store, saved there by
// another replica of the region, exactly as everything else that reaches
// the registry is checked (the anchor's signature, the endorsement's own
// rules and its key's strength, no revocation of an anchor, a rule against
// the keys it names), and publishes those that pass without saving them
// again. It returns how many were new and, by index into entries, why each
// refused one was: a bad row is refused and changes nothing, the others
// still apply. Rules are checked after every key of the batch.
//
// An entry the current snapshot already holds (the same endorsement jti of
// the same kid, a revocation of a revoked kid, a known rule version) is
// passed over before any signature is checked: it could add nothing, and
// a replica reads back every entry it wrote.
func (r *Registry) ApplyStored(ctx context.Context, entries []Entry) (added int, refused map[int]error, err error) {
	refused = map[int]error{}
	cur := r.Snapshot()
	var items []item
	var at []int // items[i] is entries[at[i]]
	var rules []int
	for i, en := range entries {
		if cur.holds(en) {
			continue
		}
		if en.Kind == KindRule || isRule(en.JWS) {
			rules = append(rules, i)
			continue
		}
		it, err := r.parse(en.JWS)
		if err != nil {
			refused[i] = err
			continue
		}
		items, at = append(items, it), append(at, i)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n, err := r.applyEach(items, at, refused)
	if err != nil || len(rules) == 0 {
		return n, refused, err
	}
	items, at = items[:0], at[:0]
	for _, i := range rules {
		rl, err := r.parseRule(entries[i].JWS)
		if err != nil {
			refused[i] = err
			continue
		}
		items, at = append(items, item{rule: rl}), append(at, i)
	}
	m, err := r.applyEach(items, at, refused)
	return n + m, refused, err
}

// applyEach publishes what is new in items in one snapshot when none
// conflicts with what is known; otherwise one at a time, so that each
// conflicting one is refused by its index (at) and the rest apply. r.mu is
// held.
func (r *Registry) applyEach(items []item, at []int, refused map[int]error) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	if _, conflicts, _ := fresh(r.cur.Load(), items, true); conflicts == 0 {
		todo, _, _ := fresh(r.cur.Load(), items, false)
		added, err := r.apply(todo)
		return len(added), err
	}
	n := 0
	for i, it := range items {
		todo, _, err := fresh(r.cur.Load(), []item{it}, false)
		if err != nil {
			refused[at[i]] = err
			continue
		}
		added, err := r.apply(todo)
		if err != nil {
			refused[at[i]] = err
			continue
		}
		n += len(added)
	}
	return n, nil
}

// holds reports whether the snapshot already has what en says it is. The
// row's kind, kid and jti are not trusted: a row that lies about them is
// at worst passed over, which adds nothing.
func (s *Snapshot) holds(en Entry) bool {
	switch en.Kind {
	case KindEndorsement:
		k := s.keys[en.Kid]
		return k != nil && slices.ContainsFunc(k.Endorsements, func(e *Endorsement) bool { return e.JTI == en.JTI && e.JWS == en.JWS })
	case KindRevocation:
		rv := s.revocations[en.Kid]
		return rv != nil && rv.JWS == en.JWS
	case KindRule:
		rl := s.ruleKeys[en.Kid]
		return rl != nil && rl.JWS == en.JWS
	}
	return false
}
