package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/issuing"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

type verifyRequest struct {
	Code       *string     `json:"code"`
	IDDocument *idDocument `json:"id_document"`
	Scene      string      `json:"scene"`
	Checkpoint string      `json:"checkpoint"`
}

// idDocument is an identity document shown instead of a code (DESIGN §12).
type idDocument struct {
	Type   string `json:"type"`
	Number string `json:"number"`
}

// validLabel admits the identifiers a checkpoint sends (checkpoint, scene):
// up to 64 of [A-Za-z0-9._:-]. Free text is refused so that no name can be
// smuggled into records through them.
func validLabel(field, s string) string {
	if len(s) > 64 {
		return fmt.Sprintf("field %q must be at most 64 characters", field)
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '_' || ch == ':' || ch == '-') {
			return fmt.Sprintf("field %q may contain only A-Z a-z 0-9 . _ : -", field)
		}
	}
	return ""
}

func labelsOK(c *gin.Context, scene, checkpoint string) bool {
	for _, msg := range []string{validLabel("scene", scene), validLabel("checkpoint", checkpoint)} {
		if msg != "" {
			renderError(c, fault.BadRequest, msg)
			return false
		}
	}
	return true
}

// readCodeRequest reads the body of /v1/verify and /v1/convert, rendering
// the error itself.
func (a *api) readCodeRequest(c *gin.Context) (verify.Request, bool) {
	var req verifyRequest
	if !readVerifyBody(c, a.Limits.MaxBody, &req) || !labelsOK(c, req.Scene, req.Checkpoint) {
		return verify.Request{}, false
	}
	if req.IDDocument != nil {
		renderError(c, fault.BadRequest, `field "id_document" is accepted by /v1/verify only`)
		return verify.Request{}, false
	}
	return codeRequest(c, req)
}

func codeRequest(c *gin.Context, req verifyRequest) (verify.Request, bool) {
	if req.Code == nil || *req.Code == "" {
		renderError(c, fault.BadRequest, `field "code" is required`)
		return verify.Request{}, false
	}
	return verify.Request{Code: *req.Code, Scene: req.Scene, Checkpoint: req.Checkpoint}, true
}

// readVerifyRequest reads the body of /v1/verify: a code, or an identity
// document (DESIGN §12), whose number is checked here and never echoed.
func (a *api) readVerifyRequest(c *gin.Context) (verify.Request, bool) {
	var req verifyRequest
	if !readVerifyBody(c, a.Limits.MaxBody, &req) || !labelsOK(c, req.Scene, req.Checkpoint) {
		return verify.Request{}, false
	}
	if req.IDDocument == nil {
		return codeRequest(c, req)
	}
	d := req.IDDocument
	switch {
	case req.Code != nil:
		renderError(c, fault.BadRequest, `give "code" or "id_document", not both`)
		return verify.Request{}, false
	case d.Type != verify.DocumentResidentID:
		renderError(c, fault.BadRequest, `field "id_document.type" must be "resident_id"`)
		return verify.Request{}, false
	}
	number, err := mapping.ParseResidentID(d.Number)
	if err != nil {
		renderError(c, fault.BadRequest, `field "id_document.number": `+fault.MessageOf(err))
		return verify.Request{}, false
	}
	if a.idrl != nil {
		if ok, wait := a.idrl.allow(clientName(c), a.Clock()); !ok {
			c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			renderError(c, fault.RateLimited, "too many identity document lookups from this client; retry after the indicated delay")
			return verify.Request{}, false
		}
	}
	return verify.Request{Document: &verify.Document{Type: d.Type, Number: number}, Scene: req.Scene, Checkpoint: req.Checkpoint}, true
}

func (a *api) verify(c *gin.Context) {
	req, ok := a.readVerifyRequest(c)
	if !ok {
		return
	}
	vd, err := a.Verifier.Verify(c.Request.Context(), req)
	if err != nil {
		a.unavailable(c, err)
		return
	}
	if vd.IssuerTime > 0 {
		c.Header("Server-Timing", serverTiming(vd.IssuerTime))
	}
	renderVerdicts(c, false, vd)
}

// serverTiming is the Server-Timing header (W3C Server Timing) of a verify
// answer whose issuer was asked: how long it took to answer, in
// milliseconds to the microsecond, e.g. "issuer;dur=2.613".
func serverTiming(d time.Duration) string {
	b := make([]byte, 0, 32)
	b = append(b, serverTimingPrefix...)
	b = strconv.AppendFloat(b, float64(d)/float64(time.Millisecond), 'f', 3, 64)
	return string(b)
}

const serverTimingPrefix = "issuer;dur="

// ParseServerTiming reads a verify answer's Server-Timing header as the
// gateway writes it ("issuer;dur=" + milliseconds with three decimals) into
// a duration to the microsecond; anything else is an error.
func ParseServerTiming(v string) (time.Duration, error) {
	ms, ok := strings.CutPrefix(v, serverTimingPrefix)
	whole, frac, dot := strings.Cut(ms, ".")
	// ParseUint in base 10 takes digits only: no sign, space or prefix.
	w, werr := strconv.ParseUint(whole, 10, 64)
	f, ferr := strconv.ParseUint(frac, 10, 64)
	if !ok || !dot || werr != nil || ferr != nil || len(whole) > 12 || len(frac) != 3 {
		return 0, fmt.Errorf("Server-Timing %q: want %s<milliseconds>.<3 digits>", v, serverTimingPrefix)
	}
	// At most 12 digits of milliseconds: the microseconds cannot overflow.
	return time.Duration(w*1000+f) * time.Microsecond, nil
}

// answers hold encoded verdicts while they are written.
var answers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// renderVerdicts answers 200 with one verdict, or with {"results": [...]},
// encoded by Verdict.AppendJSON (what c.JSON would write, without
// reflection).
func renderVerdicts(c *gin.Context, batch bool, vds ...verify.Verdict) {
	bp := answers.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			answers.Put(bp)
		}
	}()
	b := (*bp)[:0]
	if batch {
		b = append(b, `{"results":[`...)
	}
	var err error
	for i := range vds {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = vds[i].AppendJSON(b); err != nil {
			break
		}
	}
	if batch {
		b = append(b, "]}"...)
	}
	*bp = b
	if err != nil {
		// Only a time outside years 0-9999 or a certificate that does not
		// marshal gets here, where c.JSON would fail too; verdicts are
		// built from validated claims, so this is a bug, said plainly.
		renderError(c, fault.Internal, "the verdict could not be encoded; its record was written")
		return
	}
	writeJSON(c, b)
}

// jsonContentType is the Content-Type of an answer of verdicts, one slice
// for all: header values are replaced, never written into.
var jsonContentType = []string{"application/json; charset=utf-8"}

// writeJSON answers 200 with b as c.Data does (a Content-Type not already
// set, the Content-Length, the body), without its boxing and copies.
func writeJSON(c *gin.Context, b []byte) {
	c.Status(http.StatusOK)
	h := c.Writer.Header()
	if len(h["Content-Type"]) == 0 {
		h["Content-Type"] = jsonContentType
	}
	if len(b) > 0 {
		h["Content-Length"] = []string{strconv.Itoa(len(b))}
	}
	if _, err := c.Writer.Write(b); err != nil {
		_ = c.Error(err)
		c.Abort()
	}
}

// convert answers a valid local code with a national code signed by this
// gateway (DESIGN §6). A code that is not valid, or whose region this
// gateway may not sign for, is refused with 422 and the verdict.
func (a *api) convert(c *gin.Context) {
	req, ok := a.readCodeRequest(c)
	if !ok {
		return
	}
	out, err := a.Verifier.Convert(c.Request.Context(), req, a.Signers)
	switch {
	case errors.Is(err, verify.ErrNotValid):
		c.AbortWithStatusJSON(fault.CodeNotValid.Status(), gin.H{"error": errorDetail{Code: fault.CodeNotValid.Code(),
			Message: verify.ErrNotValid.Message}, "verdict": out.Verdict})
		return
	case errors.Is(err, verify.ErrOutOfScope):
		c.AbortWithStatusJSON(fault.ScopeViolation.Status(), gin.H{"error": errorDetail{Code: fault.ScopeViolation.Code(),
			Message: "this gateway may not sign codes for region " + out.Verdict.Issuer}, "verdict": out.Verdict})
		return
	case err != nil && out == nil:
		a.unavailable(c, err)
		return
	case err != nil:
		a.fail(c, fault.Wrap(fault.Unavailable, err, "the code could not be signed; retry"))
		return
	}
	c.JSON(http.StatusOK, gin.H{"national_code": out.NationalCode, "kid": out.Kid, "verdict": out.Verdict})
}

type batchRequest struct {
	Codes      []string `json:"codes"`
	Scene      string   `json:"scene"`
	Checkpoint string   `json:"checkpoint"`
}

func (a *api) verifyBatch(c *gin.Context) {
	var req batchRequest
	if !readJSON(c, a.Limits.MaxBatchBody, false, &req) || !labelsOK(c, req.Scene, req.Checkpoint) {
		return
	}
	switch {
	case len(req.Codes) == 0:
		renderError(c, fault.BadRequest, `field "codes" must be a non-empty array`)
		return
	case len(req.Codes) > a.Limits.MaxBatchCodes:
		renderError(c, fault.TooLarge, fmt.Sprintf("at most %d codes per batch", a.Limits.MaxBatchCodes))
		return
	}
	reqs := make([]verify.Request, len(req.Codes))
	for i, code := range req.Codes {
		reqs[i] = verify.Request{Code: code, Scene: req.Scene, Checkpoint: req.Checkpoint}
	}
	out, err := a.Verifier.VerifyBatch(c.Request.Context(), reqs)
	if err != nil {
		a.unavailable(c, err)
		return
	}
	renderVerdicts(c, true, out...)
}

// unavailable answers 503 when a verdict could not be made durable: a
// checkpoint is never told about a verification that has no record.
func (a *api) unavailable(c *gin.Context, err error) {
	msg := "records cannot be written now; retry"
	if errors.Is(err, audit.ErrOverloaded) {
		msg = "the gateway is overloaded; retry"
	}
	a.fail(c, fault.Wrap(fault.Unavailable, err, msg))
}

// statusFor is the part shared by requests that set a holder's status: the
// full holder arrives here and is masked before anything keeps it.
type statusFor struct {
	Status string `json:"status"`
	Holder struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	} `json:"holder"`
}

// status parses the status field, rendering the error itself.
func (s statusFor) status(c *gin.Context) (mapping.Status, bool) {
	st, ok := mapping.ParseStatus(s.Status)
	if !ok {
		renderError(c, fault.BadRequest, `field "status" must be green, yellow, red or grey`)
	}
	return st, ok
}

type issueRequest struct {
	statusFor
	NAT        *mapping.NAT       `json:"nat"`
	Vac        *int               `json:"vac"`
	IT         *mapping.Itinerary `json:"it"`
	TTLSeconds int64              `json:"ttl_seconds"`
}

func (a *api) issue(c *gin.Context) {
	if a.Issuer == nil {
		renderError(c, fault.Unavailable, "this gateway has no signing key for codes")
		return
	}
	var req issueRequest
	if !readJSON(c, a.Limits.MaxBody, true, &req) {
		return
	}
	st, ok := req.status(c)
	if !ok {
		return
	}
	if req.TTLSeconds < 0 || req.TTLSeconds > int64(mapping.MaxValidity/time.Second) {
		renderError(c, fault.BadRequest, fmt.Sprintf(`field "ttl_seconds" must be between 1 and %d`, int64(mapping.MaxValidity/time.Second)))
		return
	}
	out, err := a.Issuer.Issue(issuing.Request{Status: st, Name: req.Holder.Name, ID: req.Holder.ID,
		NAT: req.NAT, Vac: req.Vac, IT: req.IT, TTL: time.Duration(req.TTLSeconds) * time.Second})
	switch k := fault.KindOf(err); {
	case k.IsVerdict():
		// Masking and claim checks: a bad request, whose message never
		// echoes the holder.
		a.fail(c, fault.Wrap(fault.BadRequest, err, k.String()+": "+fault.MessageOf(err)))
		return
	case k == fault.Internal: // the signer's own failure
		a.fail(c, fault.Wrap(fault.Unavailable, err, "the code could not be signed; retry"))
		return
	case err != nil:
		a.fail(c, err) // issuing.ErrNoSigningKey: unavailable
		return
	}
	claims := out.Claims
	a.event(c, TrustEvent{Action: "issue", Kid: out.Kid, Sub: claims.Iss, Detail: "jti=" + claims.JTI + " st=" + string(claims.St)})
	c.JSON(http.StatusOK, gin.H{"code": out.Code, "jti": claims.JTI,
		"expires_at": time.Unix(claims.EXP, 0).UTC().Format(time.RFC3339)})
}

func (a *api) event(c *gin.Context, ev TrustEvent) {
	ev.Actor = clientName(c)
	a.Logger.Info("trust event", "action", ev.Action, "kid", ev.Kid, "sub", ev.Sub, "actor", ev.Actor,
		"detail", ev.Detail, "request_id", requestID(c))
	if a.Events == nil {
		return
	}
	if err := a.Events.TrustEvent(c.Request.Context(), ev); err != nil {
		a.Logger.Error("trust event not recorded", "action", ev.Action, "kid", ev.Kid, "error", mapping.MaskIdentityNumbers(err.Error()))
	}
}

func (a *api) trustList(c *gin.Context) {
	body, etag := a.Trust.Snapshot().TrustList()
	c.Header("ETag", etag)
	c.Header("Cache-Control", "no-cache")
	if inm := c.GetHeader("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "application/json", body)
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// addTrust takes an endorsement or a revocation JWS: the raw compact JWS as
// the body, or a JSON object {"jws": "..."}.
func (a *api) addTrust(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		token, ok := readJWSBody(c, a.Limits.MaxBody)
		if !ok {
			return
		}
		var (
			kid, sub string
			added    bool
			err      error
		)
		if kind == trust.KindEndorsement {
			var e *trust.Endorsement
			if e, added, err = a.Trust.AddEndorsement(c.Request.Context(), token); e != nil {
				kid, sub = e.Key.Kid, e.Sub
			}
		} else {
			var r *trust.Revocation
			if r, added, err = a.Trust.AddRevocation(c.Request.Context(), token); r != nil {
				kid = r.Kid
			}
		}
		switch k := fault.KindOf(err); {
		case k.IsVerdict():
			a.fail(c, fault.Wrap(fault.BadRequest, err, kind+" refused: "+k.String()+": "+fault.MessageOf(err)))
			return
		case k == fault.Internal: // the store
			a.fail(c, fault.Wrap(fault.Unavailable, err, kind+" could not be stored; retry"))
			return
		case err != nil:
			a.fail(c, err) // trust.ErrConflict: 409
			return
		}
		status := http.StatusOK
		if added {
			status = http.StatusCreated
			action := "endorse"
			if kind == trust.KindRevocation {
				action = "revoke"
			}
			a.event(c, TrustEvent{Action: action, Kid: kid, Sub: sub})
		}
		c.JSON(status, gin.H{"kind": kind, "kid": kid, "sub": sub, "added": added, "version": a.Trust.Snapshot().Version()})
	}
}

type recordView struct {
	ID             string    `json:"record_id"`
	CreatedAt      time.Time `json:"time"`
	Gateway        string    `json:"gateway"`
	Checkpoint     string    `json:"checkpoint"`
	Scene          string    `json:"scene"`
	Issuer         string    `json:"issuer"`
	Org            string    `json:"org"`
	Format         string    `json:"format"`
	CodeID         string    `json:"code_id"`
	Result         string    `json:"result"`
	Reason         string    `json:"reason"`
	Status         string    `json:"status"`
	Source         string    `json:"source"`
	Degraded       bool      `json:"degraded"`
	Conflict       bool      `json:"conflict"`
	Holder         any       `json:"holder"`
	CodeSHA256     string    `json:"code_sha256"`
	DurationMicros int64     `json:"duration_us"`
	Admission      string    `json:"admission"`
	Star           bool      `json:"star"`
}

func (a *api) record(c *gin.Context) {
	if a.Records == nil {
		renderError(c, fault.Unavailable, "no record store")
		return
	}
	id := c.Param("id")
	if len(id) == 0 || len(id) > 64 {
		renderError(c, fault.NotFound, "no such record")
		return
	}
	r, err := a.Records.Record(c.Request.Context(), id)
	switch {
	case errors.Is(err, ErrNotFound):
		renderError(c, fault.NotFound, "no such record")
		return
	case err != nil:
		a.fail(c, fault.Wrap(fault.Unavailable, err, "records cannot be read now; retry"))
		return
	}
	c.JSON(http.StatusOK, recordView{ID: r.ID, CreatedAt: r.CreatedAt.UTC(), Gateway: r.Gateway, Checkpoint: r.Checkpoint,
		Scene: r.Scene, Issuer: r.Issuer, Org: r.Org, Format: r.Format, CodeID: r.CodeID, Result: r.Result,
		Reason: r.Reason, Status: r.Status, Source: r.Source, Degraded: r.Degraded, Conflict: r.Conflict,
		Holder: mapping.Holder{Name: r.HolderName, ID: r.HolderID}, CodeSHA256: r.CodeSHA256, DurationMicros: r.DurationMicros,
		Admission: r.Admission, Star: r.Star})
}

func (a *api) jwks(c *gin.Context) {
	keys := make([]any, 0, len(a.Signers))
	for _, s := range a.Signers {
		keys = append(keys, s.Public().JWK)
	}
	c.JSON(http.StatusOK, gin.H{"keys": keys})
}

func (a *api) readyz(c *gin.Context) {
	var problems []string
	if a.Ready != nil {
		problems = a.Ready(c.Request.Context())
	}
	var warnings []string
	if a.Warnings != nil {
		warnings = a.Warnings()
	}
	if len(problems) > 0 {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not_ready", "problems": problems, "warnings": warnings})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "trust_version": a.Trust.Snapshot().Version(), "warnings": warnings})
}

// federationStatus hands a peer's signed status request to the responder
// and writes its reply as is (a JWS, or the error envelope).
func (a *api) federationStatus(c *gin.Context) {
	if a.Federation == nil {
		renderError(c, fault.Unavailable, "this gateway does not federate")
		return
	}
	hops, ok := a.peerHops(c)
	if !ok {
		return
	}
	ctx, err := federation.RetryBudgetFrom(c.Request.Context(), c.Request.Header)
	if err != nil {
		a.fail(c, err)
		return
	}
	body, ok := readRaw(c, federation.MaxBody)
	if !ok {
		return
	}
	rep := a.Federation.Handle(ctx, body, hops)
	rep.SetHeaders(c.Writer.Header())
	c.Data(rep.Status, rep.ContentType, rep.Body)
}

type platformCodeRequest struct {
	CID string `json:"cid"`
	statusFor
	IT         *mapping.Itinerary `json:"it"`
	TTLSeconds int64              `json:"ttl_seconds"`
}

// platformCode sets a code's status on the simulated provincial platform
// (statuses change: that is what online checks are for).
func (a *api) platformCode(c *gin.Context) {
	if a.Platform == nil {
		renderError(c, fault.NotFound, "this gateway runs no simulated platform")
		return
	}
	var req platformCodeRequest
	if !readJSON(c, a.Limits.MaxBody, true, &req) {
		return
	}
	st, ok := req.status(c)
	switch {
	case !ok:
		return
	case req.CID == "" || len(req.CID) > 128:
		renderError(c, fault.BadRequest, `field "cid" must be 1-128 characters`)
		return
	case req.TTLSeconds < 0 || req.TTLSeconds > 86400:
		renderError(c, fault.BadRequest, `field "ttl_seconds" must be between 1 and 86400`)
		return
	}
	if req.IT != nil {
		if err := req.IT.Validate("it"); err != nil {
			renderError(c, fault.BadRequest, fault.MessageOf(err))
			return
		}
	}
	ttl := time.Duration(req.TTLSeconds) * time.Second
	if ttl == 0 {
		ttl = time.Minute
	}
	if err := a.Platform.SetCode(c.Request.Context(), req.CID, st, req.Holder.Name, req.Holder.ID, req.IT, ttl); err != nil {
		if k := fault.KindOf(err); k.IsVerdict() {
			a.fail(c, fault.Wrap(fault.BadRequest, err, k.String()+": "+fault.MessageOf(err)))
			return
		}
		a.fail(c, fault.Wrap(fault.Unavailable, err, "the platform could not store the code; retry"))
		return
	}
	c.JSON(http.StatusOK, gin.H{"cid": req.CID, "status": st})
}

type shareRequest struct {
	ID      string   `json:"id"`
	Regions []string `json:"regions"`
}

// share is data sharing (the first way of mutual recognition): this
// region's platform asks for a holder's status in every region. The
// identity number is turned into a keyed hash here and never leaves in
// clear; the answer names it masked only.
func (a *api) share(c *gin.Context) {
	if a.Share == nil {
		renderError(c, fault.Unavailable, "data sharing is not configured on this gateway (federation.holder_key_file and peers)")
		return
	}
	var req shareRequest
	if !readJSON(c, a.Limits.MaxBody, true, &req) {
		return
	}
	if req.ID == "" {
		renderError(c, fault.BadRequest, `field "id" is required`)
		return
	}
	if len(req.Regions) > 100 {
		renderError(c, fault.BadRequest, `field "regions" lists at most 100 regions`)
		return
	}
	for _, r := range req.Regions {
		if !mapping.ValidRegion(r) {
			renderError(c, fault.BadRequest, `field "regions" must list six-digit regions`)
			return
		}
	}
	out, holder, err := a.Share.Share(c.Request.Context(), req.ID, req.Regions)
	if err != nil {
		renderError(c, fault.BadRequest, "identity number refused: "+fault.ReasonOf(err).String())
		return
	}
	c.JSON(http.StatusOK, gin.H{"holder": gin.H{"id": holder.ID}, "status": out.Status, "answered": out.Answered,
		"unknown": out.Unknown, "unavailable": out.Unavailable})
}

// readJWSBody reads a body that is a compact JWS, or the JSON object
// {"jws": "..."}, rendering the error itself.
func readJWSBody(c *gin.Context, limit int64) (string, bool) {
	raw, ok := readRaw(c, limit)
	if !ok {
		return "", false
	}
	token := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(token, "{") {
		var body struct {
			JWS string `json:"jws"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			renderError(c, fault.BadRequest, "body is not the expected JSON: "+jsonProblem(err))
			return "", false
		}
		token = body.JWS
	}
	if token == "" {
		renderError(c, fault.BadRequest, "body must be a compact JWS")
		return "", false
	}
	return token, true
}

// peerHops checks what every federation endpoint asks of a peer (its
// client certificate, when mutual TLS is required) and reads the request's
// hop count, rendering the error itself.
func (a *api) peerHops(c *gin.Context) (int, bool) {
	if a.RequirePeerCert && (c.Request.TLS == nil || len(c.Request.TLS.VerifiedChains) == 0) {
		renderError(c, fault.Unauthenticated, "peers must present a client certificate of the federation's CA")
		return 0, false
	}
	h := c.GetHeader(federation.HopsHeader)
	if h == "" {
		return 0, true
	}
	n, err := strconv.Atoi(h)
	if err != nil || n < 0 || n > 100 {
		renderError(c, fault.BadRequest, federation.HopsHeader+" must be a small non-negative integer")
		return 0, false
	}
	return n, true
}
