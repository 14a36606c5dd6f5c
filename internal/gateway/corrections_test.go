package gateway_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/gd"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// slowMachine gives calls to peers room on a loaded machine: a question
// cut by the deadline would leave a ticket open or pending, which is right
// but not what these tests are about.
const slowMachine = "verify: {deadline: 6s, batch_deadline: 6s}\n"

type ticketOut struct {
	Ticket     string `json:"ticket"`
	Org        string `json:"org"`
	From       string `json:"from"`
	CID        string `json:"cid"`
	Claim      string `json:"claim"`
	Detail     string `json:"detail"`
	State      string `json:"state"`
	Status     string `json:"status"`
	Note       string `json:"note"`
	AgeSeconds int64  `json:"age_seconds"`
	Overdue    bool   `json:"overdue"`
}

func decodeTicket(t *testing.T, st int, b []byte, want int) ticketOut {
	t.Helper()
	var out ticketOut
	if st != want || json.Unmarshal(b, &out) != nil {
		t.Fatalf("%d %s, want %d", st, b, want)
	}
	return out
}

// gdCode is a Guangdong traveller's code, signed green, with the platform's
// live status (and an unmasked holder in the code, as gd-v1 carries one).
func (f *fed) gdCode(cid string, live mapping.Status) string {
	f.t.Helper()
	now := time.Now()
	code, err := provsim.EncodeGD(f.nodes[gdR].key, gd.Claims{Name: "王小明", ID: "440102199001015678", Status: "10",
		StatusTime: now.Add(-time.Minute).Unix(), Expires: now.Add(time.Hour).Unix(), CodeID: cid})
	if err != nil {
		f.t.Fatal(err)
	}
	f.nodes[gdR].platform.Set(cid, mapping.LiveStatus{Status: live, At: now, Expires: now.Add(time.Minute),
		Holder: mapping.Holder{Name: "王*明", ID: "4401**********5678"}})
	return code
}

func (f *fed) file(at, code, claim, detail string) (int, []byte) {
	f.t.Helper()
	b, _ := json.Marshal(map[string]string{"code": code, "claim": claim, "detail": detail, "checkpoint": "SH-HONGQIAO-3"})
	return do(f.t, "POST", f.nodes[at].url+"/v1/corrections", verifierToken, string(b))
}

// restart stops region's gateway and starts it again on its address, its
// database and configuration, with opt (the platform is kept).
func (f *fed) restart(region string, opt gateway.Options) {
	f.t.Helper()
	n := f.nodes[region]
	cfg := n.g.Config
	addr := n.ln.Addr().String()
	n.stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		f.t.Fatal(err)
	}
	opt.Logger = testLogger(f.t)
	if n.platform != nil {
		opt.Platform = n.platform
	}
	g, err := gateway.New(context.Background(), cfg, opt)
	if err != nil {
		f.t.Fatal(err)
	}
	g.UseListener(ln)
	ctx, cancel := context.WithCancel(context.Background())
	n.ln, n.g, n.cancel, n.done = ln, g, cancel, make(chan error, 1)
	go func() { n.done <- g.Serve(ctx) }()
}

// switchable is a proxy to a gateway that can be taken down (503) and
// brought back, and keeps the bodies it passed.
type switchable struct {
	down   atomic.Bool
	target atomic.Value
	mu     sync.Mutex
	bodies map[string][][]byte // by path
}

func newSwitchable(t *testing.T) (*switchable, *httptest.Server) {
	s := &switchable{bodies: map[string][][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies[r.URL.Path] = append(s.bodies[r.URL.Path], b)
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		u, _ := url.Parse(s.target.Load().(string))
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *switchable) sent(path string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies[path]...)
}

// The demo's story: a Guangdong traveller green on the code and yellow on
// the platform files a correction at Shanghai; the hub relays it; Guangdong
// resolves it; Shanghai's next scan is green.
func TestCorrectionAcrossThreeGateways(t *testing.T) {
	f := newFed(t, []string{hub, shR, gdR}, map[string][]string{hub: {shR, gdR}, shR: {hub}, gdR: {hub}}, slowMachine, nil)
	code := f.gdCode("gd-traveller-1", mapping.Yellow)

	before := f.verify(shR, code)
	if before.Status != mapping.Yellow || !before.Conflict {
		t.Fatalf("before: %+v", before)
	}
	var filed ticketOut
	t.Run("filed at Shanghai, delivered through the hub: open at Guangdong", func(t *testing.T) {
		st, b := f.file(shR, code, "status_wrong", "核酸阴性，平台显示黄码")
		filed = decodeTicket(t, st, b, 201)
		if filed.Org != gdR || filed.State != "open" || filed.Ticket == "" {
			t.Fatalf("%s", b)
		}
	})
	t.Run("Guangdong's admin list shows it with its age", func(t *testing.T) {
		st, b := do(t, "GET", f.nodes[gdR].url+"/v1/corrections?state=open", adminToken, "")
		var out struct {
			Count       int         `json:"count"`
			Target      int64       `json:"target_seconds"`
			Corrections []ticketOut `json:"corrections"`
		}
		if st != 200 || json.Unmarshal(b, &out) != nil || out.Count != 1 || out.Target != 86400 {
			t.Fatalf("%d %s", st, b)
		}
		c := out.Corrections[0]
		if c.Ticket != filed.Ticket || c.From != shR || c.CID != "gd-traveller-1" || c.Claim != "status_wrong" ||
			c.Detail != "核酸阴性，平台显示黄码" || c.Overdue {
			t.Fatalf("%+v", c)
		}
		if st, _ := do(t, "GET", f.nodes[gdR].url+"/v1/corrections?state=open", verifierToken, ""); st != 403 {
			t.Fatalf("a verifier read the list: %d", st)
		}
	})
	t.Run("the ticket at Shanghai is open and asks Guangdong", func(t *testing.T) {
		st, b := do(t, "GET", f.nodes[shR].url+"/v1/corrections/"+filed.Ticket, verifierToken, "")
		got := decodeTicket(t, st, b, 200)
		if got.State != "open" || got.Org != gdR {
			t.Fatalf("%s", b)
		}
	})
	t.Run("Guangdong resolves it: the platform has the new status", func(t *testing.T) {
		st, b := do(t, "POST", f.nodes[gdR].url+"/v1/corrections/"+filed.Ticket+"/resolve", adminToken,
			`{"outcome":"corrected","status":"green","note":"已更正"}`)
		got := decodeTicket(t, st, b, 200)
		if got.State != "corrected" || got.Status != "green" {
			t.Fatalf("%s", b)
		}
		live, err := f.nodes[gdR].platform.Lookup(context.Background(), "gd-traveller-1")
		if err != nil || live.Status != mapping.Green {
			t.Fatalf("platform %+v %v", live, err)
		}
	})
	t.Run("Shanghai's cache still answers yellow until the ticket is asked", func(t *testing.T) {
		if vd := f.verify(shR, code); vd.Status != mapping.Yellow || vd.Source != verify.SourceCache {
			t.Fatalf("%+v", vd)
		}
	})
	t.Run("asked at Shanghai: corrected; the next scan is green", func(t *testing.T) {
		st, b := do(t, "GET", f.nodes[shR].url+"/v1/corrections/"+filed.Ticket, verifierToken, "")
		got := decodeTicket(t, st, b, 200)
		if got.State != "corrected" || got.Status != "green" || got.Note != "已更正" {
			t.Fatalf("%s", b)
		}
		vd := f.verify(shR, code)
		if vd.Status != mapping.Green || vd.Conflict || vd.Source != verify.SourceOnline {
			t.Fatalf("after: %+v", vd)
		}
	})
	t.Run("a resolved ticket cannot be resolved again", func(t *testing.T) {
		if st, b := do(t, "POST", f.nodes[gdR].url+"/v1/corrections/"+filed.Ticket+"/resolve", adminToken, `{"outcome":"rejected"}`); st != 409 {
			t.Fatalf("%d %s", st, b)
		}
	})
	t.Run("metrics count the states and the turnaround", func(t *testing.T) {
		for r, want := range map[string][]string{
			gdR: {`hcgw_corrections_total{side="received",state="open"} 1`, `hcgw_corrections_total{side="received",state="corrected"} 1`,
				`hcgw_correction_turnaround_seconds_count{outcome="corrected"} 1`},
			shR: {`hcgw_corrections_total{side="filed",state="pending"} 1`, `hcgw_corrections_total{side="filed",state="open"} 1`,
				`hcgw_corrections_total{side="filed",state="corrected"} 1`},
		} {
			_, b := do(t, "GET", f.nodes[r].url+"/metrics", "", "")
			for _, w := range want {
				if !bytes.Contains(b, []byte(w)) {
					t.Errorf("%s /metrics lacks %s", r, w)
				}
			}
		}
	})
}

func TestCorrectionBadInput(t *testing.T) {
	f := newFed(t, []string{hub, shR, gdR}, map[string][]string{hub: {shR, gdR}, shR: {hub}, gdR: {hub}}, slowMachine, nil)
	code := f.gdCode("gd-bad-1", mapping.Yellow)
	cases := map[string]struct {
		body   string
		status int
		code   string
	}{
		"an unknown claim":                 {`{"code":"` + code + `","claim":"colour_wrong"}`, 400, "bad_request"},
		"no claim":                         {`{"code":"` + code + `"}`, 400, "bad_request"},
		"a detail of 501 characters":       {`{"code":"` + code + `","claim":"other","detail":"` + strings.Repeat("码", 501) + `"}`, 400, "bad_request"},
		"a detail with a full name":        {`{"code":"` + code + `","claim":"identity_wrong","detail":"我叫王小明"}`, 400, "bad_request"},
		"a detail with a short name":       {`{"code":"` + code + `","claim":"identity_wrong","detail":"李四 yellow"}`, 400, "bad_request"},
		"a detail with an identity number": {`{"code":"` + code + `","claim":"identity_wrong","detail":"id 440102199001015678"}`, 400, "bad_request"},
		"a code this gateway cannot read":  {`{"code":"GDHC:eyJhbGciOiJFUzI1NiJ9.e30.c2ln","claim":"other"}`, 400, "bad_request"},
		"no code and no document":          {`{"claim":"other"}`, 400, "bad_request"},
		"both a code and a document":       {`{"code":"x","id_document":{"type":"resident_id","number":"x"},"claim":"other"}`, 400, "bad_request"},
		"an unknown field":                 {`{"code":"` + code + `","claim":"other","name":"王小明"}`, 400, "bad_request"},
		"a document with a wrong check digit": {`{"id_document":{"type":"resident_id","number":"440102199001015670"},"claim":"other"}`,
			400, "bad_request"},
		"a checkpoint that is free text": {`{"code":"` + code + `","claim":"other","checkpoint":"王小明的门"}`, 400, "bad_request"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			st, b := do(t, "POST", f.nodes[shR].url+"/v1/corrections", verifierToken, tc.body)
			var e struct {
				Error struct{ Code, Message string }
			}
			if st != tc.status || json.Unmarshal(b, &e) != nil || e.Error.Code != tc.code {
				t.Fatalf("%d %s", st, b)
			}
			for _, leak := range []string{"王小明", "李四", "440102199001015678"} {
				if strings.Contains(e.Error.Message, leak) {
					t.Fatalf("the refusal repeats %q", leak)
				}
			}
		})
	}
	for name, path := range map[string]string{"an unknown ticket": "/v1/corrections/0193aa00-0000-7000-8000-000000000000",
		"a ticket id that cannot be one": "/v1/corrections/a.b"} {
		t.Run(name, func(t *testing.T) {
			if st, b := do(t, "GET", f.nodes[shR].url+path, verifierToken, ""); st != 404 {
				t.Fatalf("%d %s", st, b)
			}
			if st, b := do(t, "POST", f.nodes[gdR].url+path+"/resolve", adminToken, `{"outcome":"rejected"}`); st != 404 {
				t.Fatalf("resolve: %d %s", st, b)
			}
		})
	}
	t.Run("a resolution with an unknown outcome, a status with a rejection, a name in the note", func(t *testing.T) {
		st, b := f.file(shR, code, "status_wrong", "")
		tk := decodeTicket(t, st, b, 201)
		for _, body := range []string{`{"outcome":"maybe"}`, `{"outcome":"rejected","status":"green"}`, `{"outcome":"corrected","status":"blue"}`,
			`{"outcome":"rejected","note":"欧阳娜娜"}`, `{"outcome":"rejected","extra":1}`} {
			if st, b := do(t, "POST", f.nodes[gdR].url+"/v1/corrections/"+tk.Ticket+"/resolve", adminToken, body); st != 400 {
				t.Fatalf("%s: %d %s", body, st, b)
			}
		}
	})
	t.Run("no ticket for a code whose org never issued it", func(t *testing.T) {
		now := time.Now()
		code, _ := provsim.EncodeGD(f.nodes[gdR].key, gd.Claims{Name: "王小明", ID: "440102199001015678", Status: "10",
			StatusTime: now.Unix(), Expires: now.Add(time.Hour).Unix(), CodeID: "gd-never-issued"})
		st, b := f.file(shR, code, "status_wrong", "")
		tk := decodeTicket(t, st, b, 201)
		if tk.State != "pending" {
			t.Fatalf("a correction the org refused is %s", tk.State)
		}
	})
}

// The org unreachable: the ticket is pending, in the database, and
// delivered once the org is back, even after the filing gateway restarted.
func TestPendingCorrectionDeliveredAfterTheOrgComesBack(t *testing.T) {
	proxy, psrv := newSwitchable(t)
	f := newFed(t, []string{hub, shR, gdR}, map[string][]string{hub: {shR, gdR}, gdR: {hub}}, slowMachine,
		map[string]map[string]string{shR: {hub: psrv.URL}})
	proxy.target.Store(f.nodes[hub].url)
	code := f.gdCode("gd-pending-1", mapping.Yellow)
	proxy.down.Store(true)

	st, b := f.file(shR, code, "status_wrong", "yellow on the platform")
	tk := decodeTicket(t, st, b, 201)
	if tk.State != "pending" || tk.Org != gdR {
		t.Fatalf("%s", b)
	}
	st, b = do(t, "GET", f.nodes[shR].url+"/v1/corrections?state=pending", adminToken, "")
	if st != 200 || !bytes.Contains(b, []byte(tk.Ticket)) {
		t.Fatalf("pending list %d %s", st, b)
	}

	// Shanghai restarts: the ticket is in its database, due at once. The
	// loop is slow here (an hour) and the test steps it, on a fake clock
	// (within the peers' clock skew of theirs).
	clock := clockwork.NewFakeClockAt(time.Now())
	const retry = 5 * time.Second
	f.restart(shR, gateway.Options{CorrectionInterval: time.Hour, CorrectionRetry: retry, Timers: clock})
	if n := f.nodes[shR].g.Corrections.Step(context.Background()); n != 1 {
		t.Fatalf("the restarted gateway handled %d pending tickets, want 1", n)
	}
	st, b = do(t, "GET", f.nodes[gdR].url+"/v1/corrections?state=open", adminToken, "")
	if st != 200 || bytes.Contains(b, []byte(tk.Ticket)) {
		t.Fatalf("delivered while the org was unreachable: %s", b)
	}

	proxy.down.Store(false)
	// Its second failed try: the next waits 2 x retry, and not less.
	clock.Advance(2*retry - time.Millisecond)
	if n := f.nodes[shR].g.Corrections.Step(context.Background()); n != 0 {
		t.Fatalf("%d tickets handled before the retry was due", n)
	}
	clock.Advance(time.Millisecond)
	if n := f.nodes[shR].g.Corrections.Step(context.Background()); n != 1 {
		t.Fatalf("%d tickets handled once the retry was due", n)
	}
	st, b = do(t, "GET", f.nodes[gdR].url+"/v1/corrections?state=open", adminToken, "")
	if st != 200 || !bytes.Contains(b, []byte(tk.Ticket)) || !bytes.Contains(b, []byte(`"from":"310000"`)) {
		t.Fatalf("not delivered once the org was back: %s", b)
	}
	st, b = do(t, "GET", f.nodes[shR].url+"/v1/corrections/"+tk.Ticket, verifierToken, "")
	got := decodeTicket(t, st, b, 200)
	if got.State != "open" {
		t.Fatalf("%s", b)
	}
	st, b = do(t, "GET", f.nodes[shR].url+"/v1/corrections?state=pending", adminToken, "")
	if st != 200 || bytes.Contains(b, []byte(tk.Ticket)) {
		t.Fatalf("still pending: %s", b)
	}

	t.Run("a replayed correction message is refused by the hub and by the org", func(t *testing.T) {
		sent := proxy.sent(federation.CorrectionsPath)
		if len(sent) == 0 {
			t.Fatal("no correction message passed the proxy")
		}
		msg := sent[len(sent)-1]
		for _, at := range []string{hub, gdR} {
			if st, b := do(t, "POST", f.nodes[at].url+federation.CorrectionsPath, "", string(msg)); st != 409 || !bytes.Contains(b, []byte(fault.Replayed.Code())) {
				t.Fatalf("replay at %s: %d %s", at, st, b)
			}
		}
		// The message that crossed the boundary names the code by its id
		// and holds no name or identity number.
		for _, leak := range []string{"王小明", "440102199001015678"} {
			if bytes.Contains(msg, []byte(leak)) {
				t.Fatalf("the message holds %q", leak)
			}
		}
	})
	t.Run("the restarted gateway kept every ticket", func(t *testing.T) {
		f.restart(shR, gateway.Options{CorrectionInterval: time.Hour})
		if st, b := do(t, "GET", f.nodes[shR].url+"/v1/corrections/"+tk.Ticket, verifierToken, ""); st != 200 || !bytes.Contains(b, []byte(`"state":"open"`)) {
			t.Fatalf("%d %s", st, b)
		}
	})
	testkit.Report(t, "corrections: a pending ticket", "the org unreachable behind a 503 proxy; the filing gateway restarted twice; the message replayed at the hub and at the org",
		1, "the ticket is kept pending in the database, delivered on the first step after the org is back, survives both restarts; both replays are 409 replayed")
}

// An acknowledgement not signed by the org's status key is a failure like
// a dead org: the ticket stays pending and is never shown corrected.
func TestForgedCorrectionAcknowledgementRefused(t *testing.T) {
	stranger := testkit.Key(t, jwa.EdDSA)
	var mode atomic.Value
	mode.Store("stranger")
	var hubKey atomic.Value
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		parts := strings.Split(strings.TrimSpace(string(b)), ".")
		var m federation.CorrectionMsg
		if len(parts) == 3 {
			payload, _ := base64URL(parts[1])
			_ = json.Unmarshal(payload, &m)
		}
		now := time.Now()
		ack := federation.CorrectionAck{Iss: gdR, Aud: shR, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(), RJTI: m.JTI, Ticket: m.Ticket,
			State: federation.StateCorrected, St: mapping.Green, RAT: now.Unix()}
		payload, _ := json.Marshal(ack)
		var tok string
		switch mode.Load().(string) {
		case "stranger":
			tok, _ = stranger.SignCompact(payload, federation.TypCorrectionAck)
		case "hub":
			tok, _ = hubKey.Load().(*testkit.TestKey).SignCompact(payload, federation.TypCorrectionAck)
		}
		w.Header().Set("Content-Type", federation.ContentTypeJOSE)
		_, _ = w.Write([]byte(tok))
	}))
	defer fake.Close()
	f := newFed(t, []string{hub, shR, gdR}, nil, "", map[string]map[string]string{shR: {gdR: fake.URL}})
	hubKey.Store(f.nodes[hub].key)
	code := f.gdCode("gd-forged-1", mapping.Yellow)
	for _, m := range []string{"stranger", "hub"} {
		t.Run("an acknowledgement signed by the "+m+"'s key", func(t *testing.T) {
			mode.Store(m)
			st, b := f.file(shR, code, "status_wrong", "")
			tk := decodeTicket(t, st, b, 201)
			if tk.State != "pending" {
				t.Fatalf("a forged acknowledgement was believed: %s", b)
			}
			st, b = do(t, "GET", f.nodes[shR].url+"/v1/corrections/"+tk.Ticket, verifierToken, "")
			if got := decodeTicket(t, st, b, 200); got.State != "pending" || got.Status != "" {
				t.Fatalf("%s", b)
			}
		})
	}
}

func base64URL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// A traveller without a phone: the correction names an ID document; the
// org is found by data sharing and the number never leaves Shanghai.
func TestCorrectionForAnIDDocument(t *testing.T) {
	secretFile := t.TempDir() + "/holder.key"
	secret := []byte("federation-wide holder key secret, 32+ bytes, test only")
	if err := writeFile(secretFile, secret); err != nil {
		t.Fatal(err)
	}
	f := newFed(t, []string{hub, shR, zjR, gdR}, map[string][]string{hub: {shR, zjR, gdR}, shR: {hub}, zjR: {hub}, gdR: {hub}},
		"federation: {holder_key_file: "+secretFile+"}\n"+slowMachine, nil)
	const id = "11010519491231002X"
	hk, err := federation.HolderKey(secret, id)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	f.nodes[zjR].platform.Set(hk, mapping.LiveStatus{Status: mapping.Green, At: now, Expires: now.Add(time.Minute)})
	f.nodes[gdR].platform.Set(hk, mapping.LiveStatus{Status: mapping.Yellow, At: now, Expires: now.Add(time.Minute)})

	st, b := do(t, "POST", f.nodes[shR].url+"/v1/corrections", verifierToken,
		`{"id_document":{"type":"resident_id","number":"`+id+`"},"claim":"status_wrong","detail":"yellow on the platform"}`)
	tk := decodeTicket(t, st, b, 201)
	if tk.Org != gdR || tk.State != "open" {
		t.Fatalf("filed with %s: the most severe answer (Guangdong's yellow) decides: %s", tk.Org, b)
	}
	st, b = do(t, "GET", f.nodes[gdR].url+"/v1/corrections?state=open", adminToken, "")
	if st != 200 || !bytes.Contains(b, []byte(`"cid":"`+hk+`"`)) || bytes.Contains(b, []byte(id[:17])) {
		t.Fatalf("%d %s", st, b)
	}
	st, b = do(t, "POST", f.nodes[gdR].url+"/v1/corrections/"+tk.Ticket+"/resolve", adminToken, `{"outcome":"corrected","status":"green"}`)
	if st != 200 {
		t.Fatalf("%d %s", st, b)
	}
	if live, _ := f.nodes[gdR].platform.Lookup(context.Background(), hk); live.Status != mapping.Green {
		t.Fatalf("the platform's holder entry is %s", live.Status)
	}
	t.Run("a holder no region knows is 404", func(t *testing.T) {
		st, b := do(t, "POST", f.nodes[shR].url+"/v1/corrections", verifierToken,
			`{"id_document":{"type":"resident_id","number":"110105198001010016"},"claim":"other"}`)
		if st != 404 {
			t.Fatalf("%d %s", st, b)
		}
	})
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o600) }
