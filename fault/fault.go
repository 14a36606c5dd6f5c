package fault

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Kind names what went wrong. The zero value, None, is no fault.
type Kind uint8

// The kinds. Verdict kinds (UnrecognizedFormat … StatusUnknown) are the
// reasons of DESIGN §4; the others are the request errors of DESIGN §6
// and of the federation endpoints (DESIGN §7).
const (
	None Kind = iota

	// The code itself is bad (result invalid).
	UnrecognizedFormat
	Malformed
	BadSignature
	UnknownIssuer
	UnknownKey
	RevokedKey
	KeyNotValid
	ScopeViolation
	Expired
	NotYetValid
	// The code looks sound but its status cannot be established (result
	// unverified).
	IssuerUnavailable
	StatusUnknown

	// The request (DESIGN §6).
	BadRequest
	TooLarge
	Unauthenticated
	Forbidden
	NotFound
	MethodNotAllowed
	Conflict
	RateLimited
	Unavailable
	Internal
	CodeNotValid // /v1/convert: the code did not verify
	NoQRCode     // /v1/qr/decode: the image holds no readable code
	BadRule      // /v1/rules: the rule's shape, signature or logic (DESIGN §11)

	// The federation endpoints (DESIGN §7, §13).
	Replayed
	UnknownCode
	UnknownTicket
	LoopDetected
	WrongGateway
	UpstreamUnavailable

	numKinds
)

// Result is the outcome class of a verification (DESIGN §4).
type Result string

// The three verification results.
const (
	Valid      Result = "valid"
	Invalid    Result = "invalid"
	Unverified Result = "unverified"
)

// view is everything a kind means, in one row.
type view struct {
	name    string     // the reason (a verdict kind) or the code (the others)
	result  Result     // a verdict kind's result; "" for the others
	status  int        // HTTP status when the kind answers a request
	code    string     // the stable code of that answer (DESIGN §6)
	level   slog.Level // how loud a log line about it is
	message string     // what a client is told when nothing more precise is
}

// views is the one table: the verdict reasons and the HTTP codes are two
// columns of it. A verdict kind that answers a request (an endorsement
// refused, say) is a bad request unless its row says otherwise.
var views = [numKinds]view{
	None: {"", Valid, http.StatusOK, "", slog.LevelDebug, ""},

	UnrecognizedFormat: {"unrecognized_format", Invalid, http.StatusBadRequest, "bad_request", slog.LevelInfo, "the code is in no format this gateway reads"},
	Malformed:          {"malformed", Invalid, http.StatusBadRequest, "bad_request", slog.LevelInfo, "the code is malformed"},
	BadSignature:       {"bad_signature", Invalid, http.StatusBadRequest, "bad_request", slog.LevelInfo, "the signature does not verify"},
	UnknownIssuer:      {"unknown_issuer", Invalid, http.StatusBadRequest, "bad_request", slog.LevelInfo, "the issuer is not known"},
	UnknownKey:         {"unknown_key", Invalid, http.StatusBadRequest, "bad_request", slog.LevelInfo, "the signing key is not known"},
	RevokedKey:         {"revoked_key", Invalid, http.StatusBadRequest, "bad_request", slog.LevelInfo, "the signing key was revoked"},
	KeyNotValid:        {"key_not_valid", Invalid, http.StatusBadRequest, "bad_request", slog.LevelInfo, "the signing key was not endorsed for that use then"},
	// The one verdict reason that is also a request code: no key may sign
	// for that region (DESIGN §6, /v1/convert).
	ScopeViolation:    {"scope_violation", Invalid, http.StatusUnprocessableEntity, "scope_violation", slog.LevelInfo, "no key of this gateway may sign codes for that region"},
	Expired:           {"expired", Invalid, http.StatusBadRequest, "bad_request", slog.LevelInfo, "the code has expired"},
	NotYetValid:       {"not_yet_valid", Invalid, http.StatusBadRequest, "bad_request", slog.LevelInfo, "the code is not valid yet"},
	IssuerUnavailable: {"issuer_unavailable", Unverified, http.StatusServiceUnavailable, "unavailable", slog.LevelWarn, "the issuer cannot be reached now; retry"},
	StatusUnknown:     {"status_unknown", Unverified, http.StatusNotFound, "not_found", slog.LevelInfo, "the issuer does not know this code"},

	BadRequest:       {"bad_request", "", http.StatusBadRequest, "bad_request", slog.LevelInfo, "the request is not one this endpoint takes"},
	TooLarge:         {"too_large", "", http.StatusRequestEntityTooLarge, "too_large", slog.LevelInfo, "the request is too large"},
	Unauthenticated:  {"unauthenticated", "", http.StatusUnauthorized, "unauthenticated", slog.LevelInfo, "a valid bearer token is required"},
	Forbidden:        {"forbidden", "", http.StatusForbidden, "forbidden", slog.LevelWarn, "this client may not do that"},
	NotFound:         {"not_found", "", http.StatusNotFound, "not_found", slog.LevelInfo, "no such resource"},
	MethodNotAllowed: {"method_not_allowed", "", http.StatusMethodNotAllowed, "method_not_allowed", slog.LevelInfo, "method not allowed on this endpoint"},
	Conflict:         {"conflict", "", http.StatusConflict, "conflict", slog.LevelInfo, "that conflicts with what this gateway holds"},
	RateLimited:      {"rate_limited", "", http.StatusTooManyRequests, "rate_limited", slog.LevelInfo, "too many requests; retry after the indicated delay"},
	Unavailable:      {"unavailable", "", http.StatusServiceUnavailable, "unavailable", slog.LevelWarn, "the gateway cannot answer now; retry"},
	Internal:         {"internal", "", http.StatusInternalServerError, "internal", slog.LevelError, "internal error"},
	CodeNotValid:     {"code_not_valid", "", http.StatusUnprocessableEntity, "code_not_valid", slog.LevelInfo, "only a valid code can be converted; see verdict"},
	NoQRCode:         {"no_qr_code", "", http.StatusUnprocessableEntity, "no_qr_code", slog.LevelInfo, "no QR code could be read in the image"},
	BadRule:          {"bad_rule", "", http.StatusBadRequest, "bad_rule", slog.LevelInfo, "the rule is refused"},

	Replayed:            {"replayed", "", http.StatusConflict, "replayed", slog.LevelWarn, "this request id was seen already"},
	UnknownCode:         {"unknown_code", "", http.StatusNotFound, "unknown_code", slog.LevelInfo, "the issuer does not know this code"},
	UnknownTicket:       {"unknown_ticket", "", http.StatusNotFound, "unknown_ticket", slog.LevelInfo, "no such ticket"},
	LoopDetected:        {"loop_detected", "", http.StatusLoopDetected, "loop_detected", slog.LevelWarn, "too many hops"},
	WrongGateway:        {"wrong_gateway", "", http.StatusMisdirectedRequest, "wrong_gateway", slog.LevelInfo, "this gateway does not answer for that region"},
	UpstreamUnavailable: {"upstream_unavailable", "", http.StatusBadGateway, "upstream_unavailable", slog.LevelWarn, "the region could not be reached"},
}

func (k Kind) view() *view {
	if k >= numKinds {
		return &views[Internal]
	}
	return &views[k]
}

// String is the kind's stable name: its reason when it judges a code,
// its code otherwise.
func (k Kind) String() string { return k.view().name }

// IsVerdict says whether k is a reason of DESIGN §4 (None is not).
func (k Kind) IsVerdict() bool { return k != None && k.view().result != "" }

// Result maps a reason to its result class; None is valid, and a kind
// that is no reason is invalid: an unexplained failure is never a pass.
func (k Kind) Result() Result {
	if r := k.view().result; r != "" {
		return r
	}
	return Invalid
}

// Status is the HTTP status a request failing with k is answered with.
func (k Kind) Status() int { return k.view().status }

// Code is the stable code of the HTTP error envelope (DESIGN §6).
func (k Kind) Code() string { return k.view().code }

// Level is how loud a log line about k is.
func (k Kind) Level() slog.Level { return k.view().level }

// Message is what a client is told of k when nothing more precise is.
func (k Kind) Message() string { return k.view().message }

// MarshalText writes the kind's name (a verdict's "reason").
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a name String wrote.
func (k *Kind) UnmarshalText(b []byte) error {
	got, ok := Parse(string(b))
	if !ok {
		return fmt.Errorf("fault: unknown kind %q", b)
	}
	*k = got
	return nil
}

// Parse finds the kind named s ("" is None).
func Parse(s string) (Kind, bool) {
	for k := range numKinds {
		if views[k].name == s {
			return k, true
		}
	}
	return None, false
}

// Reasons lists every verdict kind, in DESIGN §4's order.
var Reasons = []Kind{UnrecognizedFormat, Malformed, BadSignature, UnknownIssuer, UnknownKey,
	RevokedKey, KeyNotValid, ScopeViolation, Expired, NotYetValid, IssuerUnavailable, StatusUnknown}

// Kinds lists every kind but None.
func Kinds() []Kind {
	out := make([]Kind, 0, numKinds-1)
	for k := None + 1; k < numKinds; k++ {
		out = append(out, k)
	}
	return out
}

// Error is an error of some kind. Message is written for clients (a
// verdict's detail, an error envelope's message): it never holds internal
// text, a full name or an identity number. Cause is for logs only.
type Error struct {
	Kind    Kind
	Message string
	Cause   error
	// of is the sentinel Detail specialised, which errors.Is matches.
	of *Error
}

// Error is the text for logs: the kind, the message and the cause.
func (e *Error) Error() string {
	s := e.Kind.String()
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap gives the cause, so that errors.Is and errors.As see through.
func (e *Error) Unwrap() error { return e.Cause }

// Is matches the sentinel an error was made from by Detail.
func (e *Error) Is(target error) bool { return e.of != nil && target == error(e.of) }

// New is an error of kind k that tells clients msg.
func New(k Kind, msg string) *Error { return &Error{Kind: k, Message: msg} }

// Fail is an error of kind k with a formatted message for clients. Its
// arguments become client text: pass no internal error through them.
func Fail(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Detail is sentinel (a package's exported error, matched with errors.Is)
// told more precisely: its kind, its message followed by the formatted
// detail. The detail is client text, as Fail's.
func Detail(sentinel *Error, format string, args ...any) *Error {
	return &Error{Kind: sentinel.Kind, Message: sentinel.Message + ": " + fmt.Sprintf(format, args...), of: sentinel}
}

// Wrap is an error of kind k that tells clients msg (the kind's own
// message when empty) and keeps cause for logs.
func Wrap(k Kind, cause error, msg string) *Error {
	return &Error{Kind: k, Message: msg, Cause: cause}
}

// KindOf is the kind of the outermost *Error in err's chain: None for
// nil, Internal for an error that has none.
func KindOf(err error) Kind {
	if err == nil {
		return None
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// ReasonOf is err's verdict reason. An error that carries none is
// reported as Malformed: an unexplained failure is never a pass.
func ReasonOf(err error) Kind {
	if err == nil {
		return None
	}
	var e *Error
	if errors.As(err, &e) && e.Kind.IsVerdict() {
		return e.Kind
	}
	return Malformed
}

// Is says whether err's chain holds an *Error of kind k.
func Is(err error, k Kind) bool {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return false
		}
		if e.Kind == k {
			return true
		}
		err = e.Cause
	}
	return false
}

// MessageOf is what a client may be told of err: the outermost *Error's
// message, or its kind's; an error of no kind tells only Internal's.
func MessageOf(err error) string {
	var e *Error
	if !errors.As(err, &e) {
		return Internal.Message()
	}
	if e.Message != "" {
		return e.Message
	}
	return e.Kind.Message()
}
