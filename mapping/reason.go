package mapping

import (
	"errors"
	"fmt"
)

// Result is the outcome class of a verification.
type Result string

// The three verification results of DESIGN §4.
const (
	Valid      Result = "valid"
	Invalid    Result = "invalid"
	Unverified Result = "unverified"
)

// Reason is the stable code explaining a non-valid result. It is the one error
// vocabulary shared by adapters, trust, federation, records and the HTTP API.
type Reason string

// The reasons of DESIGN §4. The zero value means "no problem".
const (
	ReasonNone         Reason = ""
	UnrecognizedFormat Reason = "unrecognized_format"
	Malformed          Reason = "malformed"
	BadSignature       Reason = "bad_signature"
	UnknownIssuer      Reason = "unknown_issuer"
	UnknownKey         Reason = "unknown_key"
	RevokedKey         Reason = "revoked_key"
	KeyNotValid        Reason = "key_not_valid"
	ScopeViolation     Reason = "scope_violation"
	Expired            Reason = "expired"
	NotYetValid        Reason = "not_yet_valid"
	IssuerUnavailable  Reason = "issuer_unavailable"
	StatusUnknown      Reason = "status_unknown"
)

// Reasons lists every non-empty reason.
var Reasons = []Reason{UnrecognizedFormat, Malformed, BadSignature, UnknownIssuer, UnknownKey,
	RevokedKey, KeyNotValid, ScopeViolation, Expired, NotYetValid, IssuerUnavailable, StatusUnknown}

// Result maps a reason to its result class.
func (r Reason) Result() Result {
	switch r {
	case ReasonNone:
		return Valid
	case IssuerUnavailable, StatusUnknown:
		return Unverified
	}
	return Invalid
}

// Problem is an error carrying a stable Reason and a detail for humans. The
// detail must never contain a full name or identity number.
type Problem struct {
	Reason Reason
	Detail string
}

func (p *Problem) Error() string {
	if p.Detail == "" {
		return string(p.Reason)
	}
	return string(p.Reason) + ": " + p.Detail
}

// Fail builds a Problem with a formatted detail.
func Fail(r Reason, format string, args ...any) *Problem {
	return &Problem{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf extracts the Reason of err. An error that carries none is
// reported as Malformed: an unexplained failure is never a pass.
func ReasonOf(err error) Reason {
	if err == nil {
		return ReasonNone
	}
	var p *Problem
	if errors.As(err, &p) && p.Reason != ReasonNone {
		return p.Reason
	}
	return Malformed
}

// String returns the reason's stable code.
func (r Reason) String() string { return string(r) }
