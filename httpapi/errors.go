package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/fault"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// renderError writes the error envelope of kind k (its status and code are
// the kind's, DESIGN §6) and stops the chain. message is written for
// clients: never internal error text, never holder data.
func renderError(c *gin.Context, k fault.Kind, message string) {
	st := k.Status()
	if st < 400 { // no kind, or no fault: a bug, said as one
		k = fault.Internal
		st = k.Status()
	}
	if message == "" {
		message = k.Message()
	}
	if st == http.StatusServiceUnavailable {
		c.Header("Retry-After", "1")
	}
	if k == fault.Unauthenticated {
		c.Header("WWW-Authenticate", `Bearer realm="hcgw"`)
	}
	c.AbortWithStatusJSON(st, errorBody{Error: errorDetail{Code: k.Code(), Message: message}})
}

// fail answers err: its kind's status and code, its message for clients.
// The internal text (the causes) goes to the log only, at the kind's
// level, with any identity number in it masked.
func (a *api) fail(c *gin.Context, err error) {
	k := fault.KindOf(err)
	a.logFault(c, k, err)
	renderError(c, k, fault.MessageOf(err))
}

// logFault logs err, the whole of its internal text, at k's level.
func (a *api) logFault(c *gin.Context, k fault.Kind, err error) {
	if a.Logger == nil || !a.Logger.Enabled(context.Background(), k.Level()) {
		return
	}
	a.Logger.Log(c.Request.Context(), k.Level(), "request refused", "code", k.Code(), "path", c.FullPath(),
		"request_id", c.GetString(requestIDKey), "error", maskDigits(err.Error()))
}

// maskDigits hides every run of 15 or more identity-number characters
// (digits, X) in s: a cause may quote a value it was given, and a log
// must never hold an identity number.
func maskDigits(s string) string {
	var out []byte
	run := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == 'X' || s[i] == 'x') {
			run++
			continue
		}
		if run >= 15 {
			if out == nil {
				out = []byte(s)
			}
			for j := i - run; j < i; j++ {
				out[j] = '*'
			}
		}
		run = 0
	}
	if out == nil {
		return s
	}
	return string(out)
}
