package trust_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/store"
	"github.com/hcgw/hcgw/trust"
)

// A rule added at the hub reaches a peer through the trust list it pulls,
// with the key that signed it; a peer that does not trust the hub's
// anchor takes neither.
func TestRulesPropagateThroughTheTrustList(t *testing.T) {
	root := testkit.NewRoot(t)
	shKey := testkit.Key(t, jwa.EdDSA)
	hub := ruleRegistry(t, root, nil, root.Endorse(shKey, sh, testkit.Spec{Use: []trust.Use{trust.UseRules}}))
	v1 := signRule(t, shKey, ruleClaimsFor(sh, ruleObject("SH-1", "1.0.0")))
	if _, added, err := hub.AddRule(t.Context(), v1); err != nil || !added {
		t.Fatalf("at the hub: %v %v", added, err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, etag := hub.Snapshot().TrustList()
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)

	peer := ruleRegistry(t, root, nil)
	p := &federation.Puller{URL: srv.URL, Registry: peer, Client: srv.Client()}
	res, err := p.PullOnce(t.Context())
	if err != nil || res.Added != 2 || res.Refused != 0 {
		t.Fatalf("first pull: %+v, %v", res, err)
	}
	q := trust.RuleQuery{Region: sh, Org: sh, Scene: "hospital", CertType: trust.CertNational, Now: testkit.Now}
	if got := peer.Snapshot().ApplicableRules(nil, q); len(got) != 1 || got[0].Version != "1.0.0" || got[0].JWS != v1 {
		t.Fatalf("at the peer: %v", got)
	}
	// A new version at the hub supersedes the old one at the peer after
	// the next pull.
	v2 := signRule(t, shKey, ruleClaimsFor(sh, ruleObject("SH-1", "1.1.0")))
	if _, _, err := hub.AddRule(t.Context(), v2); err != nil {
		t.Fatal(err)
	}
	if res, err := p.PullOnce(t.Context()); err != nil || res.Added != 1 {
		t.Fatalf("second pull: %+v, %v", res, err)
	}
	if got := peer.Snapshot().ApplicableRules(nil, q); len(got) != 1 || got[0].Version != "1.1.0" {
		t.Fatalf("after the second pull: %v", got)
	}
	if list, _ := peer.Snapshot().RuleList(); !strings.Contains(string(list), `"version":"1.1.0"`) {
		t.Fatalf("GET /v1/rules at the peer: %s", list)
	}

	stranger := ruleRegistry(t, testkit.NewRoot(t), nil)
	ps := &federation.Puller{URL: srv.URL, Registry: stranger, Client: srv.Client()}
	if res, err := ps.PullOnce(t.Context()); err != nil || res.Added != 0 || res.Refused != 3 {
		t.Fatalf("a peer of another root: %+v, %v", res, err)
	}
}

// dbStore is what internal/gateway adapts store.DB with, for these tests.
type dbStore struct{ db *store.DB }

func (s dbStore) SaveTrust(ctx context.Context, e trust.Entry) error {
	return s.db.SaveTrustEntry(ctx, store.TrustEntry{Kind: e.Kind, Kid: e.Kid, JTI: e.JTI, Sub: e.Sub, JWS: e.JWS})
}

func (s dbStore) LoadTrust(ctx context.Context) ([]trust.Entry, error) {
	rows, err := s.db.TrustEntries(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]trust.Entry, len(rows))
	for i, r := range rows {
		out[i] = trust.Entry{Kind: r.Kind, Kid: r.Kid, JTI: r.JTI, Sub: r.Sub, JWS: r.JWS}
	}
	return out, nil
}

// Rules are persisted with the keys that signed them, on SQLite and on
// MariaDB, and come back at the next start: versions, windows and a rule
// near the 64 KiB bound (larger than a TEXT column) included.
func TestRulesPersist(t *testing.T) {
	backends := map[string]func(t *testing.T) (string, string){
		"sqlite": func(t *testing.T) (string, string) {
			return store.DriverSQLite, "file:" + filepath.Join(t.TempDir(), "hcgw.db")
		},
		"mariadb": func(t *testing.T) (string, string) { return store.DriverMySQL, testdb.FreshMySQL(t) },
	}
	for name, fresh := range backends {
		t.Run(name, func(t *testing.T) {
			driver, dsn := fresh(t)
			db, err := store.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			root := testkit.NewRoot(t)
			k := testkit.Key(t, jwa.ES256)
			reg := ruleRegistry(t, root, dbStore{db}, root.Endorse(k, sh, testkit.Spec{Use: []trust.Use{trust.UseRules}}))
			big := withRule(ruleObject("SH-BIG", "1.0.0"), func(r map[string]any) {
				d := []map[string]string{{"lang": "en", "desc": "big"}, {"lang": "zh", "desc": "大"}}
				for range 31 {
					d = append(d, map[string]string{"lang": "fr", "desc": strings.Repeat("x", 2000)})
				}
				r["Description"] = d
			})
			toks := []string{
				signRule(t, k, ruleClaimsFor(sh, ruleObject("SH-1", "1.0.0"))),
				signRule(t, k, ruleClaimsFor(sh, ruleObject("SH-1", "2.0.0"))),
				signRule(t, root.TestKey, ruleClaimsFor(mapping.NationalRegion, withRule(ruleObject("ZJ-INV", "1.0.0"),
					func(r map[string]any) { r["Type"] = "Invalidation"; r["Country"] = zj }))),
				signRule(t, k, ruleClaimsFor(sh, big)),
			}
			if len(toks[3]) <= 65535 {
				t.Fatalf("the big rule's JWS is %d bytes: it would fit a TEXT column", len(toks[3]))
			}
			for _, tok := range toks {
				if _, added, err := reg.AddRule(t.Context(), tok); err != nil || !added {
					t.Fatalf("add: %v %v", added, err)
				}
			}
			before, beforeTag := reg.Snapshot().RuleList()
			db.Close()

			db2, err := store.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db2.Close() })
			again := trust.NewRegistry(root.Anchors(), dbStore{db2})
			loaded, skipped, err := again.LoadStore(t.Context())
			if err != nil || loaded != 5 || skipped != 0 {
				t.Fatalf("LoadStore: loaded %d, skipped %d, err %v", loaded, skipped, err)
			}
			after, afterTag := again.Snapshot().RuleList()
			if string(after) != string(before) || afterTag != beforeTag {
				t.Fatalf("rules after a restart:\n%s\nbefore:\n%s", after, before)
			}
			q := trust.RuleQuery{Region: sh, Org: zj, Scene: "hospital", CertType: trust.CertNational, Now: testkit.Now}
			var got []string
			for _, r := range again.Snapshot().ApplicableRules(nil, q) {
				got = append(got, r.Identifier+"@"+r.Version)
			}
			if strings.Join(got, " ") != "SH-1@2.0.0 SH-BIG@1.0.0 ZJ-INV@1.0.0" && strings.Join(got, " ") != "SH-BIG@1.0.0 SH-1@2.0.0 ZJ-INV@1.0.0" {
				t.Fatalf("applicable after a restart: %v", got)
			}
			// Without the key's anchor, the key's rules are not loaded.
			other := trust.NewRegistry(testkit.NewRoot(t).Anchors(), dbStore{db2})
			if loaded, skipped, err := other.LoadStore(t.Context()); err != nil || loaded != 0 || skipped != 5 {
				t.Fatalf("another root: loaded %d, skipped %d, %v", loaded, skipped, err)
			}
		})
	}
}

// trust.endorsements_dir may hold rules beside the endorsements of their
// keys (files in any order); a refused rule stops the load, naming its file.
func TestRulesFromEndorsementsDir(t *testing.T) {
	root := testkit.NewRoot(t)
	k := testkit.Key(t, jwa.ES256)
	dir := t.TempDir()
	write := func(name, tok string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(tok+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// "a-" sorts before "b-": the rule is read before its key's endorsement.
	write("a-rule.jws", signRule(t, k, ruleClaimsFor(sh, ruleObject("SH-1", "1.0.0"))))
	write("b-key.jws", root.Endorse(k, sh, testkit.Spec{Use: []trust.Use{trust.UseRules}}))
	reg := trust.NewRegistry(root.Anchors(), nil)
	if n, err := reg.LoadDir(t.Context(), dir); err != nil || n != 2 || len(reg.Snapshot().Rules()) != 1 {
		t.Fatalf("LoadDir: %d, %v", n, err)
	}
	write("c-bad.jws", signRule(t, k, ruleClaimsFor(sh, withRule(ruleObject("SH-2", "1.0.0"), func(r map[string]any) { r["Country"] = zj }))))
	_, err := trust.NewRegistry(root.Anchors(), nil).LoadDir(t.Context(), dir)
	if !errors.Is(err, trust.ErrRuleForbidden) || !strings.Contains(err.Error(), "c-bad.jws") {
		t.Fatalf("a rule out of its signer's scope: %v", err)
	}
}
