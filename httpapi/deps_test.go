package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/issuing"
	"github.com/hcgw/hcgw/mapping"
)

// The handlers depend on interfaces httpapi declares, so a test brings
// only the part it exercises: hand-written fakes, one func field a method.

type fakeIssuer struct {
	issue func(issuing.Request) (*issuing.Issued, error)
}

func (f fakeIssuer) Issue(r issuing.Request) (*issuing.Issued, error) { return f.issue(r) }

type fakeStatusPeer struct {
	handle func(ctx context.Context, body []byte, hops int) federation.Reply
}

func (f fakeStatusPeer) Handle(ctx context.Context, body []byte, hops int) federation.Reply {
	return f.handle(ctx, body, hops)
}

// TestHandlersOverTheirInterfaces: /v1/issue maps what its Issuer answers
// to 200, 503 (no key endorsed now) or 400, and /v1/federation/status
// writes its StatusPeer's reply as it is, with no verifier, registry or
// database behind either.
func TestHandlersOverTheirInterfaces(t *testing.T) {
	const body = `{"status":"green","holder":{"name":"张三","id":"330102199001011234"},"ttl_seconds":60}`
	for name, tc := range map[string]struct {
		err        error
		wantStatus int
	}{
		"issued":                     {nil, http.StatusOK},
		"no key endorsed now":        {issuing.ErrNoSigningKey, http.StatusServiceUnavailable},
		"a request the issuer fails": {fault.Fail(fault.Malformed, "bad holder"), http.StatusBadRequest},
	} {
		t.Run("issue: "+name, func(t *testing.T) {
			var got issuing.Request
			is := fakeIssuer{issue: func(r issuing.Request) (*issuing.Issued, error) {
				got = r
				if tc.err != nil {
					return nil, tc.err
				}
				return &issuing.Issued{Code: "NIC1:x", Kid: "k", Claims: &mapping.Claims{Iss: sh, JTI: "j", St: r.Status, EXP: 1}}, nil
			}}
			f := depsFixture(t, httpapi.Deps{Issuer: is})
			resp, b := f.do(t, "POST", "/v1/issue", adminToken, body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("%d %s, want %d", resp.StatusCode, b, tc.wantStatus)
			}
			if got.Status != mapping.Green || got.ID != "330102199001011234" || got.TTL.Seconds() != 60 {
				t.Fatalf("the issuer was asked %+v", got)
			}
		})
	}
	t.Run("federation status: the peer's reply as it is", func(t *testing.T) {
		var hops int
		peer := fakeStatusPeer{handle: func(_ context.Context, b []byte, h int) federation.Reply {
			hops = h
			return federation.Reply{Status: http.StatusTeapot, Body: append([]byte("echo:"), b...), ContentType: "text/plain"}
		}}
		f := depsFixture(t, httpapi.Deps{Federation: peer})
		resp, b := f.do(t, "POST", "/v1/federation/status", "", "request", federation.HopsHeader, "2")
		if resp.StatusCode != http.StatusTeapot || string(b) != "echo:request" || hops != 2 {
			t.Fatalf("%d %q, hops %d", resp.StatusCode, b, hops)
		}
	})
	t.Run("federation status: none, 503", func(t *testing.T) {
		f := depsFixture(t, httpapi.Deps{})
		if resp, b := f.do(t, "POST", "/v1/federation/status", "", "request"); resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
}

// depsFixture serves d with the tests' admin client.
func depsFixture(t *testing.T, d httpapi.Deps) *fixture {
	t.Helper()
	ac, err := httpapi.NewClient("ops", httpapi.RoleAdmin, hash(adminToken))
	if err != nil {
		t.Fatal(err)
	}
	d.Clients = []httpapi.Client{ac}
	d.Ready = func(context.Context) []string { return nil }
	f := &fixture{srv: httptest.NewServer(httpapi.New(d))}
	t.Cleanup(f.srv.Close)
	return f
}
