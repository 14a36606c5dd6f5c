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
	Cached  bool // served from this gateway's cache, not asked now
}
