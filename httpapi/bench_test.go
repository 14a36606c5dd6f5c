package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// discard is a ResponseWriter that keeps the status and drops the body.
type discard struct {
	h      http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = 200
	}
	d.n += len(b)
	return len(b), nil
}
func (d *discard) WriteHeader(s int) { d.status = s }

// BenchmarkVerifyHandler is POST /v1/verify through the handler alone (the
// middleware chain, the token check, the body's reading, verification and
// the verdict's JSON), without net/http's connection or a database: the
// API layer's own cost beside verify's BenchmarkVerify.
func BenchmarkVerifyHandler(b *testing.B) { benchVerifyHandler(b, slog.LevelError, false) }

// BenchmarkVerifyHandlerInfoLog is BenchmarkVerifyHandler with the
// production default, log.level info: one line per request.
func BenchmarkVerifyHandlerInfoLog(b *testing.B) { benchVerifyHandler(b, slog.LevelInfo, false) }

// BenchmarkVerifyHandlerGatewayBounds is BenchmarkVerifyHandler with the
// bounds the gateway sets (internal/gateway): a batch deadline (the
// configuration's default), the record's wait left to the audit writer
// (RecordTimeout -1), a recorder that watches the context as audit.Writer
// does, and a context of each request's own that is cancelled when it
// is answered, as net/http's is.
func BenchmarkVerifyHandlerGatewayBounds(b *testing.B) { benchVerifyHandler(b, slog.LevelError, true) }

func benchVerifyHandler(b *testing.B, level slog.Level, gatewayBounds bool) {
	f := newFixture(b)
	code, err := nic.Encode(f.zjKey, testkit.Claims(zj, mapping.Green))
	if err != nil {
		b.Fatal(err)
	}
	// The fixture's handler with a log at level: at error, the log of
	// `hcgw bench`'s gateway, no line per request.
	ads, _ := adapters.NewRegistry(nic.New())
	v := &verify.Verifier{Adapters: ads, Trust: f.reg, Clock: testkit.Clock, Skew: trust.DefaultSkew, Region: sh, Recorder: f.recs}
	ctx := context.Background()
	if gatewayBounds {
		v.BatchDeadline, v.RecordTimeout, v.Recorder = 5*time.Second, -1, watchingRecords{f.recs}
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx) // the connection's
		defer cancel()
	}
	vc, _ := httpapi.NewClient("gate-1", httpapi.RoleVerifier, hash(verifierToken))
	h := httpapi.New(httpapi.Deps{Verifier: v, Trust: f.reg, Records: f.recs, Events: f.events, Clients: []httpapi.Client{vc},
		Ready:  func(context.Context) []string { return nil },
		Logger: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: level}))})
	body := `{"code":"` + code + `","checkpoint":"SH-HQ-01","scene":"rail"}`
	req, _ := http.NewRequestWithContext(ctx, "POST", "/v1/verify", nil)
	req.Header.Set("Authorization", "Bearer "+verifierToken)
	req.Header.Set("Content-Type", "application/json")
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if gatewayBounds {
			rctx, cancel = context.WithCancel(ctx)
		}
		r := req.Clone(rctx)
		r.Body = noClose{strings.NewReader(body)}
		r.ContentLength = int64(len(body))
		clear(w.h)
		w.status, w.n = 0, 0
		h.ServeHTTP(w, r)
		cancel()
		if w.status != 200 || w.n == 0 {
			b.Fatalf("status %d, %d bytes", w.status, w.n)
		}
		clear(f.recs.recs)
	}
}

// watchingRecords is memRecords watching the context while it writes, as
// audit.Writer does while it waits for the commit.
type watchingRecords struct{ *memRecords }

func (w watchingRecords) Write(ctx context.Context, recs ...audit.Record) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	default:
		return w.memRecords.Write(ctx, recs...)
	}
}

type noClose struct{ *strings.Reader }

func (noClose) Close() error { return nil }
