package mapping

import "time"

// LiveStatus is a code's status as its issuer answered it online (DESIGN
// §7): the colour, when it was computed, how long the answer may be cached,
// and the masked holder the issuer knows.
type LiveStatus struct {
	Status  Status
	At      time.Time
	Expires time.Time
	Holder  Holder
	IT      *Itinerary // the itinerary mark the issuer knows (DESIGN §12); nil: none
	Cached  bool       // served from this gateway's cache, not asked now
	// Asked is how long the issuer took to answer this call: the round
	// trip of the attempt that answered, to its gateway or to the hub that
	// relays to it (the network and their work, not this gateway's signing
	// or checking of the messages, nor failed attempts and the backoff), or
	// its platform's lookup; zero when the answer came from the cache.
	// Verifications that share one call share its time.
	Asked time.Duration
}

// Lapsed reports whether the status has ended by now: past Expires, the
// issuer no longer vouches for it (a zero Expires never lapses).
func (s LiveStatus) Lapsed(now time.Time) bool {
	return !s.Expires.IsZero() && !now.Before(s.Expires)
}

// AsOf is the status as it stands at now: grey once it has lapsed
// (DESIGN §3: grey is unknown or lapsed), whatever colour it had.
func (s LiveStatus) AsOf(now time.Time) LiveStatus {
	if s.Lapsed(now) {
		s.Status = Grey
	}
	return s
}
