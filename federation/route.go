package federation

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"

	"github.com/sony/gobreaker/v2"
)

// route is one destination region reached through a relaying peer (the
// hub): its own breaker and slots, so that a region the hub cannot reach,
// or that answers slowly, fails alone and never takes the hub (and every
// other region behind it) down (issue 16).
type route struct {
	breaker *gobreaker.CircuitBreaker[any]
	slots   chan struct{}
}

// maxRoutes bounds the routes a client keeps: regions are a few dozen; past
// the bound, further regions share one route.
const maxRoutes = 256

const otherRegions = "other"

// regionError is a failure of the region behind a relaying peer: the hub's
// 502 upstream_unavailable for it, a timeout waiting for its answer, or an
// answer of its that fails its checks (end-to-end signed, the hub cannot
// have made it). It counts against that region's breaker only.
type regionError struct{ err error }

func (e *regionError) Error() string { return e.err.Error() }
func (e *regionError) Unwrap() error { return e.err }

// errRouteRefused: the region's route refused the call (its breaker open,
// or its slots full); the hub was not asked.
var errRouteRefused = errors.New("refused before the relaying peer was asked")

// errRegionOpen: the region's breaker is open.
var errRegionOpen = fmt.Errorf("%w: region's circuit open", errRouteRefused)

// errHub marks a failure of the relaying peer itself (it could not be
// reached, or answered other than for the region); the region's breaker
// leaves it to the hub's.
var errHub = errors.New("relaying peer failed")

// routeFor returns the route to region through the hub, made on first use.
func (c *Client) routeFor(region string) *route {
	c.rmu.RLock()
	r := c.routes[region]
	c.rmu.RUnlock()
	if r != nil {
		return r
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if r := c.routes[region]; r != nil {
		return r
	}
	name := region
	if len(c.routes) >= maxRoutes {
		name = otherRegions
		if r := c.routes[name]; r != nil {
			return r
		}
	}
	r = &route{slots: make(chan struct{}, c.o.MaxInFlight),
		breaker: c.newBreaker("route", name, func(err error) bool {
			return errors.Is(err, errBusy) || errors.Is(err, errHub)
		}, func(error) bool { return false })}
	c.routes[name] = r
	return r
}

// RelayedRegions lists the regions this client has asked through the hub, sorted.
func (c *Client) RelayedRegions() []string {
	c.rmu.RLock()
	defer c.rmu.RUnlock()
	return slices.Sorted(maps.Keys(c.routes))
}

// RouteBreakerState reports the breaker of region's route through the hub
// ("closed", "open", "half-open"), or "" when it has none.
func (c *Client) RouteBreakerState(region string) string {
	c.rmu.RLock()
	r := c.routes[region]
	c.rmu.RUnlock()
	if r == nil {
		return ""
	}
	return r.breaker.State().String()
}

// isTimeout reports a call cut by its deadline or a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, errDeadline) || errors.As(err, &ne) && ne.Timeout()
}

// through wraps a call relayed by the hub to org in org's own route: one of
// its slots (none free: refused at once) and its breaker, so that an org
// the hub cannot reach fails alone.
func (rt *route) through(org string, once func() (any, error)) func() (any, error) {
	return func() (any, error) {
		select {
		case rt.slots <- struct{}{}:
			defer func() { <-rt.slots }()
		default:
			return nil, fmt.Errorf("region %s: %w: %w", org, errRouteRefused, errBusy)
		}
		out, err := rt.breaker.Execute(once)
		if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
			err = fmt.Errorf("region %s: %w: %w", org, errRegionOpen, err)
		}
		return out, err
	}
}
