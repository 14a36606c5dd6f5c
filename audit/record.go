package audit

import (
	"encoding/binary"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Record is one verification, as stored. Strings are plain so that the package
// stays free of other hcgw packages; the values are those of the verdict
// vocabulary (fault.Result, fault.Kind, mapping.Status …).
type Record struct {
	ID         string    // NewID(CreatedAt)
	CreatedAt  time.Time // when the verification was made
	Gateway    string    // region of this gateway
	Checkpoint string
	Scene      string
	Issuer     string
	Org        string
	Format     string
	CodeID     string
	Result     string
	Reason     string
	Status     string
	Source     string
	Degraded   bool
	Conflict   bool
	HolderName string // masked form only
	HolderID   string // masked form only
	CodeSHA256 string // hex
	// DurationMicros is how long the verification took.
	DurationMicros int64
	Admission      string // the admission decision: admit, deny or check
	Star           bool   // the code's itinerary mark had its star (DESIGN §12)
}

// lastV7 is the last (unix milliseconds << 12 | sub-millisecond sequence) used
// by NewID, so that ids made later in this process always sort later, even
// inside one millisecond.
var lastV7 atomic.Int64

// NewID returns a UUIDv7 (RFC 9562) for an event at t, as its canonical
// lower-case string. The first 48 bits are t's unix milliseconds and the next
// 12 bits a sub-millisecond fraction, so ids sort by time as strings and as
// bytes; the last 62 bits are random. Within one process ids are strictly
// increasing: an id asked for at or before the previous one's instant is given
// the previous one's instant plus one step (as uuid.NewV7 does).
//
// Ids are made by the gateway rather than by an AUTO_INCREMENT column so that
// many replicas insert without a shared counter and a verdict can name its
// record before the commit; time order keeps B-tree inserts near the tail in
// MySQL and lets ids be range-scanned by time. On TiDB a time-ordered key
// still lands in the newest region: docs/storage.md says how that table is
// declared there.
func NewID(t time.Time) string {
	nano := t.UnixNano()
	milli := nano / int64(time.Millisecond)
	// 1e6 ns per ms >> 8 gives 0..3906, inside 12 bits.
	v := milli<<12 | (nano-milli*int64(time.Millisecond))>>8
	for {
		last := lastV7.Load()
		if v <= last {
			v = last + 1
		}
		if lastV7.CompareAndSwap(last, v) {
			break
		}
	}
	var u uuid.UUID
	ms := v >> 12
	u[0] = byte(ms >> 40)
	u[1] = byte(ms >> 32)
	u[2] = byte(ms >> 24)
	u[3] = byte(ms >> 16)
	u[4] = byte(ms >> 8)
	u[5] = byte(ms)
	u[6] = 0x70 | byte(v>>8)&0x0f
	u[7] = byte(v)
	// The runtime's ChaCha8 generator, seeded from the OS: unpredictable
	// enough for an id that is not a secret, and no syscall per record.
	binary.BigEndian.PutUint64(u[8:], rand.Uint64())
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return u.String()
}
