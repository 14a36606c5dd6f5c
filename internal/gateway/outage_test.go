package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// cutProxy forwards TCP to a target until it is cut: then every open
// connection is closed and new ones are refused, until it is restored.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.set(true) })
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

// set cuts (true) or restores (false) the database.
func (p *cutProxy) set(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
		p.conns = map[net.Conn]bool{}
	}
}

// outageGateway is a gateway on MariaDB behind a cuttable proxy, with short
// driver timeouts, and a valid code of its own region to verify.
func outageGateway(t *testing.T) (*running, *cutProxy, string) {
	t.Helper()
	dsn := testdb.FreshMySQL(t)
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, mc.Addr)
	mc.Addr = proxy.ln.Addr().String()
	mc.Timeout, mc.ReadTimeout, mc.WriteTimeout = time.Second, 2*time.Second, 2*time.Second
	e := newEnv(t, "mysql", mc.FormatDSN())
	cfg, err := config.Parse("gw.yaml", e.cfgBytes)
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = cfg
	r := start(t, e)
	return r, proxy, nicNow(t, e.own, "310000", mapping.Green)
}

// With audit.sync true, a database outage makes verifications answer 503
// (never a verdict without its record), /readyz says why, trust keeps
// serving from memory, and everything recovers by itself when the database
// returns; every verification answered 200 has its record.
func TestDatabaseOutage(t *testing.T) {
	r, proxy, code := outageGateway(t)
	body := `{"code":"` + code + `"}`
	var answered []string
	verifyOnce := func() int {
		st, b := r.call(t, "POST", "/v1/verify", verifierToken, body)
		if st == 200 {
			var vd struct {
				Result   string `json:"result"`
				RecordID string `json:"record_id"`
			}
			if json.Unmarshal(b, &vd) != nil || vd.Result != "valid" {
				t.Fatalf("200 without a valid verdict: %s", b)
			}
			answered = append(answered, vd.RecordID)
		}
		return st
	}
	for i := 0; i < 5; i++ {
		if st := verifyOnce(); st != 200 {
			t.Fatalf("before the outage: %d", st)
		}
	}

	proxy.set(true)
	outage := map[int]int{}
	for i := 0; i < 5; i++ {
		start := time.Now()
		outage[verifyOnce()]++
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("a verification during the outage took %s", d)
		}
	}
	if outage[503] == 0 || outage[500] > 0 {
		t.Fatalf("answers during the outage: %v (want 503s, never 500)", outage)
	}
	st, b := r.call(t, "GET", "/readyz", "", "")
	if st != 503 || !strings.Contains(string(b), "database") {
		t.Fatalf("readyz during the outage: %d %s", st, b)
	}
	if st, b := r.call(t, "GET", "/v1/trust/list", "", ""); st != 200 {
		t.Fatalf("trust list during the outage: %d %s", st, b)
	}

	proxy.set(false)
	deadline := time.Now().Add(15 * time.Second)
	for verifyOnce() != 200 {
		if time.Now().After(deadline) {
			t.Fatal("verification did not recover within 15 s of the database's return")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if st, b := r.call(t, "GET", "/readyz", "", ""); st != 200 {
		t.Fatalf("readyz after recovery: %d %s", st, b)
	}
	for _, id := range answered {
		if st, b := r.call(t, "GET", "/v1/records/"+id, adminToken, ""); st != 200 {
			t.Fatalf("record %s of a 200 answer is missing: %d %s", id, st, b)
		}
	}
	t.Logf("outage answers: %v; %d answered verifications all recorded", outage, len(answered))
	testkit.Report(t, "database outage", "MariaDB behind a cuttable proxy, audit.sync on: cut, verify, /readyz, trust list, restore", 5,
		fmt.Sprintf("answers during the outage %v (never a verdict without its record, never 500); /readyz 503 naming the database; trust list served; automatic recovery; all %d answered verifications recorded", outage, len(answered)))
}

// The database stops and returns while checkpoints verify concurrently:
// answers are 200 or 503, never anything else; every 200 has its record.
func TestDatabaseOutageMidLoad(t *testing.T) {
	r, proxy, code := outageGateway(t)
	var (
		mu       sync.Mutex
		answered []string
		counts   = map[int]int{}
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("POST", r.base+"/v1/verify", strings.NewReader(`{"code":"`+code+`"}`))
				req.Header.Set("Authorization", "Bearer "+verifierToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var vd struct {
					RecordID string `json:"record_id"`
				}
				mu.Lock()
				counts[resp.StatusCode]++
				if resp.StatusCode == 200 && json.Unmarshal(b, &vd) == nil {
					answered = append(answered, vd.RecordID)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(400 * time.Millisecond)
	proxy.set(true)
	time.Sleep(time.Second)
	proxy.set(false)
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("answers by status: %v", counts)
	if counts[503] == 0 || counts[200] == 0 || len(counts) != 2 {
		t.Fatalf("answers by status %v: want only 200 and 503, both present", counts)
	}
	for _, id := range answered {
		if st, b := r.call(t, "GET", "/v1/records/"+id, adminToken, ""); st != 200 {
			t.Fatalf("record %s of a 200 answer is missing: %d %s", id, st, b)
		}
	}
	testkit.Report(t, "database stopped mid-load", "6 checkpoints verifying continuously; the database cut for 1 s, then restored",
		counts[200]+counts[503], fmt.Sprintf("%d × 200 and %d × 503, nothing else; every 200 has its record", counts[200], counts[503]))
}
