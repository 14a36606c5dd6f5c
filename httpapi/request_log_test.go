package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// TestRequestLogLine: at info, a request logs one line naming its method,
// route, status, duration, client and request id, the id the answer
// carries in X-Request-Id.
func TestRequestLogLine(t *testing.T) {
	f := newFixture(t)
	code, err := nic.Encode(f.zjKey, testkit.Claims(zj, mapping.Green))
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	ads, _ := adapters.NewRegistry(nic.New())
	v := &verify.Verifier{Adapters: ads, Trust: f.reg, Clock: testkit.Clock, Skew: trust.DefaultSkew, Region: sh, Recorder: f.recs}
	vc, _ := httpapi.NewClient("gate-1", httpapi.RoleVerifier, hash(verifierToken))
	h := httpapi.New(httpapi.Deps{Verifier: v, Trust: f.reg, Records: f.recs, Events: f.events, Clients: []httpapi.Client{vc},
		Ready:  func(context.Context) []string { return nil },
		Logger: slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	req := httptest.NewRequest("POST", "/v1/verify", strings.NewReader(`{"code":"`+code+`","checkpoint":"SH-HQ-01","scene":"rail"}`))
	req.Header.Set("Authorization", "Bearer "+verifierToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d request lines, want 1:\n%s", len(lines), logBuf.String())
	}
	l := lines[0]
	want := map[string]any{"level": "INFO", "method": "POST", "path": "/v1/verify", "status": float64(200),
		"client": "gate-1", "request_id": rec.Header().Get("X-Request-Id")}
	for k, w := range want {
		if l[k] != w {
			t.Errorf("%s = %v (%T), want %v", k, l[k], l[k], w)
		}
	}
	if d, ok := l["duration_us"].(float64); !ok || d < 0 {
		t.Errorf("duration_us = %v, want a number ≥ 0", l["duration_us"])
	}
	if rec.Header().Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id on the answer")
	}
}
