package federation_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// platform is a MemorySource knowing code-1 (green, valid for ttl).
func platform(now time.Time, ttl time.Duration) *federation.MemorySource {
	m := federation.NewMemorySource()
	m.Set("code-1", mapping.LiveStatus{Status: mapping.Green, At: now.Add(-time.Minute), Expires: now.Add(ttl),
		Holder: mapping.Holder{Name: maskedName, ID: maskedID}})
	return m
}

// post sends a status request body to a gateway over HTTP.
func post(t *testing.T, url, body string, hops int) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+statusPath, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", federation.ContentTypeJOSE)
	if hops > 0 {
		req.Header.Set(federation.HopsHeader, strconv.Itoa(hops))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

func TestResponderHandle(t *testing.T) {
	n := newNation(t, hubR, shR, zjR, gdR)
	now := testkit.Now
	clock := func() time.Time { return now }
	noFed := n.endorse(shR, jwa.EdDSA, testkit.Spec{Use: []trust.Use{trust.UseCodes, trust.UseStatus}, JTI: "no-fed"})
	stranger := testkit.Key(t, jwa.EdDSA)

	zj := n.responder(zjR, platform(now, time.Minute), clock)
	down := n.responder(zjR, &federation.MemorySource{Err: errors.New("platform database down")}, clock)
	oneHop := n.responder(zjR, platform(now, time.Minute), clock)
	oneHop.MaxHops = 1
	if err := oneHop.Init(); err != nil {
		t.Fatal(err)
	}
	hub := n.responder(hubR, nil, clock)
	hub.Relay = n.client(hubR, map[string]string{gdR: deadURL(t)}, nil)

	req := func(key trust.Signer, m func(*federation.Request)) string {
		r := request(shR, zjR, "code-1", now)
		if m != nil {
			m(&r)
		}
		return signRequest(t, key, r)
	}
	sh := n.keys[shR]
	tests := map[string]struct {
		r          *federation.Responder
		body       string
		hops       int
		wantStatus int
		wantCode   string // error code; "" for an answer
	}{
		"a good request is answered with a signed status": {r: zj, body: req(sh, nil), wantStatus: 200},
		"a body with surrounding white space is answered": {r: zj, body: "\n " + req(sh, nil) + "\r\n", wantStatus: 200},
		"exactly MaxHops hops are still answered":         {r: zj, body: req(sh, nil), hops: 3, wantStatus: 200},
		"an unknown cid is 404 unknown_code": {
			r: zj, body: req(sh, func(r *federation.Request) { r.CID = "code-2" }), wantStatus: 404, wantCode: "unknown_code"},
		"a platform failure is 503 unavailable": {r: down, body: req(sh, nil), wantStatus: 503, wantCode: "unavailable"},
		"a request addressed to another region at a provincial gateway is 421 wrong_gateway": {
			r: zj, body: req(sh, func(r *federation.Request) { r.Aud, r.Org = gdR, gdR }), wantStatus: 421, wantCode: "wrong_gateway"},
		"a request about another org's code at the addressed gateway is 421 wrong_gateway": {
			r: zj, body: req(sh, func(r *federation.Request) { r.Org = gdR }), wantStatus: 421, wantCode: "wrong_gateway"},
		"more than MaxHops hops is 508 loop_detected": {
			r: zj, body: req(sh, nil), hops: 4, wantStatus: 508, wantCode: "loop_detected"},
		"a configured MaxHops of 1 refuses two hops": {
			r: oneHop, body: req(sh, nil), hops: 2, wantStatus: 508, wantCode: "loop_detected"},
		"a request signed by a key no anchor endorsed is 401 unauthenticated": {
			r: zj, body: req(stranger, nil), wantStatus: 401, wantCode: "unauthenticated"},
		"a request signed by a key without the federation use is 403 forbidden": {
			r: zj, body: req(noFed, nil), wantStatus: 403, wantCode: "forbidden"},
		"an expired request is 400 bad_request": {
			r: zj, body: req(sh, func(r *federation.Request) { r.IAT, r.EXP = now.Add(-time.Minute).Unix(), now.Unix() }),
			wantStatus: 400, wantCode: "bad_request"},
		"a body that is not a JWS is 400 bad_request": {
			r: zj, body: `{"cid":"code-1"}`, wantStatus: 400, wantCode: "bad_request"},
		"the hub asked for a code of its own region is 421 wrong_gateway (it has no platform)": {
			r: hub, body: signRequest(t, sh, request(shR, hubR, "code-1", now)), wantStatus: 421, wantCode: "wrong_gateway"},
		"the hub relaying a request that arrived at MaxHops hops is 508 loop_detected": {
			r: hub, body: req(sh, func(r *federation.Request) { r.Aud, r.Org = gdR, gdR }), hops: 3, wantStatus: 508,
			wantCode: "loop_detected"},
		"the hub with no peer for the addressed region is 404 not_found": {
			r: hub, body: req(sh, nil), wantStatus: 404, wantCode: "not_found"},
		"a provincial gateway without a relay does not relay: 421 wrong_gateway": {
			r: n.responder(shR, platform(now, time.Minute), clock), body: signRequest(t, n.keys[gdR], request(gdR, zjR, "code-1", now)),
			wantStatus: 421, wantCode: "wrong_gateway"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rep := tc.r.Handle(context.Background(), []byte(tc.body), tc.hops)
			if rep.Status != tc.wantStatus {
				t.Fatalf("status %d, want %d (%s)", rep.Status, tc.wantStatus, rep.Body)
			}
			if tc.wantCode != "" {
				if got := errorCode(rep.Body); got != tc.wantCode || rep.ContentType != "application/json" {
					t.Fatalf("code %q (%s), want %q", got, rep.ContentType, tc.wantCode)
				}
				return
			}
			if rep.ContentType != federation.ContentTypeJOSE {
				t.Fatalf("content type %q", rep.ContentType)
			}
			var r federation.Request
			payloadOf(t, tc.body, &r)
			a, err := federation.VerifyAnswer(n.reg.Snapshot(), string(rep.Body),
				federation.Expect{Org: zjR, Aud: shR, RJTI: r.JTI, CID: "code-1"}, now, 0)
			if err != nil {
				t.Fatalf("the answer does not verify: %v", err)
			}
			if a.St != mapping.Green || a.HN != maskedName || a.HID != maskedID || a.IAT != now.Unix() {
				t.Fatalf("answer %+v", a)
			}
		})
	}
}

func TestResponderRefusesReplays(t *testing.T) {
	n := newNation(t, shR, zjR, gdR)
	clock := newFakeClock(testkit.Now)
	zj := n.responder(zjR, platform(testkit.Now, time.Hour), clock.Now)

	first := request(shR, zjR, "code-1", testkit.Now)
	first.JTI = "once"
	body := signRequest(t, n.keys[shR], first)
	resigned := first
	resigned.IAT--
	fromGD := first
	fromGD.Iss = gdR

	// Steps run in order against one responder.
	steps := []struct {
		name       string
		advance    time.Duration
		body       string
		wantStatus int
		wantCode   string
	}{
		{name: "a request is answered the first time", body: body, wantStatus: 200},
		{name: "the same body again within its exp is refused as replayed", body: body, wantStatus: 409, wantCode: "replayed"},
		{name: "the same jti newly signed (other iat) is refused as replayed",
			body: signRequest(t, n.keys[shR], resigned), wantStatus: 409, wantCode: "replayed"},
		{name: "the same jti from another requester is its own request and answered",
			body: signRequest(t, n.keys[gdR], fromGD), wantStatus: 200},
		{name: "one second before its exp it is still refused as replayed",
			advance: 29 * time.Second, body: body, wantStatus: 409, wantCode: "replayed"},
		// Documented behaviour, not a requirement: once exp has passed the
		// request is refused because it has expired (400 bad_request); the
		// replay cache no longer needs to hold it.
		{name: "the same body after its exp is refused as expired, not as a replay",
			advance: time.Second, body: body, wantStatus: 400, wantCode: "bad_request"},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		rep := zj.Handle(context.Background(), []byte(s.body), 0)
		if rep.Status != s.wantStatus || (s.wantCode != "" && errorCode(rep.Body) != s.wantCode) {
			t.Fatalf("%s: %d %s; want %d %s", s.name, rep.Status, rep.Body, s.wantStatus, s.wantCode)
		}
		if s.wantStatus == 400 && !bytes.Contains(rep.Body, []byte("expired")) {
			t.Fatalf("%s: %s does not say expired", s.name, rep.Body)
		}
	}
}

func TestResponderAnswerExpiry(t *testing.T) {
	n := newNation(t, shR, zjR)
	now := testkit.Now
	tests := map[string]struct {
		answerTTL time.Duration // 0: default 60 s
		expires   time.Time     // the platform's own validity
		wantTTL   time.Duration // exp - iat
		wantSt    mapping.Status
	}{
		"a platform without a validity gives the answer TTL":          {wantTTL: 60 * time.Second, wantSt: mapping.Yellow},
		"a platform validity sooner than the TTL gives it":            {expires: now.Add(20 * time.Second), wantTTL: 20 * time.Second, wantSt: mapping.Yellow},
		"a platform validity later than the TTL is cut to the TTL":    {expires: now.Add(time.Hour), wantTTL: 60 * time.Second, wantSt: mapping.Yellow},
		"a configured TTL of 10 s caps a 20 s platform validity":      {answerTTL: 10 * time.Second, expires: now.Add(20 * time.Second), wantTTL: 10 * time.Second, wantSt: mapping.Yellow},
		"a platform validity ending this second is grey, exp its end": {expires: now, wantTTL: 0, wantSt: mapping.Grey},
		"a platform validity ending within the second is grey":        {expires: now.Add(500 * time.Millisecond), wantTTL: 0, wantSt: mapping.Grey},
		"a platform validity that ended minutes ago is grey, exp its end (never beyond it)": {
			expires: now.Add(-5 * time.Minute), wantTTL: -5 * time.Minute, wantSt: mapping.Grey},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			src := federation.NewMemorySource()
			src.Set("code-1", mapping.LiveStatus{Status: mapping.Yellow, At: now.Add(-time.Minute), Expires: tc.expires})
			r := n.responder(zjR, src, func() time.Time { return now })
			r.AnswerTTL = tc.answerTTL
			if err := r.Init(); err != nil {
				t.Fatal(err)
			}
			q := request(shR, zjR, "code-1", now)
			rep := r.Handle(context.Background(), []byte(signRequest(t, n.keys[shR], q)), 0)
			if rep.Status != 200 {
				t.Fatalf("%d %s", rep.Status, rep.Body)
			}
			var a federation.Answer
			payloadOf(t, string(rep.Body), &a)
			if got := time.Duration(a.EXP-a.IAT) * time.Second; a.IAT != now.Unix() || got != tc.wantTTL || a.St != tc.wantSt {
				t.Fatalf("iat %d, exp - iat = %s, st %s; want iat %d, %s, %s", a.IAT, got, a.St, now.Unix(), tc.wantTTL, tc.wantSt)
			}
			if !tc.expires.IsZero() && a.EXP > tc.expires.Unix() {
				t.Fatalf("exp %d beyond the platform's end %d", a.EXP, tc.expires.Unix())
			}
		})
	}
}

func TestResponderSignsWithAKeyInForceForStatus(t *testing.T) {
	n := newNation(t, shR, zjR, gdR)
	now := testkit.Now
	fedOnly := n.endorse(zjR, jwa.EdDSA, testkit.Spec{Use: []trust.Use{trust.UseFederation}, JTI: "fed-only"})
	codesOnly := n.endorse(zjR, jwa.ES256, testkit.Spec{Use: []trust.Use{trust.UseCodes}, JTI: "codes-only"})
	statusES := n.endorse(zjR, jwa.ES256, testkit.Spec{Use: []trust.Use{trust.UseStatus}, JTI: "status-es"})
	revoked := n.endorse(zjR, jwa.EdDSA, testkit.Spec{Use: []trust.Use{trust.UseStatus}, JTI: "status-revoked"})
	n.revoke(revoked.Kid())
	tests := map[string]struct {
		signers []trust.Signer
		wantKid string // "": no answer (503)
	}{
		"the status key is chosen among federation-only and codes-only keys": {
			signers: []trust.Signer{fedOnly, codesOnly, statusES}, wantKid: statusES.Kid()},
		"a revoked status key is passed over": {
			signers: []trust.Signer{revoked, statusES}, wantKid: statusES.Kid()},
		"without a status key in force there is no answer": {
			signers: []trust.Signer{fedOnly, codesOnly, revoked}},
		"another region's status key is never used": {
			signers: []trust.Signer{n.keys[gdR]}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := n.responder(zjR, platform(now, time.Minute), func() time.Time { return now })
			r.Signers = tc.signers
			q := request(shR, zjR, "code-1", now)
			rep := r.Handle(context.Background(), []byte(signRequest(t, n.keys[shR], q)), 0)
			if tc.wantKid == "" {
				if rep.Status != 503 || errorCode(rep.Body) != "unavailable" {
					t.Fatalf("%d %s; want 503 unavailable", rep.Status, rep.Body)
				}
				return
			}
			h, _, err := trust.SplitCompact(string(rep.Body))
			if rep.Status != 200 || err != nil || h.Kid != tc.wantKid || h.Typ != federation.TypAnswer {
				t.Fatalf("%d, header %+v (%v); want kid %s", rep.Status, h, err, tc.wantKid)
			}
			if _, err := federation.VerifyAnswer(n.reg.Snapshot(), string(rep.Body),
				federation.Expect{Org: zjR, Aud: shR, RJTI: q.JTI, CID: "code-1"}, now, 0); err != nil {
				t.Fatalf("the answer does not verify: %v", err)
			}
		})
	}
}

func TestHubRelay(t *testing.T) {
	n := newNation(t, hubR, shR, zjR, gdR)
	zjPeer := &recorder{next: serveResponder(n.responder(zjR, platform(time.Now(), time.Minute), nil))}
	zjURL := serve(t, zjPeer).URL
	broken := &recorder{next: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) })}
	gdURL := serve(t, broken).URL
	hub := n.responder(hubR, nil, nil)
	hub.Relay = n.client(hubR, map[string]string{zjR: zjURL, gdR: gdURL}, nil)
	hubURL := serve(t, serveResponder(hub)).URL

	tests := map[string]struct {
		aud, cid   string
		hops       int
		wantStatus int
		wantCode   string // "": the peer's reply comes back unchanged
		wantHops   string // the hop count the peer saw; "": not forwarded
	}{
		"a request arriving directly is forwarded with one hop and answered": {
			aud: zjR, cid: "code-1", wantStatus: 200, wantHops: "1"},
		"a request that made two hops is forwarded as the third": {
			aud: zjR, cid: "code-1", hops: 2, wantStatus: 200, wantHops: "3"},
		"an unknown code's 404 comes back unchanged": {
			aud: zjR, cid: "code-9", wantStatus: 404, wantHops: "1"},
		"a request already at MaxHops hops is refused, not forwarded": {
			aud: zjR, cid: "code-1", hops: 3, wantStatus: 508, wantCode: "loop_detected"},
		"a peer failing with 500 is 502 upstream_unavailable": {
			aud: gdR, cid: "code-1", wantStatus: 502, wantCode: "upstream_unavailable", wantHops: "1"},
		"a region the hub has no peer for is 404 not_found": {
			aud: bjR, cid: "code-1", wantStatus: 404, wantCode: "not_found"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			peer := zjPeer
			if tc.aud == gdR {
				peer = broken
			}
			before, _ := peer.snapshot()
			body := signRequest(t, n.keys[shR], request(shR, tc.aud, tc.cid, time.Now()))
			status, ct, got := post(t, hubURL, body, tc.hops)
			if status != tc.wantStatus {
				t.Fatalf("status %d, want %d (%s)", status, tc.wantStatus, got)
			}
			after, written := peer.snapshot()
			forwarded := after[len(before):]
			if tc.wantHops == "" {
				if len(forwarded) != 0 {
					t.Fatalf("forwarded %d times, want never", len(forwarded))
				}
			} else {
				// The hub's client may retry only 502/503/504; none here.
				if len(forwarded) != 1 {
					t.Fatalf("forwarded %d times, want once", len(forwarded))
				}
				if !bytes.Equal(forwarded[0].body, []byte(body)) || forwarded[0].hops != tc.wantHops {
					t.Fatalf("the peer saw hops %q and a body equal: %v; want hops %q and the identical body",
						forwarded[0].hops, bytes.Equal(forwarded[0].body, []byte(body)), tc.wantHops)
				}
			}
			if tc.wantCode != "" {
				if errorCode(got) != tc.wantCode {
					t.Fatalf("code %q, want %q (%s)", errorCode(got), tc.wantCode, got)
				}
				return
			}
			if !bytes.Equal(got, written[len(written)-1]) {
				t.Fatalf("the hub changed the answer:\n got %s\nsent %s", got, written[len(written)-1])
			}
			wantCT := federation.ContentTypeJOSE
			if status != 200 {
				wantCT = "application/json"
			}
			if ct != wantCT {
				t.Fatalf("content type %q, want %q", ct, wantCT)
			}
			if status == 200 {
				var q federation.Request
				payloadOf(t, body, &q)
				if _, err := federation.VerifyAnswer(n.reg.Snapshot(), string(got),
					federation.Expect{Org: zjR, Aud: shR, RJTI: q.JTI, CID: tc.cid}, time.Now(), time.Second); err != nil {
					t.Fatalf("the relayed answer does not verify at the requester: %v", err)
				}
			}
		})
	}
}

// The hub cannot re-sign a relayed request, so a retry of it is a replay:
// its client's retry on a 503 resends the identical body and the peer, which
// recorded the jti before its platform failed, refuses it as replayed.
func TestHubRelayOfAPlatformOutage(t *testing.T) {
	n := newNation(t, hubR, shR, zjR)
	peer := &recorder{next: serveResponder(n.responder(zjR, &federation.MemorySource{Err: errors.New("down")}, nil))}
	hub := n.responder(hubR, nil, nil)
	hub.Relay = n.client(hubR, map[string]string{zjR: serve(t, peer).URL}, nil) // default: 2 retries
	hubURL := serve(t, serveResponder(hub)).URL
	body := signRequest(t, n.keys[shR], request(shR, zjR, "code-1", time.Now()))
	status, _, got := post(t, hubURL, body, 0)
	if status != http.StatusBadGateway || errorCode(got) != "upstream_unavailable" {
		t.Fatalf("%d %s (peer asked %d times); want 502 upstream_unavailable", status, got, peer.hits.Load())
	}
}
