package verify

import (
	"time"

	"github.com/hcgw/hcgw/admission"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// Verdict is the answer of POST /v1/verify (DESIGN §4).
//
// Status is "grey" whenever Result is not valid: a client that reads only
// the colour can never see green on a code that did not verify.
type Verdict struct {
	Result     fault.Result    `json:"result"`
	Reason     fault.Kind      `json:"reason"`
	Detail     string          `json:"detail,omitempty"`
	Status     mapping.Status  `json:"status"`
	Issuer     string          `json:"issuer,omitempty"`
	Format     string          `json:"format,omitempty"`
	Holder     *mapping.Holder `json:"holder,omitempty"`
	StatusAsOf *time.Time      `json:"status_as_of,omitempty"`
	ValidUntil *time.Time      `json:"valid_until,omitempty"`
	Source     Source          `json:"source,omitempty"`
	Degraded   bool            `json:"degraded"`
	Conflict   bool            `json:"conflict"`
	// Admission is what the checkpoint does (DESIGN §11); every answered
	// verification has one, a verdict built by hand may not.
	Admission admission.Outcome `json:"admission,omitzero"`
	Itinerary *Itinerary        `json:"itinerary,omitempty"`
	RecordID  string            `json:"record_id,omitempty"`
	Cert      *mapping.Cert     `json:"cert,omitempty"` // a foreign health certificate's facts (eu-dcc)
	// IssuerTime is how long the issuer took to answer when it was asked
	// for this verification (mapping.LiveStatus.Asked: the answering
	// attempt's round trip, or its platform's lookup), zero when it was not asked,
	// did not answer, or the answer came from the cache. It is not part of
	// the answer's body: the HTTP layer sends it as a Server-Timing header,
	// so that a checkpoint (and hcgw bench) can tell the issuer's share of
	// an answer from the gateway's.
	IssuerTime time.Duration `json:"-"`
	// statusEnd is when the live status the verdict carries ends (its
	// issuer's expires / exp), zero when none was asked: Convert never
	// signs a code that outlives it.
	statusEnd time.Time
	// it is the itinerary mark the verdict shows (the code's or, newer,
	// the issuer's), as a conversion signs it.
	it *mapping.Itinerary
}

// Itinerary is the verdict's view of a code's itinerary mark (DESIGN §12).
type Itinerary struct {
	Regions []string  `json:"regions"`
	Star    bool      `json:"star"`
	AsOf    time.Time `json:"as_of"`
}

// Source says where the status came from.
type Source string

// The sources of DESIGN §4.
const (
	SourceOnline  Source = "online"
	SourceOffline Source = "offline"
	SourceCache   Source = "cache"
)

// fail builds the verdict of a code that did not verify.
func fail(err error) Verdict {
	r := fault.ReasonOf(err)
	v := Verdict{Result: r.Result(), Reason: r, Status: mapping.Grey}
	if p, ok := err.(*fault.Error); ok {
		v.Detail = p.Message
	} else if err != nil {
		v.Detail = "code could not be read"
	}
	return v
}
