package federation_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// memInbox is a CorrectionInbox in memory.
type memInbox struct {
	mu sync.Mutex
	m  map[string]federation.ReceivedCorrection
	st map[string]federation.CorrectionState
}

func newInbox() *memInbox {
	return &memInbox{m: map[string]federation.ReceivedCorrection{}, st: map[string]federation.CorrectionState{}}
}

func (b *memInbox) Receive(_ context.Context, c federation.ReceivedCorrection) (federation.CorrectionState, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.m[c.Ticket]; ok {
		if old.From != c.From {
			return federation.CorrectionState{}, federation.ErrTicketTaken
		}
		return b.st[c.Ticket], nil
	}
	b.m[c.Ticket] = c
	b.st[c.Ticket] = federation.CorrectionState{State: federation.StateOpen}
	return b.st[c.Ticket], nil
}

func (b *memInbox) State(_ context.Context, from, ticket string) (federation.CorrectionState, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.m[ticket]; !ok || c.From != from {
		return federation.CorrectionState{}, federation.ErrNoTicket
	}
	return b.st[ticket], nil
}

func (b *memInbox) resolve(ticket string, st federation.CorrectionState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.st[ticket] = st
}

func (b *memInbox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// serveCorrections does what httpapi does for the two correction endpoints.
func serveCorrections(r *federation.CorrectionResponder) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		query := req.URL.Path == federation.CorrectionQueryPath
		if req.Method != http.MethodPost || !query && req.URL.Path != federation.CorrectionsPath {
			http.NotFound(w, req)
			return
		}
		hops, _ := strconv.Atoi(req.Header.Get(federation.HopsHeader))
		body, _ := io.ReadAll(io.LimitReader(req.Body, federation.MaxBody))
		rep := r.Handle(req.Context(), body, hops, query)
		w.Header().Set("Content-Type", rep.ContentType)
		w.WriteHeader(rep.Status)
		_, _ = w.Write(rep.Body)
	}
}

func (n *nation) correctionResponder(region string, inbox federation.CorrectionInbox, relay *federation.Client) *federation.CorrectionResponder {
	r := &federation.CorrectionResponder{Region: region, Trust: n.reg, Signers: []trust.Signer{n.keys[region]}, Inbox: inbox,
		Relay: relay, MaxHops: config.Default().Federation.MaxHops, Logger: quiet()}
	if err := r.Init(); err != nil {
		n.t.Fatal(err)
	}
	return r
}

const ticket = "0193aa00-0000-7000-8000-000000000001"

// Shanghai files at Guangdong through the hub; Guangdong resolves; the
// query through the hub answers the resolution, signed by Guangdong.
func TestCorrectionThroughTheHub(t *testing.T) {
	n := newNation(t, hubR, shR, gdR)
	inbox := newInbox()
	gd := serve(t, serveCorrections(n.correctionResponder(gdR, inbox, nil)))
	hubClient := n.client(hubR, map[string]string{gdR: gd.URL}, nil)
	hub := serve(t, serveCorrections(n.correctionResponder(hubR, nil, hubClient)))
	sh := n.client(shR, map[string]string{hubR: hub.URL}, nil)
	ctx := context.Background()

	ack, err := sh.FileCorrection(ctx, gdR, ticket, "gd-1", federation.ClaimStatusWrong, "核酸阴性，平台显示黄码")
	if err != nil || ack.State != federation.StateOpen || ack.Iss != gdR || ack.Ticket != ticket {
		t.Fatalf("%+v %v", ack, err)
	}
	if got := inbox.m[ticket]; got.From != shR || got.CID != "gd-1" || got.Claim != federation.ClaimStatusWrong {
		t.Fatalf("received %+v", got)
	}
	// Filed again (a lost acknowledgement): one ticket, its state.
	if ack, err := sh.FileCorrection(ctx, gdR, ticket, "gd-1", federation.ClaimStatusWrong, "核酸阴性，平台显示黄码"); err != nil || ack.State != federation.StateOpen || inbox.count() != 1 {
		t.Fatalf("refiled: %+v %v (%d tickets)", ack, err, inbox.count())
	}
	at := time.Now().Truncate(time.Second)
	inbox.resolve(ticket, federation.CorrectionState{State: federation.StateCorrected, Status: mapping.Green, ResolvedAt: at, Note: "已更正"})
	ack, err = sh.QueryCorrection(ctx, gdR, ticket)
	if err != nil || ack.State != federation.StateCorrected || ack.St != mapping.Green || ack.RAT != at.Unix() || ack.Note != "已更正" {
		t.Fatalf("%+v %v", ack, err)
	}
	if _, err := sh.QueryCorrection(ctx, gdR, "no-such-ticket"); federation.RefusedCode(err) != fault.UnknownTicket.Code() {
		t.Fatalf("unknown ticket: %v", err)
	}
	if st := sh.BreakerState(hubR); st != "closed" {
		t.Fatalf("a refused query tripped the breaker: %s", st)
	}
}

func signCorrection(t testing.TB, key trust.Signer, m federation.CorrectionMsg) string {
	t.Helper()
	tok, err := key.SignCompact(testkit.JSON(t, m), federation.TypCorrection)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func goodCorrection(now time.Time, jti string) federation.CorrectionMsg {
	return federation.CorrectionMsg{Iss: shR, Aud: gdR, IAT: now.Unix(), EXP: now.Add(30 * time.Second).Unix(), JTI: jti,
		Ticket: ticket, CID: "gd-1", Claim: federation.ClaimStatusWrong, Detail: "yellow on the platform"}
}

func TestCorrectionResponderRefusals(t *testing.T) {
	n := newNation(t, shR, gdR)
	inbox := newInbox()
	r := n.correctionResponder(gdR, inbox, nil)
	now := time.Now()
	stranger := testkit.Key(t, jwa.EdDSA)
	cases := map[string]struct {
		tok    func() string
		status int
		code   string
	}{
		"a good correction is acknowledged": {func() string { return signCorrection(t, n.keys[shR], goodCorrection(now, "a1")) }, 200, ""},
		"a replayed correction is refused": {func() string {
			tok := signCorrection(t, n.keys[shR], goodCorrection(now, "a2"))
			if rep := r.Handle(context.Background(), []byte(tok), 0, false); rep.Status != 200 {
				t.Fatalf("first: %d %s", rep.Status, rep.Body)
			}
			return tok
		}, 409, fault.Replayed.Code()},
		"an unknown claim value": {func() string {
			m := goodCorrection(now, "a3")
			m.Claim = "colour_wrong"
			return signCorrection(t, n.keys[shR], m)
		}, 400, "bad_request"},
		"a detail of 501 characters": {func() string {
			m := goodCorrection(now, "a4")
			m.Detail = strings.Repeat("a", 501)
			return signCorrection(t, n.keys[shR], m)
		}, 400, "bad_request"},
		"a detail with a name": {func() string {
			m := goodCorrection(now, "a5")
			m.Detail = "王小明 yellow"
			return signCorrection(t, n.keys[shR], m)
		}, 400, "bad_request"},
		"a cid holding an identity number": {func() string {
			m := goodCorrection(now, "a6")
			m.CID = "11010519491231002X"
			return signCorrection(t, n.keys[shR], m)
		}, 400, "bad_request"},
		"an unknown claim name": {func() string {
			tok, _ := n.keys[shR].SignCompact([]byte(`{"iss":"310000","aud":"440000","iat":`+strconv.FormatInt(now.Unix(), 10)+
				`,"exp":`+strconv.FormatInt(now.Unix()+30, 10)+`,"jti":"a7","ticket":"t","cid":"c","claim":"other","name":"x"}`), federation.TypCorrection)
			return tok
		}, 400, "bad_request"},
		"signed by a stranger": {func() string { return signCorrection(t, stranger, goodCorrection(now, "a8")) }, 401, "unauthenticated"},
		"a status request posted as a correction": {func() string {
			return signRequest(t, n.keys[shR], request(shR, gdR, "gd-1", now))
		}, 400, "bad_request"},
		"iss another region than the key's": {func() string {
			m := goodCorrection(now, "a9")
			m.Iss = zjR
			return signCorrection(t, n.keys[shR], m)
		}, 403, "forbidden"},
		"expired": {func() string {
			return signCorrection(t, n.keys[shR], goodCorrection(now.Add(-time.Hour), "a10"))
		}, 400, "bad_request"},
		"addressed to another region at a provincial gateway": {func() string {
			m := goodCorrection(now, "a11")
			m.Aud = zjR
			return signCorrection(t, n.keys[shR], m)
		}, 421, fault.WrongGateway.Code()},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rep := r.Handle(context.Background(), []byte(tc.tok()), 0, false)
			if rep.Status != tc.status || tc.code != "" && errorCode(rep.Body) != tc.code {
				t.Fatalf("%d %s, want %d %s", rep.Status, rep.Body, tc.status, tc.code)
			}
		})
	}
	t.Run("a correction for a code the org never issued is 404 unknown_code", func(t *testing.T) {
		r := n.correctionResponder(gdR, newInbox(), nil)
		r.Source = federation.NewMemorySource()
		rep := r.Handle(context.Background(), []byte(signCorrection(t, n.keys[shR], goodCorrection(now, "b1"))), 0, false)
		if rep.Status != 404 || errorCode(rep.Body) != fault.UnknownCode.Code() {
			t.Fatalf("%d %s", rep.Status, rep.Body)
		}
	})
	t.Run("another region's ticket id is 409", func(t *testing.T) {
		n2 := newNation(t, shR, zjR, gdR)
		inbox := newInbox()
		r := n2.correctionResponder(gdR, inbox, nil)
		if rep := r.Handle(context.Background(), []byte(signCorrection(t, n2.keys[shR], goodCorrection(now, "c1"))), 0, false); rep.Status != 200 {
			t.Fatalf("%d %s", rep.Status, rep.Body)
		}
		m := goodCorrection(now, "c2")
		m.Iss = zjR
		if rep := r.Handle(context.Background(), []byte(signCorrection(t, n2.keys[zjR], m)), 0, false); rep.Status != 409 {
			t.Fatalf("%d %s", rep.Status, rep.Body)
		}
	})
}

// An acknowledgement is believed only when the org's status key signed it
// for this filer, this message and this ticket.
func TestVerifyAck(t *testing.T) {
	n := newNation(t, hubR, shR, gdR)
	now := time.Now()
	good := federation.CorrectionAck{Iss: gdR, Aud: shR, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(), RJTI: "j1", Ticket: ticket,
		State: federation.StateOpen}
	want := federation.AckExpect{Org: gdR, Aud: shR, RJTI: "j1", Ticket: ticket}
	fedOnly := n.endorse(gdR, jwa.EdDSA, testkit.Spec{Use: []trust.Use{trust.UseFederation}})
	stranger := testkit.Key(t, jwa.EdDSA)
	cases := map[string]struct {
		key  trust.Signer
		typ  string
		mod  func(*federation.CorrectionAck)
		pass bool
	}{
		"the org's status key":                      {n.keys[gdR], federation.TypCorrectionAck, nil, true},
		"a forged acknowledgement (stranger's key)": {stranger, federation.TypCorrectionAck, nil, false},
		"signed by the hub, not the org":            {n.keys[hubR], federation.TypCorrectionAck, func(a *federation.CorrectionAck) { a.Iss = hubR }, false},
		"the hub claiming to be the org":            {n.keys[hubR], federation.TypCorrectionAck, nil, false},
		"a key of the org without use status":       {fedOnly, federation.TypCorrectionAck, nil, false},
		"a status answer's typ":                     {n.keys[gdR], federation.TypAnswer, nil, false},
		"another message's rjti":                    {n.keys[gdR], federation.TypCorrectionAck, func(a *federation.CorrectionAck) { a.RJTI = "j2" }, false},
		"another ticket":                            {n.keys[gdR], federation.TypCorrectionAck, func(a *federation.CorrectionAck) { a.Ticket = "other" }, false},
		"another audience":                          {n.keys[gdR], federation.TypCorrectionAck, func(a *federation.CorrectionAck) { a.Aud = zjR }, false},
		"state pending from the org":                {n.keys[gdR], federation.TypCorrectionAck, func(a *federation.CorrectionAck) { a.State = federation.StatePending }, false},
		"a new status on an open ticket":            {n.keys[gdR], federation.TypCorrectionAck, func(a *federation.CorrectionAck) { a.St = mapping.Green }, false},
		"corrected with a time and status": {n.keys[gdR], federation.TypCorrectionAck, func(a *federation.CorrectionAck) {
			a.State, a.St, a.RAT = federation.StateCorrected, mapping.Green, now.Unix()
		}, true},
		"corrected without a resolution time": {n.keys[gdR], federation.TypCorrectionAck, func(a *federation.CorrectionAck) {
			a.State = federation.StateCorrected
		}, false},
		"a note with a name": {n.keys[gdR], federation.TypCorrectionAck, func(a *federation.CorrectionAck) { a.Note = "张三" }, false},
		"lapsed":             {n.keys[gdR], federation.TypCorrectionAck, func(a *federation.CorrectionAck) { a.IAT, a.EXP = a.IAT-600, a.EXP-600 }, false},
		"long-lived":         {n.keys[gdR], federation.TypCorrectionAck, func(a *federation.CorrectionAck) { a.EXP = a.IAT + 3600 }, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := good
			if tc.mod != nil {
				tc.mod(&a)
			}
			tok, err := tc.key.SignCompact(testkit.JSON(t, a), tc.typ)
			if err != nil {
				t.Fatal(err)
			}
			got, err := federation.VerifyAck(n.reg.Snapshot(), tok, want, now, 30*time.Second)
			if (err == nil) != tc.pass {
				t.Fatalf("VerifyAck = %+v, %v; want pass=%v", got, err, tc.pass)
			}
		})
	}
}

// A forged acknowledgement from a peer is a failure like a dead one: the
// filing is not taken for delivered.
func TestFileCorrectionRefusesAForgedAck(t *testing.T) {
	n := newNation(t, shR, gdR)
	stranger := testkit.Key(t, jwa.EdDSA)
	fake := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		now := time.Now()
		tok, _ := stranger.SignCompact(testkit.JSON(t, federation.CorrectionAck{Iss: gdR, Aud: shR, IAT: now.Unix(),
			EXP: now.Add(time.Minute).Unix(), RJTI: "x", Ticket: ticket, State: federation.StateCorrected, St: mapping.Green, RAT: now.Unix()}),
			federation.TypCorrectionAck)
		_, _ = w.Write([]byte(tok))
	}))
	sh := n.client(shR, map[string]string{gdR: fake.URL}, nil)
	ack, err := sh.FileCorrection(context.Background(), gdR, ticket, "gd-1", federation.ClaimOther, "")
	if err == nil || ack != nil || errors.Is(err, federation.ErrCorrectionRefused) {
		t.Fatalf("a forged acknowledgement was taken: %+v %v", ack, err)
	}
}

// Through the hub, an org the hub cannot reach opens the org's route, not
// the hub's breaker: filings for other regions still go.
func TestCorrectionToAnUnreachableOrgFailsAlone(t *testing.T) {
	n := newNation(t, hubR, shR, gdR)
	dead := serve(t, http.NotFoundHandler())
	dead.Close()
	hubClient := n.client(hubR, map[string]string{gdR: dead.URL}, func(o *federation.Options) { o.Retries = 0 })
	hub := serve(t, serveCorrections(n.correctionResponder(hubR, nil, hubClient)))
	sh := n.client(shR, map[string]string{hubR: hub.URL}, func(o *federation.Options) { o.BreakerFailures = 3; o.Retries = 0 })
	for i := 0; i < 4; i++ {
		if _, err := sh.FileCorrection(context.Background(), gdR, ticket, "gd-1", federation.ClaimOther, ""); err == nil {
			t.Fatal("delivered to an unreachable org")
		}
	}
	if r, h := sh.RouteBreakerState(gdR), sh.BreakerState(hubR); r != "open" || h != "closed" {
		t.Fatalf("Guangdong's route %s, the hub %s: want open, closed", r, h)
	}
}
