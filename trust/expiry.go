package trust

import (
	"sort"
	"time"
)

// Expiry is a key whose endorsements in force all end soon: unless a new
// endorsement arrives, the key stops being trusted for what it signs after
// NotAfter (the EU verifiers went dark when a signed trust list lapsed;
// this is the warning that prevents it).
type Expiry struct {
	Kid      string
	Sub      string
	NotAfter time.Time
}

// Left is the time remaining at now.
func (e Expiry) Left(now time.Time) time.Duration { return e.NotAfter.Sub(now) }

// Expiring lists the keys in force at now whose last endorsement in force
// ends within `within`, soonest first. Revoked keys and keys with no
// endorsement in force are not listed (they are not trusted now anyway).
func (s *Snapshot) Expiring(now time.Time, within time.Duration) []Expiry {
	var out []Expiry
	for _, k := range s.keys {
		if k.Revoked != nil {
			continue
		}
		var end time.Time
		for _, e := range k.Endorsements {
			if !now.Before(e.NotBefore) && now.Before(e.NotAfter) && e.NotAfter.After(end) {
				end = e.NotAfter
			}
		}
		if !end.IsZero() && end.Sub(now) <= within {
			out = append(out, Expiry{Kid: k.Kid, Sub: k.Sub, NotAfter: end})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].NotAfter.Before(out[j].NotAfter) || out[i].NotAfter.Equal(out[j].NotAfter) && out[i].Kid < out[j].Kid
	})
	return out
}
