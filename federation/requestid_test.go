package federation_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcgw/hcgw/federation"
)

// The request id of the verification being served travels with the status
// call, so the issuer's log line and the asker's share it.
func TestRequestIDTravelsToThePeer(t *testing.T) {
	n := newNation(t, shR, zjR)
	var seen atomic.Value
	resp := serveResponder(n.responder(zjR, anyCode(time.Now, time.Minute, 0, nil), time.Now))
	zj := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("X-Request-Id"))
		resp(w, r)
	}))
	c := n.client(shR, map[string]string{zjR: zj.URL}, nil)
	ctx := federation.WithRequestID(context.Background(), "trace-0123")
	if _, _, err := c.Status(ctx, zjR, "code-1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := seen.Load().(string); got != "trace-0123" {
		t.Fatalf("the peer saw request id %q", got)
	}
}
