package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/issuing"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

// The planted cause: what a database, a peer or a library might say. No
// byte of it may reach a client, and its identity number may not reach
// the log either.
const (
	plantedMark = "PLANTED-CAUSE-7f3a"
	plantedIP   = "10.9.8.7"
	plantedID   = "330102199001011234"
	planted     = plantedMark + ": dial tcp " + plantedIP + ":3306: refused, row of " + plantedID
)

var errPlanted = errors.New(planted)

// failing is every dependency, each failing with the planted cause (or
// with fail's error, when set); writeOK spares the record writer.
type failing struct {
	fail    func() error
	writeOK bool
}

func (f failing) err() error {
	if f.fail != nil {
		return f.fail()
	}
	return errPlanted
}

func (f failing) Write(context.Context, ...audit.Record) error {
	if f.writeOK {
		return nil
	}
	return f.err()
}

func (f failing) Record(context.Context, string) (*audit.Record, error) { return nil, f.err() }
func (f failing) SaveTrust(context.Context, trust.Entry) error          { return f.err() }
func (f failing) LoadTrust(context.Context) ([]trust.Entry, error)      { return nil, nil }
func (f failing) SetCode(context.Context, string, mapping.Status, string, string, *mapping.Itinerary, time.Duration) error {
	return f.err()
}
func (f failing) File(context.Context, httpapi.CorrectionFiling) (httpapi.CorrectionTicket, error) {
	return httpapi.CorrectionTicket{}, f.err()
}
func (f failing) Ticket(context.Context, string) (httpapi.CorrectionTicket, error) {
	return httpapi.CorrectionTicket{}, f.err()
}
func (f failing) List(context.Context, string, string) ([]httpapi.CorrectionTicket, error) {
	return nil, f.err()
}
func (f failing) Resolve(context.Context, string, httpapi.CorrectionResolution) (httpapi.CorrectionTicket, error) {
	return httpapi.CorrectionTicket{}, f.err()
}

// peerDown is an issuer's platform that fails with the planted cause.
type peerDown struct{}

func (peerDown) Status(context.Context, string, string) (mapping.LiveStatus, bool, error) {
	return mapping.LiveStatus{}, true, errPlanted
}

// syncBuffer is a log shared by the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// leakServer is a gateway whose every dependency fails with fail's error
// (the planted cause when nil), logging into log.
func leakServer(t *testing.T, deps failing, log *syncBuffer) (*httptest.Server, *testkit.Root, *testkit.TestKey) {
	t.Helper()
	root, zjKey, own := testkit.NewRoot(t), testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA)
	reg := trust.NewRegistry(root.Anchors(), deps)
	ads, _ := adapters.NewRegistry(nic.New())
	// The endorsements are loaded as a snapshot would be (the store is
	// down for writes only).
	mem := testkit.Registry(t, root, root.Endorse(zjKey, zj, testkit.Spec{}), root.Endorse(own, sh, testkit.Spec{}))
	v := &verify.Verifier{Adapters: ads, Trust: mem, Clock: testkit.Clock, Skew: trust.DefaultSkew, Region: sh,
		Recorder: deps, Online: peerDown{}}
	vc, _ := httpapi.NewClient("gate-1", httpapi.RoleVerifier, hash(verifierToken))
	ac, _ := httpapi.NewClient("ops", httpapi.RoleAdmin, hash(adminToken))
	logger := slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	peers := &federation.Responder{Region: sh, Trust: reg, Logger: logger, MaxHops: 3}
	if err := peers.Init(); err != nil {
		t.Fatal(err)
	}
	h := httpapi.New(httpapi.Deps{Verifier: v, Trust: reg, Signers: []trust.Signer{own},
		Issuer:  &issuing.Issuer{Region: sh, Trust: reg, Clock: testkit.Clock}, // no signer in force
		Records: deps, Clients: []httpapi.Client{vc, ac}, Platform: deps, Corrections: deps,
		Federation: peers, Logger: logger})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, root, zjKey
}

// TestNoErrorPathLeaksInternalText walks the API's error paths with every
// dependency failing with a planted cause: each answers its documented
// status and code, no body holds any of the cause, and the log holds the
// cause without its identity number.
func TestNoErrorPathLeaksInternalText(t *testing.T) {
	big := `{"code":"` + strings.Repeat("A", 70<<10) + `"}`
	// A refusal of the kind the model gives (a masking error), wrapping
	// the planted cause.
	_, modelErr := mapping.NewHolder("", "")
	if modelErr == nil {
		t.Fatal("an empty holder was accepted")
	}
	wrapped := func(sentinel error) func() error {
		return func() error { return fmt.Errorf("%w: %s", sentinel, planted) }
	}
	type path struct {
		method, path, token, body string
		hdr                       []string
		fail                      func() error
		writeOK                   bool
		logged                    bool // the planted cause reaches the log
		status                    int
		code                      string // "" for a 200 verdict
	}
	tests := map[string]path{
		"bad JSON":                      {method: "POST", path: "/v1/verify", token: verifierToken, body: `{"code":`, status: 400, code: "bad_request"},
		"a value of the wrong type":     {method: "POST", path: "/v1/verify", token: verifierToken, body: `{"code":7}`, status: 400, code: "bad_request"},
		"an unknown field":              {method: "POST", path: "/v1/issue", token: adminToken, body: `{"` + plantedID + `":1}`, status: 400, code: "bad_request"},
		"too large":                     {method: "POST", path: "/v1/verify", token: verifierToken, body: big, status: 413, code: "too_large"},
		"unknown route":                 {method: "GET", path: "/v2/nothing", status: 404, code: "not_found"},
		"wrong method":                  {method: "DELETE", path: "/v1/verify", token: verifierToken, status: 405, code: "method_not_allowed"},
		"no token":                      {method: "POST", path: "/v1/verify", body: `{"code":"x"}`, status: 401, code: "unauthenticated"},
		"a verifier on an admin call":   {method: "GET", path: "/v1/records/x", token: verifierToken, status: 403, code: "forbidden"},
		"the record store is down":      {method: "GET", path: "/v1/records/0193abcd", token: adminToken, logged: true, status: 503, code: "unavailable"},
		"the record writer is down":     {method: "POST", path: "/v1/verify", token: verifierToken, body: `{"code":"x"}`, logged: true, status: 503, code: "unavailable"},
		"the trust store is down":       {method: "POST", path: "/v1/trust/endorsements", token: adminToken, body: "ENDORSEMENT", logged: true, status: 503, code: "unavailable"},
		"a bad rule":                    {method: "POST", path: "/v1/rules", token: adminToken, body: "a.b.c", status: 400, code: "bad_rule"},
		"a bad retry budget":            {method: "POST", path: "/v1/federation/status", body: "x", hdr: []string{"Hcgw-Retry-Budget", "lots"}, status: 400, code: "bad_request"},
		"a peer's garbage request":      {method: "POST", path: "/v1/federation/status", body: "not.a.jws", status: 400, code: "bad_request"},
		"no signing key":                {method: "POST", path: "/v1/issue", token: adminToken, body: `{"status":"green","holder":{"name":"张三","id":"` + plantedID + `"}}`, status: 503, code: "unavailable"},
		"the platform is down":          {method: "POST", path: "/v1/platform/codes", token: adminToken, body: `{"cid":"c1","status":"green"}`, logged: true, status: 503, code: "unavailable"},
		"the platform refuses a holder": {method: "POST", path: "/v1/platform/codes", token: adminToken, body: `{"cid":"c1","status":"green"}`, fail: wrapped(modelErr), logged: true, status: 400, code: "bad_request"},
		"the corrections store is down": {method: "GET", path: "/v1/corrections/t1", token: verifierToken, logged: true, status: 503, code: "unavailable"},
		"no region knows the holder":    {method: "GET", path: "/v1/corrections/t1", token: verifierToken, fail: wrapped(httpapi.ErrNoHolder), logged: true, status: 404, code: "not_found"},
		"a ticket resolved already":     {method: "GET", path: "/v1/corrections/t1", token: verifierToken, fail: wrapped(httpapi.ErrResolved), logged: true, status: 409, code: "conflict"},
		"a code the gateway cannot read": {method: "POST", path: "/v1/corrections", token: verifierToken, body: `{"code":"x","claim":"other"}`,
			fail: wrapped(httpapi.ErrUnreadable), logged: true, status: 400, code: "bad_request"},
		"a correction refused by the model": {method: "POST", path: "/v1/corrections", token: verifierToken, body: `{"code":"x","claim":"other"}`,
			fail: wrapped(modelErr), logged: true, status: 400, code: "bad_request"},
		"corrections unavailable":           {method: "GET", path: "/v1/corrections?state=open", token: adminToken, fail: wrapped(httpapi.ErrCorrectionsUnavailable), logged: true, status: 503, code: "unavailable"},
		"the issuer is down (a peer error)": {method: "POST", path: "/v1/verify", token: verifierToken, body: "GREEN-CODE", writeOK: true, status: 200},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			log := &syncBuffer{}
			srv, root, zjKey := leakServer(t, failing{fail: tc.fail, writeOK: tc.writeOK}, log)
			body := tc.body
			switch body {
			case "ENDORSEMENT":
				body = root.Endorse(testkit.Key(t, jwa.ES256), "440000", testkit.Spec{})
			case "GREEN-CODE":
				c, err := nic.Encode(zjKey, testkit.Claims(zj, mapping.Green))
				if err != nil {
					t.Fatal(err)
				}
				body = `{"code":"` + c + `"}`
			}
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			for i := 0; i+1 < len(tc.hdr); i += 2 {
				req.Header.Set(tc.hdr[i], tc.hdr[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			resp.Body.Close()
			for _, bit := range []string{plantedMark, plantedIP, plantedID, "dial tcp"} {
				if strings.Contains(b.String(), bit) {
					t.Errorf("the body holds %q of the internal cause: %s", bit, b.String())
				}
			}
			var env struct {
				Error struct{ Code, Message string }
			}
			_ = json.Unmarshal(b.Bytes(), &env)
			if resp.StatusCode != tc.status || env.Error.Code != tc.code || (tc.code != "" && env.Error.Message == "") {
				t.Fatalf("got %d %q %s, want %d %q", resp.StatusCode, env.Error.Code, b.String(), tc.status, tc.code)
			}
			t.Logf("%d %s", resp.StatusCode, b.String())
			logged := log.String()
			if strings.Contains(logged, plantedID) {
				t.Errorf("the log holds the identity number: %s", logged)
			}
			// What the client was not told is the operator's to read.
			if causeLogged := strings.Contains(logged, plantedMark); causeLogged != tc.logged {
				t.Errorf("the cause logged: %v, want %v: %s", causeLogged, tc.logged, logged)
			}
		})
	}
}
