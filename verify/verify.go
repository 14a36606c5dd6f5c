package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/certlogic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Recorder writes verification records; audit.Writer implements it.
// Write must not keep recs (the slice) once it returns: it copies what it
// keeps, and the verifier reuses the slice.
type Recorder interface {
	Write(ctx context.Context, recs ...audit.Record) error
}

// expecter is a Recorder that groups commits and wants to know how many
// records are on their way (audit.Writer.Expect): it waits for records in
// flight, and only for those.
type expecter interface {
	Expect(n int)
}

// StatusSource asks a code's issuer for its live status (package
// federation). routed is false when no peer can be asked for that org at
// all, which is not a failure: the gateway runs offline. An error carries
// reason status_unknown (the issuer does not know the code) or
// issuer_unavailable.
type StatusSource interface {
	Status(ctx context.Context, org, cid string) (st mapping.LiveStatus, routed bool, err error)
}

// Router is a StatusSource that tells, without asking, whether Status would
// route org at all (federation.Client). A verification whose issuer no one
// can be asked for then skips the call's set-up (its deadline, and taking
// its record out of the group commit's expectations and back), which an
// offline checkpoint would otherwise pay on every code.
type Router interface {
	Routes(org string) bool
}

// routes reports whether v.Online may route org.
func (v *Verifier) routes(org string) bool {
	r, ok := v.Online.(Router)
	return !ok || r.Routes(org)
}

// DefaultRecordTimeout bounds how long a verification waits for its record
// to be committed before it answers 503.
const DefaultRecordTimeout = 2 * time.Second

func (v *Verifier) maxCodeBytes() int {
	if v.MaxCodeBytes <= 0 {
		return DefaultMaxCodeBytes
	}
	return v.MaxCodeBytes
}

// withDeadline is ctx bounded by d, or ctx itself when d is zero.
func withDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

func recordTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultRecordTimeout
	}
	return d
}

// Request is one code to verify, with where it was scanned.
type Request struct {
	Code       string
	Document   *Document // instead of Code: a traveller without a phone (DESIGN §12)
	Scene      string
	Checkpoint string
}

// DefaultMaxCodeBytes is the largest code accepted when MaxCodeBytes is
// not set: DESIGN §6's bound, kept here because no bound would fail open
// (formats such as bj-v1 verify a code of any size).
const DefaultMaxCodeBytes = 4096

// Verifier runs verifications. Adapters, Trust and Clock are required;
// build one with its fields and share it. Its bounds are the
// configuration's (config.Default holds their defaults): a deadline left
// at zero is none of the verifier's own.
type Verifier struct {
	Adapters *adapters.Registry
	Trust    *trust.Registry
	Clock    func() time.Time
	// Skew is the clock-skew allowance (verify.clock_skew): a code (or a
	// key's endorsement) may start up to this long in the future of Clock.
	// Expiry gets none: a lapsed code never passes late (fail closed).
	Skew time.Duration
	// MaxCodeBytes is the largest code accepted (server.max_code_bytes);
	// zero: DefaultMaxCodeBytes.
	MaxCodeBytes int
	Region       string       // this gateway's region, recorded
	Online       StatusSource // nil: offline only
	// Deadline bounds one verification's online part (verify.deadline,
	// DESIGN §7); zero: only Online's own bound on each call
	// (federation.NewClient refuses a client without one).
	Deadline time.Duration
	// RecordTimeout is how long an answer waits for its record (default
	// 2 s); negative: the Recorder bounds the wait itself (the gateway's
	// audit.Writer, with MaxWait) and Verify adds no deadline of its own.
	RecordTimeout time.Duration
	Recorder      Recorder // nil: nothing recorded (the offline CLI)
	// BatchDeadline bounds a whole VerifyBatch (verify.batch_deadline); the
	// codes it leaves no time for are unverified (batch.go). Zero: only the
	// request's context bounds it.
	BatchDeadline time.Duration
	// BatchParallelism is how many codes of a batch are verified at once
	// (verify.batch_parallelism): enough to hide issuers' round trips, few
	// enough that one batch cannot flood a peer or the cores; under 1: one
	// at a time.
	BatchParallelism int
	// Holders answers verifications by identity document; nil: they are
	// unverified (issuer_unavailable).
	Holders Holders
	// ValueSets are the value sets admission rules read as
	// external.valueSets (admission.ParseValueSets).
	ValueSets certlogic.Value
	// Observe, when set, is told every verdict that was answered, with its
	// request's scene (metrics; never the request, which may hold an
	// identity number).
	Observe func(scene string, vd Verdict)
}

// Evaluate decides a verdict for one code without recording it.
func (v *Verifier) Evaluate(ctx context.Context, code string) (Verdict, *adapters.Code) {
	vd, c := v.evaluate(ctx, code, nil)
	vd.Admission = v.admit(&vd, c, "", v.Clock())
	return vd, c
}

// evaluate is Evaluate; announced, when not nil, holds one record announced
// for this code, withdrawn while a peer is asked (a commit must not wait
// for an answer that takes the issuer's time).
func (v *Verifier) evaluate(ctx context.Context, code string, announced expecter) (Verdict, *adapters.Code) {
	if max := v.maxCodeBytes(); len(code) > max {
		return fail(fault.Fail(fault.Malformed, "code longer than %d bytes", max)), nil
	}
	a, ok := v.Adapters.Detect(code)
	if !ok {
		return fail(fault.Fail(fault.UnrecognizedFormat, "no adapter recognises this code")), nil
	}
	now := v.Clock()
	env := adapters.Env{Trust: v.Trust.Snapshot(), Skew: v.Skew, Now: now}
	c, err := a.Decode(code, env)
	if err == nil && mapping.HoldsIdentityNumber(c.ID) {
		// Every adapter refuses such a code id itself; this holds for
		// one that does not, before the id reaches an answer, a record,
		// a peer or a converted code.
		c, err = nil, fault.Fail(fault.Malformed, "code id must not hold a resident identity number")
	}
	if err != nil {
		vd := fail(err)
		vd.Format = a.Format()
		return vd, nil
	}
	vd := Verdict{Format: c.Format, Issuer: c.Org, Cert: c.Cert}
	vd.setItinerary(c.IT)
	// The verdict's holder and times, in one allocation (establish).
	p := &verdictParts{holder: c.Holder}
	vd.Holder = &p.holder
	if c.Signed {
		if now.Add(v.Skew).Before(c.IssuedAt) {
			return v.invalid(vd, fault.Fail(fault.NotYetValid, "issued at %s", c.IssuedAt.Format(time.RFC3339))), c
		}
		if now.After(c.Expires) || !c.ValidAtExpiry && now.Equal(c.Expires) {
			return v.invalid(vd, fault.Fail(fault.Expired, "expired at %s", c.Expires.Format(time.RFC3339))), c
		}
	}
	return v.establish(ctx, vd, c, announced, p), c
}

// verdictParts is what a decoded code's verdict points to: its holder,
// status time and end.
type verdictParts struct {
	holder            mapping.Holder
	statusAsOf, until time.Time
}

// setItinerary makes it the verdict's itinerary mark (nil: none).
func (vd *Verdict) setItinerary(it *mapping.Itinerary) {
	vd.it, vd.Itinerary = it, nil
	if it != nil {
		vd.Itinerary = &Itinerary{Regions: it.Regions, Star: it.Star, AsOf: time.Unix(it.Time, 0).UTC()}
	}
}

// askIssuer asks the code's issuer, its announced record withdrawn meanwhile.
func (v *Verifier) askIssuer(ctx context.Context, c *adapters.Code, announced expecter) (mapping.LiveStatus, bool, error) {
	if announced != nil {
		announced.Expect(-1)
		defer announced.Expect(1)
	}
	return v.Online.Status(ctx, c.Org, c.ID)
}

func (v *Verifier) invalid(vd Verdict, p *fault.Error) Verdict {
	f := fail(p)
	f.Format, f.Issuer, f.Holder = vd.Format, vd.Issuer, vd.Holder
	return f
}

// establish applies the status rules of DESIGN §4 to a code whose signature
// (if any) and validity are established. vd's holder, if any, is p's.
func (v *Verifier) establish(ctx context.Context, vd Verdict, c *adapters.Code, announced expecter, p *verdictParts) (out Verdict) {
	var (
		on     mapping.LiveStatus
		routed bool
		err    error
	)
	defer func() { out.IssuerTime = on.Asked }()
	// Only a region of the federation can be asked; a foreign issuer
	// (eu-dcc's "eu:DE") has no peer, and its signed status stands alone.
	if v.Online != nil && mapping.ValidRegion(c.Org) && v.routes(c.Org) {
		octx, cancel := withDeadline(ctx, v.Deadline)
		on, routed, err = v.askIssuer(octx, c, announced)
		cancel()
		// Whatever the source: a status past its issuer's end is grey.
		on = on.AsOf(v.Clock())
	}
	online := routed && err == nil && on.Status.Valid()
	source := SourceOnline
	if on.Cached {
		source = SourceCache
	}
	if !c.Signed {
		// An online-only token: its status exists only at the issuer.
		if !online {
			reason := fault.IssuerUnavailable
			msg := "status of this code is only known to region " + c.Org + ", which could not be asked"
			if routed && fault.ReasonOf(err) == fault.StatusUnknown {
				reason, msg = fault.StatusUnknown, "region "+c.Org+" does not know this code"
			}
			f := fail(fault.Fail(reason, "%s", msg))
			f.Format, f.Issuer = vd.Format, vd.Issuer
			return f
		}
		vd.Result, vd.Status, vd.Source = fault.Valid, on.Status, source
		vd.statusEnd = on.Expires
		if on.IT != nil {
			vd.setItinerary(on.IT)
		}
		p.statusAsOf = on.At
		vd.StatusAsOf = &p.statusAsOf
		if !on.Expires.IsZero() {
			p.until = on.Expires
			vd.ValidUntil = &p.until
		}
		if on.Holder.Name != "" || on.Holder.ID != "" {
			p.holder = on.Holder
			vd.Holder = &p.holder
		} else {
			vd.Holder = nil
		}
		return vd
	}
	vd.Result, vd.Status, vd.Source = fault.Valid, c.Status, SourceOffline
	p.statusAsOf, p.until = c.StatusAt, c.Expires
	vd.StatusAsOf, vd.ValidUntil = &p.statusAsOf, &p.until
	switch {
	case online:
		vd.Source = source
		if on.IT != nil && (c.IT == nil || on.IT.Time >= c.IT.Time) {
			// The issuer's own itinerary, computed since the code was.
			vd.setItinerary(on.IT)
		}
		vd.statusEnd = on.Expires
		if on.Status != c.Status {
			vd.Conflict = true
			vd.Status = mapping.MostSevere(c.Status, on.Status)
		}
		p.statusAsOf = on.At
	case routed:
		// The issuer should have been asked and could not be (or did not
		// know its own signed code): the signed status stands, degraded.
		vd.Degraded = true
	}
	return vd
}

// Verify evaluates one code and records it; the verdict carries the
// record's id. The error is non-nil only when the record could not be
// written, and then the verdict must not be shown (the HTTP layer answers
// 503).
func (v *Verifier) Verify(ctx context.Context, req Request) (Verdict, error) {
	// VerifyBatch's path for one code, without its slices.
	ctx, end := v.batchContext(ctx)
	defer end.end()
	vd, _, err := v.verifyOne(ctx, req)
	if err != nil {
		return Verdict{}, err
	}
	return vd, nil
}

// VerifyBatch evaluates codes, several at once and within one deadline
// (evaluateBatch), and records them all in one write; the verdicts are in
// the order of reqs.
func (v *Verifier) VerifyBatch(ctx context.Context, reqs []Request) ([]Verdict, error) {
	if len(reqs) == 1 {
		// One code takes the single path, its deadline the batch's still.
		var end batchEnd
		ctx, end = v.batchContext(ctx)
		defer end.end()
	}
	out, _, err := v.verifyRecorded(ctx, reqs)
	return out, err
}

// verifyRecorded evaluates and records; it also returns the decoded codes.
func (v *Verifier) verifyRecorded(ctx context.Context, reqs []Request) ([]Verdict, []*adapters.Code, error) {
	if len(reqs) == 1 {
		vd, c, err := v.verifyOne(ctx, reqs[0])
		if err != nil {
			return nil, nil, err
		}
		return []Verdict{vd}, []*adapters.Code{c}, nil
	}
	out := make([]Verdict, len(reqs))
	codes := make([]*adapters.Code, len(reqs))
	recs := make([]audit.Record, len(reqs))
	// Announce the records to a grouping recorder; Write takes the
	// announcement back, a panic on the way withdraws it.
	announced, _ := v.Recorder.(expecter)
	written := false
	if announced != nil {
		announced.Expect(len(reqs))
		defer func() {
			if !written {
				announced.Expect(-len(reqs))
			}
		}()
	}
	if len(reqs) > 0 {
		v.evaluateBatch(ctx, reqs, out, codes, recs, announced)
	}
	written = true
	if err := v.write(ctx, recs); err != nil {
		return nil, nil, err
	}
	if v.Observe != nil {
		for i, vd := range out {
			v.Observe(reqs[i].Scene, vd)
		}
	}
	return out, codes, nil
}

// verifyOne is verifyRecorded for one code, evaluated here, without a
// worker or a timer.
func (v *Verifier) verifyOne(ctx context.Context, req Request) (Verdict, *adapters.Code, error) {
	announced, _ := v.Recorder.(expecter)
	written := false
	if announced != nil {
		announced.Expect(1)
		defer func() {
			if !written {
				announced.Expect(-1)
			}
		}()
	}
	start := v.Clock()
	vd, c, key := v.evaluateRequest(ctx, req, announced)
	slot := records.Get().(*[1]audit.Record)
	vd, slot[0] = v.answer(req, vd, c, key, start)
	written = true
	err := v.write(ctx, slot[:])
	slot[0] = audit.Record{}
	records.Put(slot)
	if err != nil {
		return Verdict{}, nil, err
	}
	if v.Observe != nil {
		v.Observe(req.Scene, vd)
	}
	return vd, c, nil
}

// records hold one code's record while the Recorder takes it (Recorder:
// it copies what it keeps), a record less for the collector every time.
var records = sync.Pool{New: func() any { return new([1]audit.Record) }}

// write hands recs to the Recorder, if any. A database that hangs must not
// hang the checkpoint: past the record deadline the answer is 503 (the
// record, already queued, is still committed when the database returns).
func (v *Verifier) write(ctx context.Context, recs []audit.Record) error {
	if v.Recorder == nil {
		return nil
	}
	if v.RecordTimeout < 0 {
		return v.Recorder.Write(ctx, recs...)
	}
	rctx, cancel := context.WithTimeout(ctx, recordTimeout(v.RecordTimeout))
	defer cancel()
	return v.Recorder.Write(rctx, recs...)
}

// evaluateRequest evaluates a code, or an identity document (then key is
// its holder key).
func (v *Verifier) evaluateRequest(ctx context.Context, req Request, announced expecter) (vd Verdict, c *adapters.Code, key string) {
	if req.Document != nil {
		if announced != nil {
			// The regions' answers take their time: a commit must not wait.
			announced.Expect(-1)
			defer announced.Expect(1)
		}
		vd, key = v.evaluateDocument(ctx, req.Document)
		return vd, nil, key
	}
	vd, c = v.evaluate(ctx, req.Code, announced)
	return vd, c, ""
}

// answer completes the verdict of req begun at start: its admission, its
// record id and its record. docKey is an identity document's holder key.
func (v *Verifier) answer(req Request, vd Verdict, c *adapters.Code, docKey string, start time.Time) (Verdict, audit.Record) {
	now := v.Clock()
	vd.Admission = v.admit(&vd, c, req.Scene, now)
	vd.RecordID = audit.NewID(now)
	return vd, record(v.Region, req, vd, c, docKey, now, now.Sub(start))
}

func record(region string, req Request, vd Verdict, c *adapters.Code, docKey string, now time.Time, took time.Duration) audit.Record {
	// A decoded code is hashed in its canonical spelling (adapters.Code
	// Digest): both spellings of an ES256 signature are one code. An
	// identity document is never hashed itself (its number could be found
	// from the hash by trying them all): its holder key is, a keyed hash.
	var sum [sha256.Size]byte
	switch {
	case req.Document != nil:
		sum = sha256.Sum256([]byte(docKey))
	case c != nil && c.Digest != sum:
		sum = c.Digest
	default:
		sum = adapters.Digest(req.Code)
	}
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], sum[:])
	r := audit.Record{
		ID: vd.RecordID, CreatedAt: now, Gateway: region,
		Checkpoint: req.Checkpoint, Scene: req.Scene,
		Issuer: vd.Issuer, Format: vd.Format,
		Result: string(vd.Result), Reason: vd.Reason.String(), Status: string(vd.Status), Source: string(vd.Source),
		Degraded: vd.Degraded, Conflict: vd.Conflict,
		CodeSHA256: string(hexSum[:]), DurationMicros: took.Microseconds(),
		Admission: string(vd.Admission.Decision),
		Star:      vd.Itinerary != nil && vd.Itinerary.Star,
	}
	if vd.Holder != nil {
		r.HolderName, r.HolderID = vd.Holder.Name, vd.Holder.ID
	}
	switch {
	case c != nil:
		r.Org, r.CodeID = c.Org, c.ID
	case req.Document != nil:
		r.Org = vd.Issuer
	}
	return r
}
