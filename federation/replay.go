package federation

import (
	"context"
	"sync"
	"time"
)

// Replays remembers message ids for every replica of one region (the
// region's database), so that a request one replica accepted is refused by
// all (DESIGN §7's replay protection, across replicas). FirstSeen records
// key until `until` and reports whether no replica had recorded it; an
// error means uniqueness cannot be told, and the message is refused.
type Replays interface {
	FirstSeen(ctx context.Context, key string, until time.Time) (bool, error)
}

// replayCache remembers request ids until their exp, so that a captured
// request cannot be sent again. Requests live at most 60 s, so the cache
// holds at most a minute of traffic; past max entries it refuses new ones
// (fail closed) until expired ones are purged.
type replayCache struct {
	mu        sync.Mutex
	seen      map[string]time.Time
	max       int
	lastPurge time.Time
}

func newReplayCache(max int) *replayCache {
	return &replayCache{seen: map[string]time.Time{}, max: max}
}

// first records key until `until` and reports whether it was new. It also
// returns false when the cache is full of live entries.
func (r *replayCache) first(key string, until, now time.Time) (fresh, full bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if exp, ok := r.seen[key]; ok && now.Before(exp) {
		return false, false
	}
	if len(r.seen) >= r.max || now.Sub(r.lastPurge) > 10*time.Second {
		for k, exp := range r.seen {
			if !now.Before(exp) {
				delete(r.seen, k)
			}
		}
		r.lastPurge = now
		if len(r.seen) >= r.max {
			return false, true
		}
	}
	r.seen[key] = until
	return true, false
}
