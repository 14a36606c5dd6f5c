package gateway

import (
	"time"

	"github.com/hcgw/hcgw/internal/metrics"
	"github.com/hcgw/hcgw/trust"
)

// newMetrics is the Prometheus registry of g. Its gauges read g's parts
// when scraped, so it is built before them (the audit writer and the
// verifier report into it) and sees each part once it exists.
func (g *Gateway) newMetrics() *metrics.Metrics {
	return metrics.New(metrics.Sources{
		QueueDepth: func() int { return g.Audit.QueueDepth() },
		Breakers: func() map[string]string {
			out := map[string]string{}
			if g.Peers != nil {
				for _, p := range g.Peers.Peers() {
					out[p] = g.Peers.BreakerState(p)
				}
			}
			return out
		},
		RouteBreakers: func() map[string]string {
			out := map[string]string{}
			if g.Peers != nil {
				for _, r := range g.Peers.RelayedRegions() {
					out[r] = g.Peers.RouteBreakerState(r)
				}
			}
			return out
		},
		CacheStats: func() (int64, int64) {
			if g.Peers == nil {
				return 0, 0
			}
			return g.Peers.CacheStats()
		},
		KeyTables: trust.KeyTables,
		NearestLapse: func() (time.Duration, bool) {
			now := g.clock()
			exp := g.Trust.Snapshot().Expiring(now, 100*365*24*time.Hour)
			if len(exp) == 0 {
				return 0, false
			}
			return exp[0].Left(now), true
		},
	})
}
