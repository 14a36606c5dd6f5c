package gateway

import (
	"context"
	"time"

	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/mapping"
)

// peerCall is the federation client's OnCall hook: every status call to a
// peer goes to the Prometheus histogram and to the per-peer ring the
// operator overview reads.
func (g *Gateway) peerCall(peer string, took time.Duration, outcome string) {
	g.Metrics.PeerCall(peer, took, outcome)
	g.PeerStats.Record(peer, took, outcome)
}

// routeCall is the federation client's OnRoute hook: a call to a region
// through the hub, kept per destination beside the hub's own.
func (g *Gateway) routeCall(peer, region string, took time.Duration, outcome string) {
	g.Metrics.RouteCall(peer, region, took, outcome)
	g.PeerStats.Record(routeKey(peer, region), took, outcome)
}

// routeKey names a route's ring in PeerStats.
func routeKey(peer, region string) string { return peer + ">" + region }

// opsSource is httpapi.Ops for a running gateway: its region and clock,
// its peers as the federation client and PeerStats see them, and the
// verdict counts of its database.
type opsSource struct{ g *Gateway }

var _ httpapi.Ops = opsSource{}

func (o opsSource) Region() string { return o.g.Config.Region }

func (o opsSource) Now() time.Time { return o.g.clock() }

func (o opsSource) Peers() []httpapi.OpsPeer {
	if o.g.Peers == nil {
		return nil
	}
	urls := make(map[string]string, len(o.g.Config.Peers))
	for _, p := range o.g.Config.Peers {
		urls[p.Region] = p.URL
	}
	var out []httpapi.OpsPeer
	for _, region := range o.g.Peers.Peers() {
		s := o.g.PeerStats.Recent(region, federation.RecentWindow)
		out = append(out, httpapi.OpsPeer{Region: region, URL: urls[region], Breaker: o.g.Peers.BreakerState(region),
			Calls: s.Calls, Errors: s.Errors, Timed: s.Timed, P50: s.P50, P95: s.P95})
	}
	// Each region reached through the hub, with its own breaker and calls.
	for _, region := range o.g.Peers.RelayedRegions() {
		if !mapping.ValidRegion(region) {
			continue // the regions beyond the routes' bound, sharing one
		}
		s := o.g.PeerStats.Recent(routeKey(mapping.NationalRegion, region), federation.RecentWindow)
		out = append(out, httpapi.OpsPeer{Region: region, Via: mapping.NationalRegion, Breaker: o.g.Peers.RouteBreakerState(region),
			Calls: s.Calls, Errors: s.Errors, Timed: s.Timed, P50: s.P50, P95: s.P95})
	}
	return out
}

func (o opsSource) VerdictCounts(ctx context.Context, since time.Time) ([]httpapi.OpsVerdictCount, error) {
	rows, err := o.g.DB.VerdictCounts(ctx, since)
	if err != nil {
		return nil, err
	}
	out := make([]httpapi.OpsVerdictCount, len(rows))
	for i, r := range rows {
		out[i] = httpapi.OpsVerdictCount{Result: r.Result, Reason: r.Reason, Count: r.Count}
	}
	return out, nil
}
