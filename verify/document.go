package verify

import (
	"context"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/mapping"
)

// FormatIDDocument is the format of a verification by identity document
// (DESIGN §12).
const FormatIDDocument = "id-document"

// DocumentResidentID is the one document type: the resident identity card.
const DocumentResidentID = "resident_id"

// Document is an identity document shown instead of a code, by a
// traveller without a phone. Number is the full number: it is turned into
// the holder key and the masked number, and never recorded, logged or
// forwarded.
type Document struct {
	Type   string
	Number string
}

// Holders asks every region for a holder's status by identity number
// (data sharing, DESIGN §7 and §12): the gateway's sharer.
type Holders interface {
	// LookupHolder asks within ctx's deadline. It returns the combined
	// answer, the masked number and the holder key (a keyed hash that
	// cannot be reversed without the federation's secret); an error only
	// for a number it cannot use.
	LookupHolder(ctx context.Context, number string) (sh federation.Shared, masked, key string, err error)
}

// evaluateDocument decides the verdict of an identity document: the most
// severe status any region holds for its holder (DESIGN §12). key is the
// holder key, for the record's code hash.
func (v *Verifier) evaluateDocument(ctx context.Context, d *Document) (vd Verdict, key string) {
	if d.Type != DocumentResidentID {
		vd = fail(fault.Fail(fault.Malformed, "unknown identity document type"))
		vd.Format = FormatIDDocument
		return vd, ""
	}
	number, err := mapping.ParseResidentID(d.Number)
	if err != nil {
		vd = fail(fault.Fail(fault.Malformed, "%s", fault.MessageOf(err)))
		vd.Format = FormatIDDocument
		return vd, ""
	}
	if v.Holders == nil {
		vd = fail(fault.Fail(fault.IssuerUnavailable, "this gateway cannot ask other regions for a holder"))
		vd.Format = FormatIDDocument
		return vd, ""
	}
	dctx, cancel := withDeadline(ctx, v.Deadline)
	sh, masked, key, err := v.Holders.LookupHolder(dctx, number)
	cancel()
	if err != nil {
		vd = fail(fault.Fail(fault.Malformed, "identity number cannot be looked up"))
		vd.Format = FormatIDDocument
		return vd, ""
	}
	holder := mapping.Holder{ID: masked}
	if len(sh.Answered) == 0 {
		p := fault.Fail(fault.StatusUnknown, "no region knows this holder")
		if len(sh.Unavailable) > 0 {
			// A region that could not be asked may know the holder.
			p = fault.Fail(fault.IssuerUnavailable, "%d region(s) could not be asked, and none of the others knows this holder", len(sh.Unavailable))
		}
		vd = fail(p)
		vd.Format, vd.Holder = FormatIDDocument, &holder
		return vd, key
	}
	decide := sh.Answered[0]
	for _, a := range sh.Answered[1:] {
		if a.Status != decide.Status {
			vd.Conflict = true
		}
		if mapping.MostSevere(decide.Status, a.Status) != decide.Status {
			decide = a
		}
	}
	at := decide.StatusAsOf
	vd.Result, vd.Status, vd.Format, vd.Issuer, vd.Source = fault.Valid, sh.Status, FormatIDDocument, decide.Region, SourceOnline
	vd.Holder, vd.StatusAsOf = &holder, &at
	if decide.Source == string(SourceCache) {
		vd.Source = SourceCache // the deciding region's answer, as cached until its exp
	}
	// A region that could not be asked may hold a more severe status.
	vd.Degraded = len(sh.Unavailable) > 0
	// The itinerary: a region's star stands, whichever region decided the
	// colour (fail closed); else the deciding region's, else any.
	var it *mapping.Itinerary
	for _, a := range sh.Answered {
		switch {
		case a.IT == nil:
		case a.IT.Star && (it == nil || !it.Star):
			it = a.IT
		case it == nil, a.Region == decide.Region && !it.Star:
			it = a.IT
		}
	}
	vd.setItinerary(it)
	return vd, key
}
