package gateway_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// Replicas: one region served by several gateways, each on its own node of
// a Galera cluster (.ci/galera.sh), the same region, keys and trust.

// replicaDSNs is a fresh Galera database's DSN for each node, with short
// driver timeouts so that a dead node fails a call in about a second
// instead of hanging it.
func replicaDSNs(t *testing.T) []string {
	t.Helper()
	dsns := testdb.FreshGalera(t)
	for i, d := range dsns {
		mc, err := mysql.ParseDSN(d)
		if err != nil {
			t.Fatal(err)
		}
		mc.Timeout, mc.ReadTimeout, mc.WriteTimeout = time.Second, 3*time.Second, 3*time.Second
		dsns[i] = mc.FormatDSN()
	}
	return dsns
}

// replicaConfig is e's configuration with another database DSN and listen
// address: the same region, keys and trust.
func replicaConfig(t *testing.T, e *env, dsn, listen string) []byte {
	t.Helper()
	b := bytes.Replace(e.cfgBytes, []byte(strconv.Quote(e.cfg.Database.DSN)), []byte(strconv.Quote(dsn)), 1)
	b = bytes.Replace(b, []byte("listen: 127.0.0.1:0"), []byte("listen: "+listen), 1)
	if _, err := config.Parse("replica.yaml", b); err != nil {
		t.Fatal(err)
	}
	return b
}

// galeraNode is one node of the test cluster, seen through its DSN.
type galeraNode struct{ dsn, pidFile string }

func nodeOf(t *testing.T, dsn string) galeraNode {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pidFile string
	if err := db.QueryRow("SELECT @@pid_file").Scan(&pidFile); err != nil {
		t.Fatalf("node %s: %v", dsn, err)
	}
	return galeraNode{dsn: dsn, pidFile: pidFile}
}

// kill sends SIGKILL to the node's mariadbd: the test cluster runs on this
// machine (.ci/galera.sh).
func (n galeraNode) kill(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile(n.pidFile)
	if err != nil {
		t.Fatalf("the Galera node's pid file (the cluster must be .ci/galera.sh's, on this machine): %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		t.Fatalf("pid file %s: %q", n.pidFile, b)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	// Gone once it no longer answers a new connection.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", n.addr(t), 200*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("node %s still accepts connections 10 s after kill -9", n.addr(t))
		}
	}
}

func (n galeraNode) addr(t *testing.T) string {
	mc, err := mysql.ParseDSN(n.dsn)
	if err != nil {
		t.Fatal(err)
	}
	return mc.Addr
}

// galeraUp runs .ci/galera.sh, which starts whichever node does not replicaAnswer
// and waits until all are synced.
func galeraUp(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("..", "..", ".ci", "galera.sh"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf(".ci/galera.sh: %v\n%s", err, out)
	}
}

// replicaAnswer is one verification sent to a replica.
type replicaAnswer struct {
	replica  int
	sent     time.Time
	status   int // 0: no HTTP replicaAnswer
	recordID string
}

// loadGen spreads verifications of code over the replicas' base URLs from
// workers goroutines until stopped, maxRequests are sent or its time is up.
type loadGen struct {
	mu      sync.Mutex
	answers []replicaAnswer
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

func startLoad(bases func() []string, code string, workers, maxRequests int, limit time.Duration) *loadGen {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	lg := &loadGen{stop: cancel}
	client := &http.Client{Timeout: 5 * time.Second}
	body := []byte(`{"code":"` + code + `","checkpoint":"replicas"}`)
	var sent int
	for w := range workers {
		lg.wg.Go(func() {
			for i := w; ctx.Err() == nil; i += workers {
				lg.mu.Lock()
				if sent >= maxRequests {
					lg.mu.Unlock()
					return
				}
				sent++
				lg.mu.Unlock()
				bs := bases()
				rep := i % len(bs)
				a := replicaAnswer{replica: rep, sent: time.Now()}
				req, _ := http.NewRequestWithContext(ctx, "POST", bs[rep]+"/v1/verify", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+verifierToken)
				resp, err := client.Do(req)
				if err == nil {
					a.status = resp.StatusCode
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if a.status == 200 {
						var vd struct {
							RecordID string `json:"record_id"`
						}
						_ = json.Unmarshal(b, &vd)
						a.recordID = vd.RecordID
					}
				} else if ctx.Err() != nil {
					return
				}
				lg.mu.Lock()
				lg.answers = append(lg.answers, a)
				lg.mu.Unlock()
				// Paced: the load must last through a node's rejoin
				// within maxRequests.
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	return lg
}

// waitFor polls until some answer matches, or fails t after limit.
func (lg *loadGen) waitFor(t *testing.T, what string, limit time.Duration, match func(a replicaAnswer) bool) {
	t.Helper()
	lg.waitForN(t, what, limit, 1, match)
}

// waitForN polls until n answers match, or fails t after limit.
func (lg *loadGen) waitForN(t *testing.T, what string, limit time.Duration, n int, match func(a replicaAnswer) bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(20 * time.Millisecond) {
		lg.mu.Lock()
		k := 0
		for _, a := range lg.answers {
			if match(a) {
				k++
			}
		}
		lg.mu.Unlock()
		if k >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s (answers so far: %s)", limit, what, lg.summary(time.Time{}))
		}
	}
}

func (lg *loadGen) end() []replicaAnswer {
	lg.stop()
	lg.wg.Wait()
	lg.mu.Lock()
	defer lg.mu.Unlock()
	return lg.answers
}

// summary counts answers sent at or after from, by replica and status.
func (lg *loadGen) summary(from time.Time) string {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	return summarize(lg.answers, from, time.Time{})
}

func summarize(as []replicaAnswer, from, to time.Time) string {
	count := map[[2]int]int{}
	maxRep := 0
	for _, a := range as {
		if a.sent.Before(from) || (!to.IsZero() && !a.sent.Before(to)) {
			continue
		}
		count[[2]int{a.replica, a.status}]++
		maxRep = max(maxRep, a.replica)
	}
	var parts []string
	for r := 0; r <= maxRep; r++ {
		var ss []string
		for _, st := range []int{200, 503, 0} {
			if n := count[[2]int{r, st}]; n > 0 {
				ss = append(ss, fmt.Sprintf("%d×%d", n, st))
			}
		}
		for k, n := range count {
			if k[0] == r && k[1] != 200 && k[1] != 503 && k[1] != 0 {
				ss = append(ss, fmt.Sprintf("%d×%d", n, k[1]))
			}
		}
		parts = append(parts, fmt.Sprintf("replica %d: %s", r+1, strings.Join(ss, " ")))
	}
	return strings.Join(parts, "; ")
}

// checkOneRecordEach fails t unless every answered verification (200) has
// exactly one record, read through dsn once the cluster has applied every
// commit (wsrep_sync_wait).
func checkOneRecordEach(t *testing.T, dsn string, as []replicaAnswer) int {
	t.Helper()
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	mc.Params["wsrep_sync_wait"] = "1"
	db, err := sql.Open("mysql", mc.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ids []string
	seen := map[string]bool{}
	for _, a := range as {
		if a.status != 200 {
			continue
		}
		if a.recordID == "" {
			t.Fatalf("a 200 from replica %d without a record id", a.replica+1)
		}
		if seen[a.recordID] {
			t.Fatalf("record id %s answered twice", a.recordID)
		}
		seen[a.recordID] = true
		ids = append(ids, a.recordID)
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		q := "SELECT id, COUNT(*) FROM records WHERE id IN (?" + strings.Repeat(",?", len(chunk)-1) + ") GROUP BY id"
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := db.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]int{}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				t.Fatal(err)
			}
			found[id] = n
		}
		rows.Close()
		for _, id := range chunk {
			if found[id] != 1 {
				t.Fatalf("answered verification %s has %d records, want exactly 1", id, found[id])
			}
		}
	}
	return len(ids)
}

// TestReplicasSurviveADatabaseNodeKill runs three replicas of one region,
// each on its own Galera node, under spread load, and kills -9 one node:
// the replicas on the other nodes keep answering, the one on the dead node
// answers 503 (never a verdict without its record, never a 500) until the
// node rejoins, then recovers by itself; every answered verification has
// exactly one record.
//
// It kills a node of the shared test cluster, so it runs only when
// HCGW_TEST_GALERA_KILL=1: alone, as the reliability suite runs it, never
// beside other packages' Galera tests (go test ./... runs packages at once).
func TestReplicasSurviveADatabaseNodeKill(t *testing.T) {
	if os.Getenv("HCGW_TEST_GALERA_KILL") != "1" {
		t.Skip("kills a node of the shared Galera cluster: run alone with HCGW_TEST_GALERA_KILL=1 (the reliability suite does)")
	}
	dsns := replicaDSNs(t)
	if len(dsns) < 3 {
		t.Fatalf("want a Galera cluster of 3 nodes, have %d", len(dsns))
	}
	victim := nodeOf(t, dsns[1])
	t.Cleanup(func() {
		if c, err := net.DialTimeout("tcp", victim.addr(t), time.Second); err == nil {
			c.Close()
			return
		}
		galeraUp(t) // the next tests need the whole cluster
	})
	e := newEnv(t, "mysql", dsns[0])
	var bases []string
	for _, dsn := range dsns {
		cfg, err := config.Parse("replica.yaml", replicaConfig(t, e, dsn, "127.0.0.1:0"))
		if err != nil {
			t.Fatal(err)
		}
		r := start(t, &env{cfg: cfg})
		bases = append(bases, r.base)
	}
	code := nicNow(t, e.own, "310000", mapping.Green)

	const workers, maxRequests = 6, 60000
	lg := startLoad(func() []string { return bases }, code, workers, maxRequests, 4*time.Minute)
	defer lg.end()
	lg.waitFor(t, "a first answer from every replica", 30*time.Second, func(a replicaAnswer) bool { return a.status == 200 && a.replica == 2 })
	time.Sleep(time.Second) // some load before the kill

	killAt := time.Now()
	victim.kill(t)
	t.Logf("node 2 killed")
	// Galera stalls commits until the dead node is evicted from the
	// component (evs.suspect_timeout, 5 s by default); then the two
	// live nodes carry on as the primary component.
	for _, r := range []int{0, 2} {
		lg.waitForN(t, fmt.Sprintf("replica %d answering 200 after node 2's death", r+1), 30*time.Second, 200,
			func(a replicaAnswer) bool { return a.replica == r && a.status == 200 && a.sent.After(killAt) })
	}
	lg.waitFor(t, "replica 2 answering 503 with its node dead", 30*time.Second,
		func(a replicaAnswer) bool { return a.replica == 1 && a.status == 503 && a.sent.After(killAt) })
	restartAt := time.Now()
	t.Logf("node 2 down %s: %s", restartAt.Sub(killAt).Round(time.Millisecond), lg.summary(killAt))
	galeraUp(t)
	backAt := time.Now()
	t.Logf("node 2 rejoined in %s", backAt.Sub(restartAt).Round(time.Millisecond))
	lg.waitFor(t, "replica 2 answering 200 again after its node rejoined", time.Minute,
		func(a replicaAnswer) bool { return a.replica == 1 && a.status == 200 && a.sent.After(backAt) })
	time.Sleep(time.Second) // some load after the recovery
	as := lg.end()

	var recovered time.Time
	for _, a := range as {
		switch {
		case a.status != 200 && a.status != 503:
			t.Errorf("replica %d answered %d (want 200 or 503)", a.replica+1, a.status)
		case a.replica == 1 && a.status == 200 && a.sent.After(killAt) && a.sent.Before(restartAt):
			t.Errorf("replica 2 answered 200 to a verification sent %s after its node was killed", a.sent.Sub(killAt))
		case a.replica == 1 && a.status == 200 && a.sent.After(backAt) && (recovered.IsZero() || a.sent.Before(recovered)):
			recovered = a.sent
		}
	}
	n := checkOneRecordEach(t, dsns[0], as)
	t.Logf("before the kill: %s", summarize(as, time.Time{}, killAt))
	t.Logf("node 2 dead: %s", summarize(as, killAt, restartAt))
	t.Logf("node 2 rejoining: %s", summarize(as, restartAt, backAt))
	t.Logf("after: %s", summarize(as, backAt, time.Time{}))
	t.Logf("%d verifications sent, %d answered 200, each with exactly one record; replica 2 recovered %s after its node synced",
		len(as), n, recovered.Sub(backAt).Round(time.Millisecond))
	testkit.Report(t, "replicas: Galera node killed",
		"3 replicas of one region on 3 Galera nodes, 6 workers spread over them; kill -9 of one node, .ci/galera.sh brings it back", len(as),
		"replicas on the live nodes answered 200, the one on the dead node 503 until it rejoined, then 200 by itself; every 200 has exactly one record")
}

// replicaProcess is `hcgw serve` as a child process, on one Galera node.
type replicaProcess struct {
	dir, config, addr string
	cmd               *exec.Cmd
}

var (
	hcgwBuild sync.Once
	hcgwPath  string
	hcgwErr   error
)

func hcgwBinary(t *testing.T) string {
	t.Helper()
	hcgwBuild.Do(func() {
		dir, err := os.MkdirTemp("", "hcgw-replica-bin-")
		if err != nil {
			hcgwErr = err
			return
		}
		hcgwPath = filepath.Join(dir, "hcgw")
		if out, err := exec.Command("go", "build", "-o", hcgwPath, "github.com/hcgw/hcgw/cmd/hcgw").CombinedOutput(); err != nil {
			hcgwErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if hcgwErr != nil {
		t.Fatal(hcgwErr)
	}
	return hcgwPath
}

func (p *replicaProcess) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(hcgwBinary(t), "serve", "--config", p.config)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HCGW_") { // the file alone decides
			cmd.Env = append(cmd.Env, kv)
		}
	}
	logf, err := os.OpenFile(filepath.Join(p.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.cmd = cmd
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + p.addr + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
	}
	log, _ := os.ReadFile(filepath.Join(p.dir, "server.log"))
	t.Fatalf("replica did not start; log:\n%s", log)
}

// TestReplicaKilledMidLoad runs three `hcgw serve` replicas of one region,
// each on its own Galera node, under spread load, and kills -9 one of them:
// the others keep answering, the restarted one answers again, and every
// verification answered 200 (by any replica, the killed one included) has
// exactly one record.
func TestReplicaKilledMidLoad(t *testing.T) {
	dsns := replicaDSNs(t)
	e := newEnv(t, "mysql", dsns[0])
	procs := make([]*replicaProcess, len(dsns))
	for i, dsn := range dsns {
		dir := t.TempDir()
		p := &replicaProcess{dir: dir, config: filepath.Join(dir, "hcgw.yaml"), addr: freeAddr(t)}
		if err := os.WriteFile(p.config, replicaConfig(t, e, dsn, p.addr), 0o600); err != nil {
			t.Fatal(err)
		}
		p.start(t)
		procs[i] = p
	}
	bases := make([]string, len(procs))
	for i, p := range procs {
		bases[i] = "http://" + p.addr
	}
	code := nicNow(t, e.own, "310000", mapping.Green)

	const workers, maxRequests = 6, 40000
	lg := startLoad(func() []string { return bases }, code, workers, maxRequests, 3*time.Minute)
	defer lg.end()
	lg.waitFor(t, "answers from every replica", 30*time.Second, func(a replicaAnswer) bool { return a.status == 200 && a.replica == 2 })
	time.Sleep(time.Second)

	killAt := time.Now()
	if err := procs[1].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = procs[1].cmd.Process.Wait()
	for _, r := range []int{0, 2} {
		lg.waitForN(t, fmt.Sprintf("replica %d answering after replica 2's death", r+1), 30*time.Second, 200,
			func(a replicaAnswer) bool { return a.replica == r && a.status == 200 && a.sent.After(killAt) })
	}
	lg.waitFor(t, "replica 2 refusing connections while dead", 30*time.Second,
		func(a replicaAnswer) bool { return a.replica == 1 && a.status == 0 && a.sent.After(killAt) })
	restartAt := time.Now()
	procs[1].start(t)
	lg.waitFor(t, "replica 2 answering after its restart", time.Minute,
		func(a replicaAnswer) bool { return a.replica == 1 && a.status == 200 && a.sent.After(restartAt) })
	time.Sleep(time.Second)
	as := lg.end()

	for _, a := range as {
		if a.status != 200 && a.status != 503 && a.status != 0 {
			t.Errorf("replica %d answered %d (want 200, or 503 / no replicaAnswer while it was dead)", a.replica+1, a.status)
		}
		if a.status == 0 && a.replica != 1 {
			t.Errorf("replica %d gave no replicaAnswer, but it was not the one killed", a.replica+1)
		}
	}
	n := checkOneRecordEach(t, dsns[0], as)
	t.Logf("before the kill: %s", summarize(as, time.Time{}, killAt))
	t.Logf("replica 2 dead: %s", summarize(as, killAt, restartAt))
	t.Logf("after its restart: %s", summarize(as, restartAt, time.Time{}))
	t.Logf("%d verifications sent, %d answered 200, each with exactly one record", len(as), n)
	testkit.Report(t, "replicas: one killed",
		"3 `hcgw serve` replicas on 3 Galera nodes, 6 workers spread over them; kill -9 of one replica, restart", len(as),
		"the other replicas kept answering 200; the killed one answered again after restart; every 200 has exactly one record")
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
