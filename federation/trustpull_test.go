package federation_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/hcgw/hcgw/federation"
)

// TestPullerRunsEveryInterval: Run pulls at once, then once each Interval
// on its clock, not before; a fake clock steps it.
func TestPullerRunsEveryInterval(t *testing.T) {
	pulls := make(chan struct{}, 4)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pulls <- struct{}{}
		w.WriteHeader(http.StatusNotModified) // nothing new: no registry needed
	}))
	clock := clockwork.NewFakeClock()
	const every = time.Minute
	p := &federation.Puller{URL: srv.URL, Interval: every, Client: srv.Client(), Clock: clock}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { p.Run(ctx); close(ran) }()
	t.Cleanup(func() { cancel(); <-ran })

	pulled := func(what string) {
		t.Helper()
		select {
		case <-pulls:
		case <-time.After(10 * time.Second): // turns a hang into a failure
			t.Fatalf("no pull %s", what)
		}
	}
	quiet := func(what string) {
		t.Helper()
		select { // a moment for a wrong pull to show (can only miss a bug)
		case <-pulls:
			t.Fatalf("a pull %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
	pulled("at start")
	for range 3 {
		waitCtx, stop := context.WithTimeout(ctx, 10*time.Second)
		err := clock.BlockUntilContext(waitCtx, 1) // the ticker
		stop()
		if err != nil {
			t.Fatalf("Run set no ticker on its clock: %v", err)
		}
		clock.Advance(every - time.Second)
		quiet("before the interval ended")
		clock.Advance(time.Second)
		pulled("once the interval ended")
	}
}
