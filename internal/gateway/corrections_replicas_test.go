package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/store"
)

// TestPendingCorrectionDeliveredOnce: three replicas of Shanghai on one
// MariaDB, and on Galera one a node, each running the corrections loop
// every 50 ms; a pending ticket reaches Guangdong (a counting peer that
// takes 300 ms to answer, so that replicas without a lease would all send
// it meanwhile) exactly once: one replica holds the lease of the loop.
// When that replica stops, another takes the lease and delivers the next
// ticket, again once.
func TestPendingCorrectionDeliveredOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		dsns func(t *testing.T) []string
	}{
		{"mariadb", func(t *testing.T) []string { d := testdb.FreshMySQL(t); return []string{d, d, d} }},
		{"galera", replicaDSNs},
	} {
		t.Run(tc.name, func(t *testing.T) { testCorrectionOnce(t, tc.dsns(t)) })
	}
}

// countingOrg is Guangdong's correction endpoint: it counts the messages
// of each ticket and acknowledges them open, signed by Guangdong's key.
type countingOrg struct {
	key   *testkit.TestKey
	mu    sync.Mutex
	count map[string]int
}

func (o *countingOrg) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != federation.CorrectionsPath {
		http.NotFound(w, r)
		return
	}
	b, _ := io.ReadAll(r.Body)
	var m federation.CorrectionMsg
	if parts := strings.Split(strings.TrimSpace(string(b)), "."); len(parts) == 3 {
		payload, _ := base64URL(parts[1])
		_ = json.Unmarshal(payload, &m)
	}
	o.mu.Lock()
	o.count[m.Ticket]++
	o.mu.Unlock()
	time.Sleep(300 * time.Millisecond)
	now := time.Now()
	payload, _ := json.Marshal(federation.CorrectionAck{Iss: gdR, Aud: shR, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(),
		RJTI: m.JTI, Ticket: m.Ticket, State: federation.StateOpen})
	tok, err := o.key.SignCompact(payload, federation.TypCorrectionAck)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", federation.ContentTypeJOSE)
	_, _ = w.Write([]byte(tok))
}

func (o *countingOrg) sent(ticket string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.count[ticket]
}

func testCorrectionOnce(t *testing.T, dsns []string) {
	org := &countingOrg{key: testkit.Key(t, jwa.EdDSA), count: map[string]int{}}
	srv := httptest.NewServer(org)
	t.Cleanup(srv.Close)
	e := newEnv(t, "mysql", dsns[0])
	spec := testkit.Spec{NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	if err := os.WriteFile(filepath.Join(e.dir, "e", "gd.jws"), []byte(e.root.Endorse(org.key, gdR, spec)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cfgBytes = append(e.cfgBytes, fmt.Sprintf("peers:\n  - {region: %q, url: %q}\n", gdR, srv.URL)...)
	var gs []*running
	for _, dsn := range dsns {
		cfg, err := config.Parse("replica.yaml", replicaConfig(t, e, dsn, "127.0.0.1:0"))
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, startWith(t, cfg, gateway.Options{CorrectionInterval: 50 * time.Millisecond, CorrectionRetry: 50 * time.Millisecond}))
	}
	db, err := store.Open(store.DriverMySQL, dsns[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	holder := func(live []int) int {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var holders []int
			for _, i := range live {
				if gs[i].g.Holds("corrections") {
					holders = append(holders, i)
				}
			}
			if len(holders) > 1 {
				t.Fatalf("replicas %v all hold the corrections lease", holders)
			}
			if len(holders) == 1 {
				return holders[0]
			}
			if time.Now().After(deadline) {
				t.Fatalf("no replica of %v took the corrections lease within 20 s", live)
			}
		}
	}
	deliverOnce := func(cid string) {
		t.Helper()
		now := time.Now()
		tk := store.Correction{Ticket: audit.NewID(now), Side: store.CorrectionFiled, Peer: gdR, CID: cid, Claim: "status_wrong",
			State: store.CorrectionPending, FiledAt: now, NextTry: now}
		if _, _, err := db.PutCorrection(context.Background(), tk); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); org.sent(tk.Ticket) == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("ticket %s not delivered within 30 s", cid)
			}
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			got, err := db.GetCorrection(context.Background(), store.CorrectionFiled, tk.Ticket)
			if err == nil && got.State == store.CorrectionOpen {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("ticket %s delivered but not open within 30 s: %+v %v", cid, got, err)
			}
		}
		time.Sleep(time.Second) // twenty ticks of every loop: time for a second delivery, if any
		if n := org.sent(tk.Ticket); n != 1 {
			t.Fatalf("ticket %s reached the org %d times, want once", cid, n)
		}
	}

	all := []int{0, 1, 2}
	h := holder(all)
	deliverOnce("gd-once-1")
	if h2 := holder(all); h2 != h {
		t.Fatalf("the lease moved from replica %d to %d with both running", h+1, h2+1)
	}
	gs[h].stop(t)
	var live []int
	for _, i := range all {
		if i != h {
			live = append(live, i)
		}
	}
	moved := time.Now()
	h2 := holder(live)
	t.Logf("replica %d held the corrections lease; stopped, replica %d took it %s later", h+1, h2+1, time.Since(moved).Round(time.Millisecond))
	deliverOnce("gd-once-2")
	testkit.Report(t, "replicas: corrections lease", fmt.Sprintf("%d replicas on one database, each looping every 50 ms; a peer taking 300 ms to answer; the lease holder stopped", len(dsns)), 2,
		"each pending ticket reached the org exactly once; another replica took the lease when its holder stopped and delivered the next")
}
