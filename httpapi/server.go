package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/issuing"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/qr"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// ErrNotFound is what a RecordReader (or a Corrections) returns for an
// unknown id.
var ErrNotFound = fault.New(fault.NotFound, "not found")

// RecordReader reads one verification record.
type RecordReader interface {
	Record(ctx context.Context, id string) (*audit.Record, error)
}

// TrustEvent is an admin action on the trust registry or on issuance.
type TrustEvent struct {
	Action string // endorse, revoke, issue
	Kid    string
	Sub    string
	Actor  string
	Detail string // never holder data
}

// EventWriter records trust events.
type EventWriter interface {
	TrustEvent(ctx context.Context, ev TrustEvent) error
}

// Limits of DESIGN §6.
type Limits struct {
	MaxBody       int64 // default 64 KiB
	MaxBatchBody  int64 // default 4 MiB
	MaxBatchCodes int   // default 1000
}

func (l *Limits) defaults() {
	if l.MaxBody <= 0 {
		l.MaxBody = 64 << 10
	}
	if l.MaxBatchBody <= 0 {
		l.MaxBatchBody = 4 << 20
	}
	if l.MaxBatchCodes <= 0 {
		l.MaxBatchCodes = 1000
	}
}

// Deps is everything the API calls: the interfaces below, which name only
// what the handlers use, so that a handler's test brings just that part.
type Deps struct {
	Verifier Verifier
	Trust    TrustRegistry
	Issuer   Issuer // nil: /v1/issue answers 503
	Signers  []trust.Signer
	Records  RecordReader // nil: /v1/records answers 503
	Events   EventWriter  // nil: events are only logged
	Ready    func(ctx context.Context) []string
	// Warnings are reported by /readyz without making it fail (keys about
	// to lapse).
	Warnings func() []string
	// Metrics serves GET /metrics (Prometheus); nil: 404.
	Metrics http.Handler
	// RateLimit is each client's token bucket (zero: no limit).
	RateLimit RateLimit
	// Clock fills the buckets (nil: time.Now); tests step a fake one.
	Clock func() time.Time
	// IDLookupLimit is each client's token bucket for verifications by
	// identity document (DESIGN §12), on top of RateLimit (zero: no limit).
	IDLookupLimit RateLimit
	// RequirePeerCert makes /v1/federation/status refuse a caller without a
	// verified TLS client certificate (mutual TLS between gateways).
	RequirePeerCert bool
	Clients         []Client
	Limits          Limits
	Logger          *slog.Logger
	// Federation answers POST /v1/federation/status (peers authenticate by
	// signature, not by bearer token); nil: the endpoint answers 503.
	Federation StatusPeer
	// Platform is the built-in simulated provincial platform, when this
	// gateway runs one (POST /v1/platform/codes); nil: 404.
	Platform PlatformAdmin
	// Share answers data-sharing queries (POST /v1/share/status); nil: 503.
	Share Sharer
	// Ops feeds GET /v1/ops/overview and the operator page (ops.go); nil: 503.
	Ops Ops
	// QR decodes the images of POST /v1/qr/decode within its memory and
	// concurrency bounds; nil: a decoder with qr's defaults.
	QR QRDecoder
	// Corrections serves /v1/corrections (corrections.go); CorrectionPeer
	// the federation's correction endpoints. nil: 503.
	Corrections    Corrections
	CorrectionPeer CorrectionPeer
}

// Verifier decides verdicts and converts codes (verify.Verifier).
type Verifier interface {
	Verify(ctx context.Context, req verify.Request) (verify.Verdict, error)
	VerifyBatch(ctx context.Context, reqs []verify.Request) ([]verify.Verdict, error)
	Convert(ctx context.Context, req verify.Request, signers []trust.Signer) (*verify.Converted, error)
}

// TrustRegistry is the trust data the API lists and adds to
// (trust.Registry).
type TrustRegistry interface {
	Snapshot() *trust.Snapshot
	AddEndorsement(ctx context.Context, token string) (*trust.Endorsement, bool, error)
	AddRevocation(ctx context.Context, token string) (*trust.Revocation, bool, error)
	AddRule(ctx context.Context, token string) (*trust.Rule, bool, error)
}

// Issuer signs this gateway's own codes (issuing.Issuer).
type Issuer interface {
	Issue(req issuing.Request) (*issuing.Issued, error)
}

// StatusPeer answers a peer's signed status request
// (federation.Responder).
type StatusPeer interface {
	Handle(ctx context.Context, body []byte, hops int) federation.Reply
}

// QRDecoder reads the code in an image within its bounds (qr.Decoder).
type QRDecoder interface {
	Decode(ctx context.Context, img []byte) (string, error)
}

// Sharer asks every region for a holder's status (DESIGN §7 data sharing).
// It returns the combined answer and the masked holder.
type Sharer interface {
	Share(ctx context.Context, id string, regions []string) (federation.Shared, mapping.Holder, error)
}

// PlatformAdmin sets codes on the simulated platform.
type PlatformAdmin interface {
	SetCode(ctx context.Context, cid string, st mapping.Status, name, id string, it *mapping.Itinerary, ttl time.Duration) error
}

type api struct {
	Deps
	auth authenticator
	rl   *rateLimiter
	idrl *rateLimiter // identity document lookups, per client
}

// New builds the gin engine with every route of DESIGN §6.
func New(d Deps) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	d.Limits.defaults()
	if d.QR == nil {
		d.QR = qr.NewDecoder(qr.Limits{})
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	a := &api{Deps: d, auth: authenticator{clients: d.Clients}, rl: newRateLimiter(d.RateLimit),
		idrl: newRateLimiter(d.IDLookupLimit)}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(a.requestLog, gin.CustomRecoveryWithWriter(io.Discard, a.recovered), a.limit)
	r.NoRoute(func(c *gin.Context) { renderError(c, fault.NotFound, "no such endpoint") })
	r.NoMethod(func(c *gin.Context) { renderError(c, fault.MethodNotAllowed, "method not allowed on this endpoint") })

	verifier := a.auth.require(RoleVerifier, RoleAdmin)
	admin := a.auth.require(RoleAdmin)
	r.POST("/v1/verify", verifier, a.verify)
	r.POST("/v1/verify/batch", verifier, a.verifyBatch)
	r.POST("/v1/convert", verifier, a.convert)
	r.POST("/v1/issue", admin, a.issue)
	r.POST("/v1/federation/status", a.federationStatus)
	r.POST("/v1/platform/codes", admin, a.platformCode)
	r.POST("/v1/share/status", admin, a.share)
	r.GET("/v1/trust/list", a.trustList)
	r.POST("/v1/trust/endorsements", admin, a.addTrust(trust.KindEndorsement))
	r.POST("/v1/trust/revocations", admin, a.addTrust(trust.KindRevocation))
	r.GET("/v1/records/:id", admin, a.record)
	r.POST("/v1/rules", admin, a.addRule)
	r.GET("/v1/rules", a.rules)
	r.GET("/.well-known/jwks.json", a.jwks)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", a.readyz)
	if d.Metrics != nil {
		r.GET("/metrics", gin.WrapH(d.Metrics))
	}
	r.POST("/v1/qr/decode", verifier, a.qrDecode)
	r.GET("/v1/qr/encode", verifier, a.qrEncode)
	r.POST("/v1/qr/encode", verifier, a.qrEncode)
	r.GET("/checkpoint", a.checkpointPage)
	r.GET("/checkpoint/:asset", a.checkpointAsset)
	r.GET("/openapi.yaml", a.openAPI)
	r.GET("/", a.homePage)
	r.HEAD("/", a.homePage)
	a.opsRoutes(r) // GET /v1/ops/overview (admin), /operator, /operator/{asset}
	a.correctionRoutes(r)
	return r
}

// NewServer wraps h in an http.Server with the timeouts that keep slow
// clients from holding connections.
func NewServer(h http.Handler, addr string, read, readHeader, write, idle time.Duration) *http.Server {
	return &http.Server{Addr: addr, Handler: h, ReadTimeout: read, ReadHeaderTimeout: readHeader,
		WriteTimeout: write, IdleTimeout: idle, MaxHeaderBytes: 16 << 10}
}

func (a *api) recovered(c *gin.Context, v any) {
	a.Logger.Error("panic in handler", "path", c.FullPath(), "request_id", requestID(c), "panic", fmt.Sprint(v))
	renderError(c, fault.Internal, "internal error")
}

// The headers every request reads or answers, spelt canonically so that
// header reads them without canonicalizing each time.
const (
	requestIDHeader     = "X-Request-Id"
	authorizationHeader = "Authorization"
)

// header is h.Get(key) for a key already canonical.
func header(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// requestID is the id of the request being served (requestLog's).
func requestID(c *gin.Context) string { return federation.RequestID(c.Request.Context()) }

// keyMaps hold the gin.Context keys of requests being served (the client
// of auth.require): gin makes a map for every request that sets one.
var keyMaps = sync.Pool{New: func() any { return make(map[any]any, 1) }}

func (a *api) requestLog(c *gin.Context) {
	start := time.Now()
	id := header(c.Request.Header, requestIDHeader)
	if !validRequestID(id) {
		id = newRequestID()
	}
	keys := keyMaps.Get().(map[any]any)
	c.Keys = keys
	c.Writer.Header()[requestIDHeader] = []string{id} // id is never empty
	c.Request = c.Request.WithContext(federation.WithRequestID(c.Request.Context(), id))
	c.Next()
	if a.Logger.Enabled(c.Request.Context(), slog.LevelInfo) { // spare the arguments' boxing when off
		// Typed attributes: no argument is boxed into an interface.
		a.Logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", slog.String("method", c.Request.Method),
			slog.String("path", c.FullPath()), slog.Int("status", c.Writer.Status()),
			slog.Int64("duration_us", time.Since(start).Microseconds()), slog.String("client", clientName(c)),
			slog.String("request_id", id))
	}
	// requestLog is the first middleware: every handler has returned.
	c.Keys = nil
	clear(keys)
	keyMaps.Put(keys)
}

// newRequestID is 16 hex digits from the runtime's per-thread generator: a
// request id correlates log lines across gateways and needs no secrecy, so
// it costs no system call.
func newRequestID() string {
	var b [16]byte
	const digits = "0123456789abcdef"
	n := mrand.Uint64()
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = digits[n&15]
		n >>= 4
	}
	return string(b[:])
}

func validRequestID(s string) bool { return mapping.IDText(s, 64) }

// bodyBuffers hold request bodies while they are decoded (json.Unmarshal
// copies every value out, so a buffer goes back as soon as it returns).
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer kept for reuse.
const maxPooledBody = 64 << 10

// readJSON decodes a JSON body of at most limit bytes into v; strict
// rejects unknown fields (admin endpoints). It renders the error itself.
func readJSON(c *gin.Context, limit int64, strict bool, v any) bool {
	if !strict {
		return readLoose(c, limit, func(b []byte) error {
			if f, ok := v.(fastDecoder); ok && f.decodeFast(b) {
				return nil
			}
			return json.Unmarshal(b, v)
		})
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	dec := json.NewDecoder(body) // strict: the admin endpoints
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.Decode(&json.RawMessage{}) != io.EOF {
			err = errTrailing
		}
	}
	return decoded(c, limit, err)
}

// readVerifyBody is readJSON(c, limit, false, req) with req's own decoder
// called on req itself, so that it stays on the caller's stack: only a
// body of another shape is decoded by json.Unmarshal, into a copy.
func readVerifyBody(c *gin.Context, limit int64, req *verifyRequest) bool {
	return readLoose(c, limit, func(b []byte) error {
		if req.decodeFast(b) {
			return nil
		}
		slow := *req
		err := json.Unmarshal(b, &slow)
		*req = slow
		return err
	})
}

// readLoose is readJSON's path for the hot endpoints (verify): one read
// into a reused buffer, then decode: the body's own decoder for its common
// shape (fastDecoder) or one json.Unmarshal, which refuses trailing data
// itself. It renders the error itself.
func readLoose(c *gin.Context, limit int64, decode func([]byte) error) bool {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBody {
			bodyBuffers.Put(buf)
		}
	}()
	_, err := buf.ReadFrom(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err == nil {
		if len(bytes.TrimLeft(buf.Bytes(), " \t\r\n")) == 0 {
			err = io.EOF
		} else {
			err = decode(buf.Bytes())
		}
	}
	return decoded(c, limit, err)
}

var errTrailing = errors.New("trailing data after the JSON value")

// decoded renders the error of reading a JSON body, if any.
func decoded(c *gin.Context, limit int64, err error) bool {
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			renderError(c, fault.TooLarge, fmt.Sprintf("body larger than %d bytes", limit))
		case errors.Is(err, io.EOF):
			renderError(c, fault.BadRequest, "empty body: a JSON object is required")
		default:
			renderError(c, fault.BadRequest, "body is not the expected JSON: "+jsonProblem(err))
		}
		return false
	}
	return true
}

// jsonProblem explains a decoding error without echoing the body.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se) && strings.Contains(se.Error(), "after top-level value"):
		return errTrailing.Error()
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at offset %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be %s", te.Field, te.Type.String())
	}
	var fe *fault.Error
	msg := err.Error()
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	case strings.HasPrefix(msg, `json: unknown field "`):
		// The client's own field name, clipped and never a number.
		return mapping.MaskIdentityNumbers(mapping.Clip(strings.TrimPrefix(msg, "json: "), 80))
	case errors.As(err, &fe): // a value's own decoder
		return fault.MessageOf(err)
	}
	return "the body could not be decoded"
}

// readRaw reads a non-JSON body (a JWS) of at most limit bytes.
func readRaw(c *gin.Context, limit int64) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			renderError(c, fault.TooLarge, fmt.Sprintf("body larger than %d bytes", limit))
		} else {
			renderError(c, fault.BadRequest, "body could not be read")
		}
		return nil, false
	}
	return b, true
}
