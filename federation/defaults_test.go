package federation_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/trust"
)

// TestNewClientRefusesUnsetBounds: the federation has no defaults of its
// own (config.Default holds them); a client left without a deadline or a
// breaker that can open is refused with the key to set, never built.
func TestNewClientRefusesUnsetBounds(t *testing.T) {
	n := newNation(t, shR, zjR)
	d := config.Default()
	good := func() federation.Options {
		return federation.Options{Region: shR, Peers: map[string]string{zjR: "http://127.0.0.1:1"}, Trust: n.reg,
			Signers: []trust.Signer{n.keys[shR]}, Deadline: d.Verify.Deadline, Retries: d.Federation.Retries,
			BreakerFailures: uint32(d.Federation.BreakerFailures), BreakerOpen: d.Federation.BreakerOpen, Logger: quiet()}
	}
	for name, tc := range map[string]struct {
		mod  func(*federation.Options)
		want string // in the error; "" : built
	}{
		"the configured bounds":          {func(*federation.Options) {}, ""},
		"no retry":                       {func(o *federation.Options) { o.Retries = 0 }, ""},
		"no deadline":                    {func(o *federation.Options) { o.Deadline = 0 }, "verify.deadline"},
		"a negative deadline":            {func(o *federation.Options) { o.Deadline = -time.Second }, "verify.deadline"},
		"negative retries":               {func(o *federation.Options) { o.Retries = -1 }, "federation.retries"},
		"no failure count for a breaker": {func(o *federation.Options) { o.BreakerFailures = 0 }, "federation.breaker_failures"},
		"no open time for a breaker":     {func(o *federation.Options) { o.BreakerOpen = 0 }, "federation.breaker_open"},
	} {
		t.Run(name, func(t *testing.T) {
			o := good()
			tc.mod(&o)
			c, err := federation.NewClient(o)
			switch {
			case tc.want == "" && (err != nil || c == nil):
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || c != nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("client %v, err %v; want an error naming %s", c, err, tc.want)
			}
		})
	}
}

// TestRespondersRefuseNoHops: a responder left without MaxHops would
// refuse every request; Init says so instead.
func TestRespondersRefuseNoHops(t *testing.T) {
	n := newNation(t, zjR)
	for name, init := range map[string]func() error{
		"status":      (&federation.Responder{Region: zjR, Trust: n.reg, Logger: quiet()}).Init,
		"corrections": (&federation.CorrectionResponder{Region: zjR, Trust: n.reg, Logger: quiet()}).Init,
	} {
		t.Run(name, func(t *testing.T) {
			if err := init(); err == nil || !strings.Contains(err.Error(), "federation.max_hops") {
				t.Fatalf("Init: %v; want an error naming federation.max_hops", err)
			}
		})
	}
}

// TestPullerWithNoIntervalPullsOnce: Run with no interval pulls the list
// once and returns (on the old code it pulled every minute until its
// context ended, so this test hung).
func TestPullerWithNoIntervalPullsOnce(t *testing.T) {
	n := newNation(t, zjR)
	var pulls atomic.Int64
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		pulls.Add(1)
		body, etag := n.reg.Snapshot().TrustList()
		w.Header().Set("ETag", etag)
		_, _ = w.Write(body)
	}))
	p := &federation.Puller{URL: srv.URL, Registry: n.reg, Client: srv.Client(), Logger: quiet()}
	p.Run(t.Context())
	if got := pulls.Load(); got != 1 {
		t.Fatalf("%d pulls, want 1", got)
	}
}
