package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Stable error codes of DESIGN §6 (plus conflict and method_not_allowed).
const (
	CodeBadRequest       = "bad_request"
	CodeTooLarge         = "too_large"
	CodeUnauthenticated  = "unauthenticated"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeRateLimited      = "rate_limited"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
	// /v1/convert refusals (422): the code did not verify, or this
	// gateway's keys may not sign for its region.
	CodeCodeNotValid = "code_not_valid"
	CodeOutOfScope   = "scope_violation"
	// /v1/qr/decode: the image holds no readable QR code (422).
	CodeNoQRCode = "no_qr_code"
	// /v1/rules: the rule's shape or logic is refused (400, DESIGN §11).
	CodeBadRule = "bad_rule"
)

var statusOf = map[string]int{
	CodeBadRequest:       http.StatusBadRequest,
	CodeTooLarge:         http.StatusRequestEntityTooLarge,
	CodeUnauthenticated:  http.StatusUnauthorized,
	CodeForbidden:        http.StatusForbidden,
	CodeNotFound:         http.StatusNotFound,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeConflict:         http.StatusConflict,
	CodeRateLimited:      http.StatusTooManyRequests,
	CodeUnavailable:      http.StatusServiceUnavailable,
	CodeInternal:         http.StatusInternalServerError,
	CodeCodeNotValid:     http.StatusUnprocessableEntity,
	CodeOutOfScope:       http.StatusUnprocessableEntity,
	CodeNoQRCode:         http.StatusUnprocessableEntity,
	CodeBadRule:          http.StatusBadRequest,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// renderError writes the error envelope and stops the chain. message must
// not carry internal error text or any holder data.
func renderError(c *gin.Context, code, message string) {
	st, ok := statusOf[code]
	if !ok {
		st, code = http.StatusInternalServerError, CodeInternal
	}
	if code == CodeUnavailable {
		c.Header("Retry-After", "1")
	}
	if code == CodeUnauthenticated {
		c.Header("WWW-Authenticate", `Bearer realm="hcgw"`)
	}
	c.AbortWithStatusJSON(st, errorBody{Error: errorDetail{Code: code, Message: message}})
}
