package httpapi

import (
	"math"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/hcgw/hcgw/fault"
)

// RateLimit is each client's token bucket: Rate requests per second
// sustained, Burst at once. Zero Rate: no limit.
type RateLimit struct {
	Rate  int
	Burst int
}

// maxBuckets bounds the per-address buckets kept for callers without a
// token (peers, the public endpoints): past it the oldest half is dropped,
// which can only be generous, never unbounded.
const maxBuckets = 100_000

type rateLimiter struct {
	limit   rate.Limit
	burst   int
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newRateLimiter(rl RateLimit) *rateLimiter {
	if rl.Rate <= 0 {
		return nil
	}
	burst := rl.Burst
	if burst <= 0 {
		burst = 2 * rl.Rate
	}
	return &rateLimiter{limit: rate.Limit(rl.Rate), burst: burst, buckets: map[string]*bucket{}}
}

// allow takes one token from key's bucket; when there is none it says how
// long until there is.
func (r *rateLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	r.mu.Lock()
	b := r.buckets[key]
	if b == nil {
		if len(r.buckets) >= maxBuckets {
			r.evict(now)
		}
		b = &bucket{l: rate.NewLimiter(r.limit, r.burst)}
		r.buckets[key] = b
	}
	b.seen = now
	r.mu.Unlock()
	res := b.l.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// evict drops the buckets not seen for the longest time. Callers hold mu.
func (r *rateLimiter) evict(now time.Time) {
	cut := now.Add(-time.Minute)
	for k, b := range r.buckets {
		if b.seen.Before(cut) || len(r.buckets) > maxBuckets/2 {
			delete(r.buckets, k)
		}
	}
}

// limit is the rate-limit middleware: by client name when the request
// carries a known token, else by remote address. Health and metrics
// endpoints are not limited (probes must always get through).
func (a *api) limit(c *gin.Context) {
	if a.rl == nil {
		return
	}
	switch c.Request.URL.Path {
	case "/healthz", "/readyz", "/metrics":
		return
	}
	key := "addr:" + remoteHost(c.Request.RemoteAddr)
	if cl, ok := a.auth.identify(header(c.Request.Header, authorizationHeader)); ok {
		key = "client:" + cl.Name
	}
	if ok, wait := a.rl.allow(key, a.Clock()); !ok {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		renderError(c, fault.RateLimited, "too many requests from this client; retry after the indicated delay")
	}
}

func remoteHost(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
