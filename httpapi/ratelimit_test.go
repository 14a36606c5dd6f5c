package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/hcgw/hcgw/httpapi"
)

// TestRateLimitRefillsOnItsClock: a client's bucket (1 a second, burst 2)
// refills as its clock moves, not before; a fake clock steps it.
func TestRateLimitRefillsOnItsClock(t *testing.T) {
	clock := clockwork.NewFakeClock()
	h := httpapi.New(httpapi.Deps{RateLimit: httpapi.RateLimit{Rate: 1, Burst: 2}, Clock: clock.Now})
	steps := []struct {
		advance    time.Duration
		want       int
		retryAfter string
	}{
		{0, http.StatusNotFound, ""}, // allowed: no such endpoint
		{0, http.StatusNotFound, ""},
		{0, http.StatusTooManyRequests, "1"}, // the burst is spent
		{999 * time.Millisecond, http.StatusTooManyRequests, "1"},
		{time.Millisecond, http.StatusNotFound, ""}, // one token a second
		{0, http.StatusTooManyRequests, "1"},
		{10 * time.Second, http.StatusNotFound, ""}, // full again, no more than the burst
		{0, http.StatusNotFound, ""},
		{0, http.StatusTooManyRequests, "1"},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		req := httptest.NewRequest(http.MethodGet, "/v1/nothing-here", nil)
		req.RemoteAddr = "192.0.2.7:4000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != s.want || rec.Header().Get("Retry-After") != s.retryAfter {
			t.Fatalf("step %d (+%v): %d, Retry-After %q; want %d, %q", i, s.advance, rec.Code, rec.Header().Get("Retry-After"), s.want, s.retryAfter)
		}
	}
}
