package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// TestRequestLogPerRequest: the keys a request sets (its client) and its
// id are its own: a request after an authenticated one logs no client, and
// a refusal's log line carries the id of its own answer.
func TestRequestLogPerRequest(t *testing.T) {
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
	body := `{"code":"` + code + `","checkpoint":"SH-HQ-01","scene":"rail"}`
	steps := []struct {
		name, method, path, token string
		sentID, wantID            string // the client's X-Request-Id, and the answer's ("": a new one)
		recErr                    error
		status                    int
		client                    string
		refused                   bool // a "request refused" line with the answer's id
	}{
		{"verify", "POST", "/v1/verify", verifierToken, "", "", nil, 200, "gate-1", false},
		{"health after verify", "GET", "/healthz", "", "", "", nil, 200, "", false},
		{"the client's id", "POST", "/v1/verify", verifierToken, "gate-1_req-42", "gate-1_req-42", nil, 200, "gate-1", false},
		{"an id that is not one", "GET", "/healthz", "", "two words", "", nil, 200, "", false},
		{"no token", "POST", "/v1/verify", "", "", "", nil, 401, "", false},
		{"records down", "POST", "/v1/verify", verifierToken, "", "", errors.New("database gone"), 503, "gate-1", true},
		{"health after refusal", "GET", "/healthz", "", "", "", nil, 200, "", false},
	}
	for _, s := range steps {
		logBuf.Reset()
		f.recs.err = s.recErr
		req := httptest.NewRequest(s.method, s.path, strings.NewReader(body))
		if s.token != "" {
			req.Header.Set("authorization", "Bearer "+s.token)
		}
		if s.sentID != "" {
			req.Header.Set("x-request-id", s.sentID)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != s.status {
			t.Fatalf("%s: status %d, want %d: %s", s.name, rec.Code, s.status, rec.Body)
		}
		id := rec.Header().Get("X-Request-Id")
		if ids := rec.Header().Values("X-Request-Id"); len(ids) != 1 || s.wantID != "" && id != s.wantID || s.wantID == "" && (len(id) != 16 || id == s.sentID) {
			t.Errorf("%s: X-Request-Id %q, want %q (empty: a new one)", s.name, ids, s.wantID)
		}
		var request, refused int
		for _, l := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("%s: log line %q: %v", s.name, l, err)
			}
			switch m["msg"] {
			case "request":
				request++
				if m["client"] != s.client || m["request_id"] != id {
					t.Errorf("%s: request line client %v, id %v; want %q, %q", s.name, m["client"], m["request_id"], s.client, id)
				}
			case "request refused":
				refused++
				if m["request_id"] != id {
					t.Errorf("%s: refusal's request_id %v, want the answer's %q", s.name, m["request_id"], id)
				}
			}
		}
		if request != 1 || (refused == 1) != s.refused {
			t.Errorf("%s: %d request lines, %d refusals:\n%s", s.name, request, refused, logBuf.String())
		}
	}
}
