package gateway

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/store"
)

// Corrections is the gateway's side of DESIGN §13: it files tickets for
// travellers and delivers them to their org (keeping them pending in the
// database while the org cannot be reached), and, as the org, keeps what
// arrives and resolves it onto the platform. It implements
// httpapi.Corrections and federation.CorrectionInbox.
type Corrections struct {
	g      *Gateway
	secret []byte // the data-sharing holder key secret; nil: no id_document filings

	// Interval is how often Run delivers pending tickets and asks about
	// open ones; Retry is a pending ticket's first wait, doubling up to
	// RetryMax; PollEvery is how long an open ticket waits between
	// questions to its org. Set before Serve.
	Interval, Retry, RetryMax, PollEvery time.Duration
	// Batch bounds the tickets one Step handles of each kind.
	Batch int
}

var (
	_ httpapi.Corrections        = (*Corrections)(nil)
	_ federation.CorrectionInbox = (*Corrections)(nil)
)

// Defaults of the delivery loop.
const (
	DefaultCorrectionInterval = 10 * time.Second
	defaultCorrectionRetryMax = 10 * time.Minute
	defaultCorrectionPoll     = time.Minute
	defaultCorrectionBatch    = 100
)

func newCorrections(g *Gateway, secret []byte, interval, retry time.Duration) *Corrections {
	if interval <= 0 {
		interval = DefaultCorrectionInterval
	}
	if retry <= 0 {
		retry = interval
	}
	return &Corrections{g: g, secret: secret, Interval: interval, Retry: retry, RetryMax: defaultCorrectionRetryMax,
		PollEvery: defaultCorrectionPoll, Batch: defaultCorrectionBatch}
}

func (c *Corrections) now() time.Time { return c.g.clock() }

// File implements httpapi.Corrections.
func (c *Corrections) File(ctx context.Context, f httpapi.CorrectionFiling) (httpapi.CorrectionTicket, error) {
	org, cid, err := c.findOrg(ctx, f)
	if err != nil {
		return httpapi.CorrectionTicket{}, err
	}
	now := c.now()
	t := store.Correction{Ticket: audit.NewID(now), Side: store.CorrectionFiled, Peer: org, CID: cid, Claim: f.Claim,
		Detail: f.Detail, Checkpoint: f.Checkpoint, Actor: f.Actor, State: store.CorrectionPending, FiledAt: now,
		// Not due before this first delivery has had its time: the
		// replica holding the delivery loop's lease would send it too.
		NextTry: now.Add(c.Retry)}
	if _, _, err := c.g.DB.PutCorrection(ctx, t); err != nil {
		c.g.Logger.Error("correction not stored", "error", err.Error())
		return httpapi.CorrectionTicket{}, httpapi.ErrCorrectionsUnavailable
	}
	c.g.Metrics.Correction(store.CorrectionFiled, store.CorrectionPending)
	c.g.Logger.Info("correction filed", "ticket", t.Ticket, "org", org, "claim", f.Claim, "actor", f.Actor)
	// Delivered now when the org answers; kept pending otherwise, which
	// is not the filer's failure: the ticket is theirs either way.
	t = c.deliver(ctx, t)
	return filedView(t), nil
}

// findOrg reads the code (or, by data sharing, the holder's regions) for
// the org that resolves the correction and the id it knows the code by.
func (c *Corrections) findOrg(ctx context.Context, f httpapi.CorrectionFiling) (org, cid string, err error) {
	if f.IDNumber != "" {
		return c.findHolder(ctx, f.IDNumber)
	}
	v := c.g.Verifier
	max := v.MaxCodeBytes
	if max <= 0 {
		max = 4096
	}
	if len(f.Code) > max {
		return "", "", fault.Detail(httpapi.ErrUnreadable, "longer than %d bytes", max)
	}
	a, ok := v.Adapters.Detect(f.Code)
	if !ok {
		return "", "", fault.Detail(httpapi.ErrUnreadable, "no adapter recognises it")
	}
	code, err := a.Decode(f.Code, adapters.Env{Trust: c.g.Trust.Snapshot(), Skew: v.Skew, Now: c.now()})
	if err != nil {
		return "", "", fault.Detail(httpapi.ErrUnreadable, "%s", fault.ReasonOf(err))
	}
	if mapping.HoldsIdentityNumber(code.ID) || !federation.ValidCID(code.ID) {
		return "", "", fault.Detail(httpapi.ErrUnreadable, "its code id cannot be named to its issuer")
	}
	return code.Org, code.ID, nil
}

// findHolder asks every region for the holder (data sharing) and files
// with the one whose answer is the most severe: that answer decides the
// colour the traveller disputes.
func (c *Corrections) findHolder(ctx context.Context, number string) (string, string, error) {
	id, err := mapping.ParseResidentID(number)
	if err != nil {
		return "", "", fault.Fail(fault.Malformed, "id_document.number: %s", fault.MessageOf(err))
	}
	if len(c.secret) == 0 || c.g.Peers == nil {
		return "", "", fmt.Errorf("%w: data sharing is not configured (federation.holder_key_file)", httpapi.ErrCorrectionsUnavailable)
	}
	hk, err := federation.HolderKey(c.secret, id)
	if err != nil {
		return "", "", fault.Fail(fault.Malformed, "id_document.number: not a resident identity number")
	}
	var regions []string
	for _, r := range c.g.Trust.Snapshot().Regions() {
		if r != mapping.NationalRegion {
			regions = append(regions, r)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, c.g.Config.Verify.Deadline)
	defer cancel()
	shared := c.g.Peers.Share(sctx, regions, hk)
	if len(shared.Answered) == 0 {
		if len(shared.Unavailable) > 0 {
			return "", "", fmt.Errorf("%w: no region could be asked about the holder", httpapi.ErrCorrectionsUnavailable)
		}
		return "", "", httpapi.ErrNoHolder
	}
	answers := shared.Answered
	sort.SliceStable(answers, func(i, j int) bool { return answers[i].Status.Severity() > answers[j].Status.Severity() })
	return answers[0].Region, hk, nil
}

// deliver sends a pending ticket to its org once; the ticket as it stands
// after is returned (and stored).
func (c *Corrections) deliver(ctx context.Context, t store.Correction) store.Correction {
	var (
		st  federation.CorrectionState
		err error
	)
	if t.Peer == c.g.Config.Region {
		st, err = c.Receive(ctx, federation.ReceivedCorrection{From: c.g.Config.Region, Ticket: t.Ticket, CID: t.CID,
			Claim: t.Claim, Detail: t.Detail, At: c.now()})
	} else if c.g.Peers == nil {
		err = federation.ErrNoRoute
	} else {
		var ack *federation.CorrectionAck
		if ack, err = c.g.Peers.FileCorrection(ctx, t.Peer, t.Ticket, t.CID, t.Claim, t.Detail); err == nil {
			st = ackState(ack)
		}
	}
	now := c.now()
	if err != nil {
		t.Attempts++
		t.LastError = mapping.Clip(err.Error(), 200)
		t.NextTry = now.Add(c.backoff(t.Attempts))
		if _, uerr := c.g.DB.UpdateCorrection(ctx, t, store.CorrectionPending); uerr != nil {
			c.g.Logger.Warn("pending correction not updated", "ticket", t.Ticket, "error", uerr.Error())
		}
		c.g.Logger.Info("correction pending", "ticket", t.Ticket, "org", t.Peer, "attempts", t.Attempts, "error", t.LastError)
		return t
	}
	from := t.State
	t.Attempts++
	t.LastError = ""
	t = c.apply(ctx, t, st, store.CorrectionPending)
	if from != t.State {
		c.g.Logger.Info("correction delivered", "ticket", t.Ticket, "org", t.Peer, "state", t.State)
	}
	return t
}

// backoff is the wait before a pending ticket's next try: doubling from
// Retry, capped.
func (c *Corrections) backoff(attempts int) time.Duration {
	d := c.Retry
	for i := 1; i < attempts && d < c.RetryMax; i++ {
		d *= 2
	}
	if d > c.RetryMax {
		d = c.RetryMax
	}
	return d
}

func ackState(a *federation.CorrectionAck) federation.CorrectionState {
	st := federation.CorrectionState{State: a.State, Status: a.St, Note: a.Note}
	if a.RAT > 0 {
		st.ResolvedAt = time.Unix(a.RAT, 0).UTC()
	}
	return st
}

// apply writes what the org answered onto a filed ticket that was in
// state from. A resolution that set a status drops the cached status of
// the code: the next scan asks the org.
func (c *Corrections) apply(ctx context.Context, t store.Correction, st federation.CorrectionState, from string) store.Correction {
	old := t.State
	t.State, t.Status, t.Note = st.State, string(st.Status), st.Note
	if st.State != store.CorrectionOpen {
		t.ResolvedAt = st.ResolvedAt
		if t.ResolvedAt.IsZero() {
			t.ResolvedAt = c.now()
		}
	}
	t.NextTry = c.now().Add(c.PollEvery)
	ok, err := c.g.DB.UpdateCorrection(ctx, t, from)
	if err != nil {
		c.g.Logger.Warn("correction not updated", "ticket", t.Ticket, "error", err.Error())
		return t
	}
	if !ok {
		// Another caller moved it on first: answer what is stored.
		if cur, err := c.g.DB.GetCorrection(ctx, t.Side, t.Ticket); err == nil {
			return *cur
		}
		return t
	}
	if old != t.State {
		c.g.Metrics.Correction(store.CorrectionFiled, t.State)
	}
	if t.State == store.CorrectionCorrected && t.Status != "" && c.g.Peers != nil {
		c.g.Peers.ForgetStatus(t.Peer, t.CID)
	}
	return t
}

// refresh asks the org about a filed ticket that is not final.
func (c *Corrections) refresh(ctx context.Context, t store.Correction) store.Correction {
	switch {
	case t.Final():
		return t
	case t.State == store.CorrectionPending:
		return c.deliver(ctx, t)
	}
	var (
		st  federation.CorrectionState
		err error
	)
	if t.Peer == c.g.Config.Region {
		st, err = c.State(ctx, c.g.Config.Region, t.Ticket)
	} else if c.g.Peers == nil {
		err = federation.ErrNoRoute
	} else {
		var ack *federation.CorrectionAck
		if ack, err = c.g.Peers.QueryCorrection(ctx, t.Peer, t.Ticket); err == nil {
			st = ackState(ack)
		}
	}
	if err != nil {
		c.g.Logger.Info("correction state not asked", "ticket", t.Ticket, "org", t.Peer, "error", err.Error())
		t.NextTry = c.now().Add(c.PollEvery)
		_, _ = c.g.DB.UpdateCorrection(ctx, t, store.CorrectionOpen)
		return t
	}
	return c.apply(ctx, t, st, store.CorrectionOpen)
}

// Ticket implements httpapi.Corrections.
func (c *Corrections) Ticket(ctx context.Context, id string) (httpapi.CorrectionTicket, error) {
	t, err := c.g.DB.GetCorrection(ctx, store.CorrectionFiled, id)
	if err == nil {
		return filedView(c.refresh(ctx, *t)), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return httpapi.CorrectionTicket{}, httpapi.ErrCorrectionsUnavailable
	}
	r, err := c.g.DB.GetCorrection(ctx, store.CorrectionReceived, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return httpapi.CorrectionTicket{}, httpapi.ErrNotFound
	case err != nil:
		return httpapi.CorrectionTicket{}, httpapi.ErrCorrectionsUnavailable
	}
	return c.receivedView(*r), nil
}

// List implements httpapi.Corrections.
func (c *Corrections) List(ctx context.Context, side, state string) ([]httpapi.CorrectionTicket, error) {
	if side == "" {
		side = store.CorrectionReceived
		if state == store.CorrectionPending {
			side = store.CorrectionFiled
		}
	}
	rows, err := c.g.DB.ListCorrections(ctx, side, state, 0)
	if err != nil {
		return nil, httpapi.ErrCorrectionsUnavailable
	}
	out := make([]httpapi.CorrectionTicket, len(rows))
	for i, r := range rows {
		if side == store.CorrectionFiled {
			out[i] = filedView(r)
		} else {
			out[i] = c.receivedView(r)
		}
	}
	return out, nil
}

// Resolve implements httpapi.Corrections: the platform takes the new
// status first, so that a ticket is never said corrected while the
// platform still answers the old colour.
func (c *Corrections) Resolve(ctx context.Context, id string, r httpapi.CorrectionResolution) (httpapi.CorrectionTicket, error) {
	t, err := c.g.DB.GetCorrection(ctx, store.CorrectionReceived, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return httpapi.CorrectionTicket{}, httpapi.ErrNotFound
	case err != nil:
		return httpapi.CorrectionTicket{}, httpapi.ErrCorrectionsUnavailable
	case t.Final():
		return httpapi.CorrectionTicket{}, httpapi.ErrResolved
	}
	if r.Status != "" {
		w, ok := c.g.Platform.(federation.StatusWriter)
		if !ok {
			return httpapi.CorrectionTicket{}, fmt.Errorf("%w: this gateway's platform takes no status", httpapi.ErrCorrectionsUnavailable)
		}
		if err := w.SetStatus(ctx, t.CID, r.Status, t.Ticket); err != nil {
			if fault.ReasonOf(err) == fault.StatusUnknown {
				return httpapi.CorrectionTicket{}, fault.Fail(fault.Malformed, "the platform does not know this code")
			}
			c.g.Logger.Warn("platform did not take the corrected status", "ticket", t.Ticket, "error", err.Error())
			return httpapi.CorrectionTicket{}, fmt.Errorf("%w: the platform did not take the status", httpapi.ErrCorrectionsUnavailable)
		}
	}
	now := c.now()
	t.State, t.Status, t.Note, t.ResolvedAt, t.Actor = r.Outcome, string(r.Status), r.Note, now, r.Actor
	ok, err := c.g.DB.UpdateCorrection(ctx, *t, store.CorrectionOpen)
	switch {
	case err != nil:
		return httpapi.CorrectionTicket{}, httpapi.ErrCorrectionsUnavailable
	case !ok:
		return httpapi.CorrectionTicket{}, httpapi.ErrResolved
	}
	c.g.Metrics.Correction(store.CorrectionReceived, t.State)
	c.g.Metrics.CorrectionTurnaround(t.State, now.Sub(t.FiledAt))
	c.g.Logger.Info("correction resolved", "ticket", t.Ticket, "from", t.Peer, "outcome", t.State, "status", t.Status, "actor", r.Actor)
	return c.receivedView(*t), nil
}

// Receive implements federation.CorrectionInbox.
func (c *Corrections) Receive(ctx context.Context, r federation.ReceivedCorrection) (federation.CorrectionState, error) {
	row := store.Correction{Ticket: r.Ticket, Side: store.CorrectionReceived, Peer: r.From, CID: r.CID, Claim: r.Claim,
		Detail: r.Detail, State: store.CorrectionOpen, FiledAt: r.At, NextTry: r.At}
	got, created, err := c.g.DB.PutCorrection(ctx, row)
	if errors.Is(err, store.ErrConflict) {
		return federation.CorrectionState{}, federation.ErrTicketTaken
	}
	if err != nil {
		return federation.CorrectionState{}, err
	}
	if created {
		c.g.Metrics.Correction(store.CorrectionReceived, store.CorrectionOpen)
		c.g.Logger.Info("correction received", "ticket", r.Ticket, "from", r.From, "claim", r.Claim)
	}
	return inboxState(got), nil
}

// State implements federation.CorrectionInbox.
func (c *Corrections) State(ctx context.Context, from, ticket string) (federation.CorrectionState, error) {
	t, err := c.g.DB.GetCorrection(ctx, store.CorrectionReceived, ticket)
	if errors.Is(err, store.ErrNotFound) || err == nil && t.Peer != from {
		return federation.CorrectionState{}, federation.ErrNoTicket
	}
	if err != nil {
		return federation.CorrectionState{}, err
	}
	return inboxState(*t), nil
}

func inboxState(t store.Correction) federation.CorrectionState {
	st, _ := mapping.ParseStatus(t.Status)
	return federation.CorrectionState{State: t.State, Status: st, ResolvedAt: t.ResolvedAt, Note: t.Note}
}

func filedView(t store.Correction) httpapi.CorrectionTicket {
	st, _ := mapping.ParseStatus(t.Status)
	return httpapi.CorrectionTicket{Ticket: t.Ticket, Side: t.Side, Org: t.Peer, Claim: t.Claim, State: t.State, Status: st,
		Note: t.Note, FiledAt: t.FiledAt, ResolvedAt: t.ResolvedAt}
}

func (c *Corrections) receivedView(t store.Correction) httpapi.CorrectionTicket {
	st, _ := mapping.ParseStatus(t.Status)
	return httpapi.CorrectionTicket{Ticket: t.Ticket, Side: t.Side, Org: c.g.Config.Region, From: t.Peer, CID: t.CID,
		Claim: t.Claim, Detail: t.Detail, State: t.State, Status: st, Note: t.Note, FiledAt: t.FiledAt, ResolvedAt: t.ResolvedAt}
}

// Step delivers the pending tickets that are due and asks about the open
// ones due a question, at most Batch of each; it reports how many it
// handled. Run calls it on every tick; tests call it directly.
func (c *Corrections) Step(ctx context.Context) int {
	n := 0
	for _, state := range []string{store.CorrectionPending, store.CorrectionOpen} {
		due, err := c.g.DB.DueCorrections(ctx, state, c.now(), c.Batch)
		if err != nil {
			c.g.Logger.Warn("due corrections not read", "error", err.Error())
			continue
		}
		for _, t := range due {
			if ctx.Err() != nil {
				return n
			}
			c.refresh(ctx, t)
			n++
		}
	}
	return n
}

// Run steps every Interval until ctx ends, while this replica holds the
// lease "corrections": of the replicas of a region, one delivers, so that
// a pending ticket reaches its org once, not once a replica.
func (c *Corrections) Run(ctx context.Context) {
	c.g.whileLeased(ctx, "corrections", c.run)
}

func (c *Corrections) run(ctx context.Context) {
	tk := c.g.timers.NewTicker(c.Interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.Chan():
			c.Step(ctx)
		}
	}
}
