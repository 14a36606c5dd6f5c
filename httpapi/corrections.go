package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/mapping"
)

// Corrections files, answers and resolves correction tickets (DESIGN §13,
// docs/corrections.md). The gateway implements it.
type Corrections interface {
	// File finds the org of a code (or, by data sharing, of a holder),
	// keeps the ticket and delivers it, or keeps it pending.
	File(ctx context.Context, f CorrectionFiling) (CorrectionTicket, error)
	// Ticket answers a ticket filed here (asking the org when it is not
	// final) or received here.
	Ticket(ctx context.Context, id string) (CorrectionTicket, error)
	// List lists tickets in state: open, corrected and rejected ones
	// received here; pending ones filed here. side "filed" or "received"
	// chooses explicitly.
	List(ctx context.Context, side, state string) ([]CorrectionTicket, error)
	// Resolve closes a ticket received here.
	Resolve(ctx context.Context, id string, r CorrectionResolution) (CorrectionTicket, error)
}

// CorrectionFiling is one POST /v1/corrections. IDNumber is a resident
// identity number: it is turned into a holder key and never kept.
type CorrectionFiling struct {
	Code, IDNumber                   string
	Claim, Detail, Checkpoint, Actor string
}

// CorrectionResolution is one POST /v1/corrections/{ticket}/resolve.
type CorrectionResolution struct {
	Outcome string         // corrected | rejected
	Status  mapping.Status // the new status; "" when unchanged
	Note    string
	Actor   string
}

// CorrectionTicket is a ticket as the API shows it.
type CorrectionTicket struct {
	Ticket     string
	Side       string // filed | received
	Org        string // the region that resolves it
	From       string // the region that filed it
	CID        string // received side only: the code id or holder key to look at
	Claim      string
	Detail     string // received side only
	State      string
	Status     mapping.Status
	Note       string
	FiledAt    time.Time
	ResolvedAt time.Time
}

// Errors a Corrections returns besides ErrNotFound and a verdict kind's
// *fault.Error (a bad field: 400). An error of no kind is a 503.
var (
	// ErrUnreadable: the code is not one this gateway can read (400);
	// fault.Detail says why.
	ErrUnreadable = fault.New(fault.BadRequest, "this gateway cannot read that code")
	// ErrNoHolder: no region knows the holder of the document (404).
	ErrNoHolder = fault.New(fault.NotFound, "no region knows this holder")
	// ErrResolved: the ticket is resolved already (409).
	ErrResolved = fault.New(fault.Conflict, "the ticket is resolved already")
	// ErrCorrectionsUnavailable: the database, the regions or the platform
	// cannot take it now (503). What it wraps is for the log.
	ErrCorrectionsUnavailable = fault.New(fault.Unavailable, "corrections cannot be handled now; retry")
)

// CorrectionPeer answers the federation's correction endpoints
// (federation.CorrectionResponder).
type CorrectionPeer interface {
	Handle(ctx context.Context, body []byte, hops int, query bool) federation.Reply
}

// correctionTarget is how long an open ticket may wait (the age shown
// against it on the operator page).
const correctionTarget = 24 * time.Hour

func (a *api) correctionRoutes(r *gin.Engine) {
	verifier := a.auth.require(RoleVerifier, RoleAdmin)
	admin := a.auth.require(RoleAdmin)
	r.POST("/v1/corrections", verifier, a.fileCorrection)
	r.GET("/v1/corrections", admin, a.listCorrections)
	r.GET("/v1/corrections/:ticket", verifier, a.getCorrection)
	r.POST("/v1/corrections/:ticket/resolve", admin, a.resolveCorrection)
	r.POST(federation.CorrectionsPath, a.federationCorrection(false))
	r.POST(federation.CorrectionQueryPath, a.federationCorrection(true))
}

type correctionRequest struct {
	Code       *string `json:"code"`
	IDDocument *struct {
		Type   string `json:"type"`
		Number string `json:"number"`
	} `json:"id_document"`
	Claim      string `json:"claim"`
	Detail     string `json:"detail"`
	Checkpoint string `json:"checkpoint"`
}

type ticketJSON struct {
	Ticket     string     `json:"ticket"`
	Org        string     `json:"org"`
	From       string     `json:"from,omitempty"`
	CID        string     `json:"cid,omitempty"`
	Claim      string     `json:"claim"`
	Detail     string     `json:"detail,omitempty"`
	State      string     `json:"state"`
	Status     string     `json:"status,omitempty"`
	Note       string     `json:"note,omitempty"`
	FiledAt    time.Time  `json:"filed_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	AgeSeconds int64      `json:"age_seconds"`
	Overdue    bool       `json:"overdue"`
}

func (a *api) ticketView(t CorrectionTicket) ticketJSON {
	v := ticketJSON{Ticket: t.Ticket, Org: t.Org, From: t.From, CID: t.CID, Claim: t.Claim, Detail: t.Detail, State: t.State,
		Status: string(t.Status), Note: t.Note, FiledAt: t.FiledAt.UTC()}
	end := time.Now()
	if a.Ops != nil {
		end = a.Ops.Now()
	}
	if !t.ResolvedAt.IsZero() {
		r := t.ResolvedAt.UTC()
		v.ResolvedAt, end = &r, t.ResolvedAt
	}
	if age := end.Sub(t.FiledAt); age > 0 {
		v.AgeSeconds = int64(age / time.Second)
	}
	v.Overdue = t.ResolvedAt.IsZero() && end.Sub(t.FiledAt) > correctionTarget
	return v
}

// correctionFailed renders a Corrections error.
func (a *api) correctionFailed(c *gin.Context, err error) {
	switch k := fault.KindOf(err); {
	case k.IsVerdict(): // a field or a code refused
		a.fail(c, fault.Wrap(fault.BadRequest, err, k.String()+": "+fault.MessageOf(err)))
	case errors.Is(err, ErrNotFound):
		a.fail(c, fault.Wrap(fault.NotFound, err, "no such ticket"))
	case errors.Is(err, ErrUnreadable):
		a.fail(c, fault.Wrap(fault.BadRequest, err, "a correction needs a code this gateway can read: "+fault.MessageOf(err)))
	case k == fault.Internal: // no kind: the database, a region, the platform
		a.fail(c, fault.Wrap(fault.Unavailable, err, ErrCorrectionsUnavailable.Message))
	default:
		a.fail(c, err)
	}
}

func (a *api) fileCorrection(c *gin.Context) {
	if a.Corrections == nil {
		renderError(c, fault.Unavailable, "this gateway takes no corrections")
		return
	}
	var req correctionRequest
	if !readJSON(c, a.Limits.MaxBody, true, &req) || !labelsOK(c, "", req.Checkpoint) {
		return
	}
	f := CorrectionFiling{Claim: req.Claim, Detail: req.Detail, Checkpoint: req.Checkpoint, Actor: clientName(c)}
	switch {
	case (req.Code == nil) == (req.IDDocument == nil):
		renderError(c, fault.BadRequest, `exactly one of "code" and "id_document" is required`)
		return
	case req.Code != nil && *req.Code == "":
		renderError(c, fault.BadRequest, `field "code" must not be empty`)
		return
	case req.Code != nil:
		f.Code = *req.Code
	case req.IDDocument.Type != "resident_id":
		renderError(c, fault.BadRequest, `field "id_document.type" must be "resident_id"`)
		return
	default:
		f.IDNumber = req.IDDocument.Number
	}
	if !federation.ValidClaim(req.Claim) {
		renderError(c, fault.BadRequest, `field "claim" must be status_wrong, identity_wrong or other`)
		return
	}
	if err := federation.CheckCorrectionText("detail", req.Detail); err != nil {
		renderError(c, fault.BadRequest, fault.MessageOf(err))
		return
	}
	t, err := a.Corrections.File(c.Request.Context(), f)
	if err != nil {
		a.correctionFailed(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"ticket": t.Ticket, "org": t.Org, "state": t.State, "filed_at": t.FiledAt.UTC()})
}

func (a *api) getCorrection(c *gin.Context) {
	if a.Corrections == nil {
		renderError(c, fault.Unavailable, "this gateway takes no corrections")
		return
	}
	id := c.Param("ticket")
	if !federation.ValidTicket(id) {
		renderError(c, fault.NotFound, "no such ticket")
		return
	}
	t, err := a.Corrections.Ticket(c.Request.Context(), id)
	if err != nil {
		a.correctionFailed(c, err)
		return
	}
	c.JSON(http.StatusOK, a.ticketView(t))
}

func (a *api) listCorrections(c *gin.Context) {
	if a.Corrections == nil {
		renderError(c, fault.Unavailable, "this gateway takes no corrections")
		return
	}
	state, side := c.DefaultQuery("state", federation.StateOpen), c.Query("side")
	switch state {
	case federation.StatePending, federation.StateOpen, federation.StateCorrected, federation.StateRejected:
	default:
		renderError(c, fault.BadRequest, `parameter "state" must be pending, open, corrected or rejected`)
		return
	}
	if side != "" && side != "filed" && side != "received" {
		renderError(c, fault.BadRequest, `parameter "side" must be filed or received`)
		return
	}
	ts, err := a.Corrections.List(c.Request.Context(), side, state)
	if err != nil {
		a.correctionFailed(c, err)
		return
	}
	out := make([]ticketJSON, len(ts))
	overdue := 0
	for i, t := range ts {
		out[i] = a.ticketView(t)
		if out[i].Overdue {
			overdue++
		}
	}
	c.JSON(http.StatusOK, gin.H{"state": state, "target_seconds": int64(correctionTarget / time.Second),
		"overdue": overdue, "count": len(out), "corrections": out})
}

type resolveRequest struct {
	Outcome string `json:"outcome"`
	Status  string `json:"status"`
	Note    string `json:"note"`
}

func (a *api) resolveCorrection(c *gin.Context) {
	if a.Corrections == nil {
		renderError(c, fault.Unavailable, "this gateway takes no corrections")
		return
	}
	id := c.Param("ticket")
	if !federation.ValidTicket(id) {
		renderError(c, fault.NotFound, "no such ticket")
		return
	}
	var req resolveRequest
	if !readJSON(c, a.Limits.MaxBody, true, &req) {
		return
	}
	r := CorrectionResolution{Outcome: req.Outcome, Note: req.Note, Actor: clientName(c)}
	switch req.Outcome {
	case federation.StateCorrected, federation.StateRejected:
	default:
		renderError(c, fault.BadRequest, `field "outcome" must be corrected or rejected`)
		return
	}
	if req.Status != "" {
		st, ok := mapping.ParseStatus(req.Status)
		if !ok {
			renderError(c, fault.BadRequest, `field "status" must be green, yellow, red or grey`)
			return
		}
		if req.Outcome != federation.StateCorrected {
			renderError(c, fault.BadRequest, `field "status" goes only with outcome "corrected"`)
			return
		}
		r.Status = st
	}
	if err := federation.CheckCorrectionText("note", req.Note); err != nil {
		renderError(c, fault.BadRequest, fault.MessageOf(err))
		return
	}
	t, err := a.Corrections.Resolve(c.Request.Context(), id, r)
	if err != nil {
		a.correctionFailed(c, err)
		return
	}
	c.JSON(http.StatusOK, a.ticketView(t))
}

// federationCorrection hands a peer's signed correction message to the
// responder, as federationStatus does for status requests.
func (a *api) federationCorrection(query bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if a.CorrectionPeer == nil {
			renderError(c, fault.Unavailable, "this gateway does not federate corrections")
			return
		}
		hops, ok := a.peerHops(c)
		if !ok {
			return
		}
		body, ok := readRaw(c, federation.MaxBody)
		if !ok {
			return
		}
		rep := a.CorrectionPeer.Handle(c.Request.Context(), body, hops, query)
		c.Data(rep.Status, rep.ContentType, rep.Body)
	}
}
