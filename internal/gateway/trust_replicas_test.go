package gateway_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// TestTrustChangesReachEveryReplica: three replicas of one region on one
// MariaDB, and on Galera one a node. An endorsement, a rule and
// revocations posted at replica 1 hold at replicas 2 and 3 within the
// bound, trust.db_refresh: each is applied by the first refresh pass that
// begins after its row is readable on the replica's node (the assertion
// counts passes, not milliseconds: a change still missing after such a
// pass fails the test). The delay from the POST's answer to the change
// holding is measured and logged. A tampered row in the table is refused
// by every replica and does not stop the loop. Without the refresh the
// other replicas never learn of any of it and the test fails.
func TestTrustChangesReachEveryReplica(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dsns    func(t *testing.T) []string
		refresh string // trust.db_refresh; "": the default
	}{
		{"mariadb", func(t *testing.T) []string { d := testdb.FreshMySQL(t); return []string{d, d, d} }, ""},
		{"galera", replicaDSNs, "250ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testTrustAcrossReplicas(t, tc.dsns(t), tc.refresh)
		})
	}
}

// replicaSet is replicas of one region, each with a handle on its node.
type replicaSet struct {
	t     *testing.T
	e     *env
	rs    []*running
	nodes []*sql.DB
	bound time.Duration
}

func startReplicas(t *testing.T, dsns []string, extraTrust string) *replicaSet {
	t.Helper()
	e := newEnv(t, "mysql", dsns[0])
	if extraTrust != "" {
		e.cfgBytes = bytes.Replace(e.cfgBytes, []byte("trust:\n"), []byte("trust:\n  "+extraTrust+"\n"), 1)
	}
	s := &replicaSet{t: t, e: e}
	for _, dsn := range dsns {
		cfg, err := config.Parse("replica.yaml", replicaConfig(t, e, dsn, "127.0.0.1:0"))
		if err != nil {
			t.Fatal(err)
		}
		s.bound = cfg.Trust.DBRefresh
		s.rs = append(s.rs, start(t, &env{cfg: cfg}))
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s.nodes = append(s.nodes, db)
	}
	return s
}

// post makes an admin call at replica i.
func (s *replicaSet) post(i int, path, body string, want int) {
	s.t.Helper()
	if st, b := s.rs[i].call(s.t, "POST", path, adminToken, body); st != want {
		s.t.Fatalf("POST %s at replica %d: %d %s", path, i+1, st, b)
	}
}

// verdict verifies code at replica i: its result and reason.
func (s *replicaSet) verdict(i int, code string) (string, string) {
	s.t.Helper()
	st, b := s.rs[i].call(s.t, "POST", "/v1/verify", verifierToken, `{"code":"`+code+`"}`)
	var vd struct{ Result, Reason, Status string }
	if st != 200 || json.Unmarshal(b, &vd) != nil {
		s.t.Fatalf("verify at replica %d: %d %s", i+1, st, b)
	}
	return vd.Result, vd.Reason
}

// holds waits until have(i) at every replica but the first, where the
// change was posted (answered at time posted) and saved in the row (kind, kid),
// asking them in turn. It fails the test when a refresh pass that began
// after the row was readable on a replica's node has completed without the
// change holding there, or when it does not hold within a minute. It
// returns the longest delay from posted to the change holding.
func (s *replicaSet) holds(what, kind, kid string, posted time.Time, have func(i int) bool) time.Duration {
	s.t.Helper()
	var worst time.Duration
	p0 := make([]int64, len(s.rs)) // passes completed once the row was readable; -1 before
	done := make([]bool, len(s.rs))
	for i := range p0 {
		p0[i] = -1
	}
	done[0] = true
	deadline := time.Now().Add(time.Minute)
	for left := len(s.rs) - 1; left > 0; time.Sleep(2 * time.Millisecond) {
		for i := 1; i < len(s.rs); i++ {
			if done[i] {
				continue
			}
			if p0[i] < 0 && s.readable(i, kind, kid) {
				p0[i], _, _ = s.rs[i].g.TrustRefreshes()
			}
			p, _, _ := s.rs[i].g.TrustRefreshes()
			if have(i) {
				worst = max(worst, time.Since(posted))
				done[i], left = true, left-1
				continue
			}
			if p0[i] >= 0 && p >= p0[i]+2 {
				s.t.Fatalf("%s: not holding at replica %d after a refresh pass that began once its row was readable there", what, i+1)
			}
			if time.Now().After(deadline) {
				s.t.Fatalf("%s: not holding at replica %d a minute after it was posted at replica 1 (row readable there: %v)", what, i+1, p0[i] >= 0)
			}
		}
	}
	return worst
}

func (s *replicaSet) readable(i int, kind, kid string) bool {
	var n int
	err := s.nodes[i].QueryRow("SELECT COUNT(*) FROM trust_entries WHERE kind = ? AND kid = ?", kind, kid).Scan(&n)
	return err == nil && n > 0
}

func testTrustAcrossReplicas(t *testing.T, dsns []string, refresh string) {
	extra := ""
	if refresh != "" {
		extra = "db_refresh: " + refresh
	}
	s := startReplicas(t, dsns, extra)
	e := s.e
	spec := testkit.Spec{NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	var delays []time.Duration
	keys := []*testkit.TestKey{e.zj, testkit.Key(t, jwa.EdDSA), testkit.Key(t, jwa.EdDSA)}
	codes := make([]string, len(keys))
	for k, key := range keys {
		codes[k] = nicNow(t, key, "330000", mapping.Green)
		for i := range s.rs {
			if res, reason := s.verdict(i, codes[k]); res == "valid" {
				t.Fatalf("key %d verifies at replica %d before its endorsement (%s)", k, i+1, reason)
			}
		}
	}

	// Endorsements.
	for k, key := range keys {
		s.post(0, "/v1/trust/endorsements", e.root.Endorse(key, "330000", spec), 201)
		posted := time.Now() // answered: committed at replica 1's node
		if res, reason := s.verdict(0, codes[k]); res != "valid" {
			t.Fatalf("at replica 1 itself: %s %s", res, reason)
		}
		delays = append(delays, s.holds(fmt.Sprintf("the endorsement of key %d", k), "endorsement", key.Kid(), posted,
			func(i int) bool { res, _ := s.verdict(i, codes[k]); return res == "valid" }))
	}

	// A rule.
	now := time.Now()
	rule := fmt.Sprintf(`{"Identifier":"SH-REPLICAS","Type":"Acceptance","Country":"310000","Version":"1.0.0","SchemaVersion":"1.0.0",
"Engine":"CERTLOGIC","EngineVersion":"1.3.0","CertificateType":"National","Description":[{"lang":"zh","desc":"绿码"},{"lang":"en","desc":"Green"}],
"ValidFrom":%q,"ValidTo":%q,"AffectedFields":["st"],"Logic":{"===":[{"var":"payload.st"},"green"]},"Scenes":["venue"]}`,
		now.Add(-time.Hour).UTC().Format(time.RFC3339), now.Add(24*time.Hour).UTC().Format(time.RFC3339))
	s.post(0, "/v1/rules", e.root.Rule(rule), 201)
	posted := time.Now()
	delays = append(delays, s.holds("the rule", "rule", "310000:SH-REPLICAS:1.0.0", posted, func(i int) bool {
		_, b := s.rs[i].call(t, "GET", "/v1/rules", "", "")
		return bytes.Contains(b, []byte(`"SH-REPLICAS"`))
	}))

	// A tampered row, as if written into the table by hand: refused by
	// every replica, and the loop goes on.
	// (the revocation of the region's own key, under another one's signature).
	good, other := strings.Split(e.root.Revoke(e.own.Kid()), "."), strings.Split(e.root.Revoke(keys[0].Kid()), ".")
	tampered := good[0] + "." + good[1] + "." + other[2]
	if _, err := s.nodes[0].Exec("INSERT INTO trust_entries (kind, kid, jti, sub, jws, created_at) VALUES ('revocation', ?, '', '', ?, ?)",
		e.own.Kid(), tampered, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}

	// Revocations: each key's code stops verifying green.
	for k, key := range keys {
		s.post(0, "/v1/trust/revocations", e.root.Revoke(key.Kid()), 201)
		posted := time.Now()
		if res, reason := s.verdict(0, codes[k]); res == "valid" || reason != "revoked_key" {
			t.Fatalf("at replica 1 itself: %s %s", res, reason)
		}
		delays = append(delays, s.holds(fmt.Sprintf("the revocation of key %d", k), "revocation", key.Kid(), posted,
			func(i int) bool {
				res, reason := s.verdict(i, codes[k])
				return res != "valid" && reason == "revoked_key"
			}))
	}

	// The tampered revocation of the region's own key changed nothing.
	own := nicNow(t, e.own, "310000", mapping.Green)
	for i := range s.rs {
		if res, reason := s.verdict(i, own); res != "valid" {
			t.Fatalf("replica %d: the region's own key after a tampered revocation row: %s %s", i+1, res, reason)
		}
		if _, _, bad := s.rs[i].g.TrustRefreshes(); bad != 1 {
			t.Errorf("replica %d counted %d refused rows, want 1 (the tampered one)", i+1, bad)
		}
	}
	slices.Sort(delays)
	var ds []string
	for _, d := range delays {
		ds = append(ds, d.Round(time.Millisecond).String())
	}
	t.Logf("trust.db_refresh %s: %d changes posted at replica 1 held at replicas 2..%d after %s (longest %s)",
		s.bound, len(delays), len(s.rs), strings.Join(ds, " "), delays[len(delays)-1].Round(time.Millisecond))
	testkit.Report(t, "replicas: trust changes",
		fmt.Sprintf("%d replicas on one database; 3 endorsements, 1 rule, 3 revocations posted at one; a tampered row", len(s.rs)), len(delays),
		fmt.Sprintf("each held at the others by the first refresh pass after its row was readable; longest delay %s with trust.db_refresh %s; the tampered row refused by each, the loop went on",
			delays[len(delays)-1].Round(time.Millisecond), s.bound))
}

// TestTrustRowBelowTheMark: Galera interleaves AUTO_INCREMENT values across
// nodes, so a trust row with a lower sequence can commit after a replica
// has read a higher one. Here the rows are written by hand with chosen
// sequences: one at 1000, read by the replica, then one at 500. The
// replica applies the late row by the first pass that begins after it
// was written (a refresh that read only above its high-water mark never
// would).
func TestTrustRowBelowTheMark(t *testing.T) {
	s := startReplicas(t, []string{testdb.FreshMySQL(t)}, "db_refresh: 100ms")
	e := s.e
	spec := testkit.Spec{NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	high, low := testkit.Key(t, jwa.EdDSA), testkit.Key(t, jwa.EdDSA)
	for _, row := range []struct {
		seq int
		key *testkit.TestKey
	}{{1000, high}, {500, low}} {
		if _, err := s.nodes[0].Exec("INSERT INTO trust_entries (seq, kind, kid, jti, sub, jws, created_at) VALUES (?, 'endorsement', ?, 'by-hand', '330000', ?, ?)",
			row.seq, row.key.Kid(), e.root.Endorse(row.key, "330000", spec), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		code := nicNow(t, row.key, "330000", mapping.Green)
		p0, _, _ := s.rs[0].g.TrustRefreshes()
		for {
			p, _, _ := s.rs[0].g.TrustRefreshes()
			if res, _ := s.verdict(0, code); res == "valid" {
				break
			}
			if p >= p0+2 {
				t.Fatalf("the row at sequence %d is not applied by a pass that began after it was written", row.seq)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
