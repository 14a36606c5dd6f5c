package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
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
		"request_id", requestID(c), "error", mapping.MaskIdentityNumbers(err.Error()))
}
