package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestBenchMeasuresEveryPhase runs the benchmark command briefly: every row
// is there, every request was answered as expected (no errors), and each
// ratio line is printed.
func TestBenchMeasuresEveryPhase(t *testing.T) {
	c, out, e := runCLI(t, "", "--duration", "150ms", "--clients", "2", "--batch-size", "50", "--phases", "offline,compare,batch,online", "--mysql", "")
	if c != 0 {
		t.Fatalf("bench: %d %s", c, e)
	}
	rows := map[string]bool{
		"raw ES256 verify": false,
		"raw ES256 verify with the key's table (trust/p256)": false,
		"raw Ed25519 verify": false,
		"offline ES256 NIC, records on SQLite, 2 clients |":               false,
		"load from Go's net/http client":                                  false,
		"load from another process":                                       false,
		"batch of 50 codes":                                               false,
		"via Zhejiang's gateway (issuer 2ms), 1 clients":                  false,
		"via Zhejiang's gateway (issuer 2ms), 16 clients":                 false,
		"the issuer's gateway alone (signed status requests), 1 clients":  false,
		"the issuer's gateway alone (signed status requests), 16 clients": false,
	}
	row := regexp.MustCompile(`^\| (.+) \| (\d+) \|[^|]*\|[^|]*\| ?(\d*) ?\|$`)
	for _, line := range strings.Split(out, "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for k := range rows {
			if strings.Contains(m[1]+" |", k) {
				rows[k] = true
				// A slow phase (a batch of 1,000, an online call under
				// -race on a busy machine) may round to 0 a second in a
				// 150 ms phase; the cheap ones may not.
				if rate, _ := strconv.Atoi(m[2]); rate <= 0 && (strings.HasPrefix(m[1], "raw") || strings.HasPrefix(m[1], "offline")) {
					t.Errorf("%q: rate %s", m[1], m[2])
				}
				if m[3] != "" && m[3] != "0" {
					t.Errorf("%q: %s errors", m[1], m[3])
				}
			}
		}
	}
	for k, seen := range rows {
		if !seen {
			t.Errorf("no row %q in\n%s", k, out)
		}
	}
	for _, want := range []string{"overhead over the issuer's own latency, 1 clients: p50", "16 clients: p50"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// Every offline row is also divided by the raw rate measured around it.
	ratio := regexp.MustCompile(`^- offline .* / raw ES256: \d+\.\d%; around it \((\d+)/s\): \d+\.\d%$`)
	ratios := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "- offline") {
			continue
		}
		if m := ratio.FindStringSubmatch(line); m == nil || m[1] == "0" {
			t.Errorf("ratio line %q", line)
		}
		ratios++
	}
	if ratios != 3 { // 2 clients, and the two comparisons
		t.Errorf("%d offline ratio lines, want 3:\n%s", ratios, out)
	}
	// Every online answer asked the issuer and said how long it took.
	own := regexp.MustCompile(`less the issuer's time it reports \(Server-Timing\), (1|16) clients, (\d+) of (\d+) answers: p50 `).FindAllStringSubmatch(out, -1)
	if len(own) != 2 {
		t.Errorf("no online lines with the issuer's time (Server-Timing) for 1 and 16 clients in\n%s", out)
	}
	for _, m := range own {
		if m[2] == "0" || m[2] != m[3] {
			t.Errorf("%s clients: %s of %s answers told the issuer's time", m[1], m[2], m[3])
		}
	}
}

// TestBenchBareRunsTheRealServe runs the bare comparison briefly: the bare
// service (this binary) and a real "hcgw serve" process, built from the
// module as the bench builds it by default, each answered every request and
// used CPU time of its own.
func TestBenchBareRunsTheRealServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the hcgw binary")
	}
	// Long enough for each server to use several of /proc's 10 ms clock
	// ticks of CPU even on a loaded machine (150 ms read 0 s under load).
	c, out, e := runCLI(t, "", "--duration", "1s", "--clients", "4", "--phases", "bare", "--mysql", "")
	if c != 0 {
		t.Fatalf("bench: %d %s", c, e)
	}
	row := regexp.MustCompile(`(?m)^\| (bare service \(net/http, encoding/json, crypto/ecdsa\)|hcgw \(records on SQLite, audit.sync\)|bare service with the key's table \(trust/p256\), as hcgw checks) \| (\d+) \|[^|]*\|[^|]*\| ([0-9.]+(?:µs|ms|s)) \| ([0-9.]+(?:µs|ms|s)) \| (\d+) \|$`)
	rows := row.FindAllStringSubmatch(out, -1)
	if len(rows) != 3 {
		t.Fatalf("%d rows of the bare comparison, want 3, in\n%s", len(rows), out)
	}
	for _, m := range rows {
		if m[2] == "0" || m[3] == "0s" || m[5] != "0" {
			t.Errorf("%s: rate %s, CPU %s a verification (system %s), %s errors", m[1], m[2], m[3], m[4], m[5])
		}
	}
	if !regexp.MustCompile(`(?m)^- hcgw / bare: rate \d+\.\d\d, CPU per verification \d+\.\d\d`).MatchString(out) {
		t.Errorf("no ratio line in\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^- hcgw / bare with the key's table: rate \d+\.\d\d, CPU per verification \d+\.\d\d, p99 \d+\.\d\d×; hcgw's own work: -?[0-9.]+(µs|ms|s|ns) a verification$`).MatchString(out) {
		t.Errorf("no ratio line against the tabled bare service in\n%s", out)
	}
	// The gateway built from this module tables its busy issuer key, so
	// the tabled bare service does the same signature work.
	if !regexp.MustCompile(`(?m)^- hcgw held [1-9]\d* key table\(s\) after its phase$`).MatchString(out) {
		t.Errorf("hcgw's key tables not reported, or none, in\n%s", out)
	}
}

func TestBenchRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--phases", "offline,nonsense"},
		{"--phases", "compare"},
		{"--clients", "0"},
		{"--duration", "-1s"},
		{"--batch-size", "0"},
	} {
		if c, _, e := runCLI(t, "", args...); c != 2 || e == "" {
			t.Errorf("bench %v: exit %d, stderr %q; want a usage error", args, c, e)
		}
	}
	bodies := filepath.Join(t.TempDir(), "bodies.json")
	if err := os.WriteFile(bodies, []byte(`[]`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args  []string
		usage bool
	}{
		{[]string{"--url", "http://example.com/v1/verify", "--bodies", bodies}, true}, // loopback only
		{[]string{"--url", "http://127.0.0.1:1/v1/verify", "--clients", "0", "--bodies", bodies}, true},
		{[]string{"--url", "http://127.0.0.1:1/v1/verify", "--bodies", filepath.Join(t.TempDir(), "none.json")}, false},
		{[]string{"--url", "http://127.0.0.1:1/v1/verify", "--bodies", bodies}, false}, // an empty array
	} {
		c, _, e := runCLI(t, "", append([]string{"load"}, tc.args...)...)
		if want := map[bool]int{true: 2, false: 1}[tc.usage]; c != want || e == "" {
			t.Errorf("load %v: exit %d, stderr %q; want %d and a reason", tc.args, c, e, want)
		}
	}
}

// TestRawClientReadsEveryFraming: the load generator must read each answer
// whole, whatever its framing, and survive the server closing the
// connection, or it would count wrong answers or stall.
func TestRawClientReadsEveryFraming(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Method != "POST" {
			w.WriteHeader(401)
			return
		}
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", "5")
			fmt.Fprint(w, "hello")
		case "/chunked":
			for i := 0; i < 3; i++ {
				fmt.Fprintf(w, "part%d;", i)
				w.(http.Flusher).Flush()
			}
		case "/close":
			w.Header().Set("Connection", "close")
			fmt.Fprint(w, "bye")
		case "/status":
			w.WriteHeader(503)
			fmt.Fprint(w, "busy")
		}
	}))
	defer srv.Close()
	c := newRawClient(strings.TrimPrefix(srv.URL, "http://"))
	defer c.close()
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/length", 200, "hello"},
		{"/chunked", 200, "part0;part1;part2;"},
		{"/close", 200, "bye"},
		{"/length", 200, "hello"}, // after the server closed: a fresh connection
		{"/status", 503, "busy"},
		{"/chunked", 200, "part0;part1;part2;"},
	}
	for _, tc := range tests {
		status, body, err := c.do(tc.path, "tok", []byte(`{"x":1}`))
		if err != nil || status != tc.status || string(body) != tc.body {
			t.Fatalf("%s: %d %q %v; want %d %q", tc.path, status, body, err, tc.status, tc.body)
		}
	}
}

// cannedServer answers every request on a loopback listener with the bytes
// of answer(n), n counting connections from 1, then closes the connection.
func cannedServer(t *testing.T, answer func(n int) string) (addr string, conns *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := int(conns.Add(1))
			go func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				_, _ = io.WriteString(c, answer(n))
			}()
		}
	}()
	return ln.Addr().String(), conns
}

// TestRawClientRefusesBrokenAnswers: every malformed answer is an error of
// the request, never a panic, a hang or an answer counted as right.
func TestRawClientRefusesBrokenAnswers(t *testing.T) {
	for name, answer := range map[string]string{
		"not HTTP":                 "SMTP ready\r\n\r\n",
		"a short status line":      "HTTP/1.1\r\n\r\n",
		"a status not a number":    "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
		"a header without a colon": "HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\nok",
		"a length not a number":    "HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\nok",
		"a negative length":        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok",
		"no length at all":         "HTTP/1.1 200 OK\r\n\r\nok",
		"a body cut short":         "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok",
		"a chunk size not hex":     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
		"a chunk without its CRLF": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n",
		"a bad Server-Timing":      "HTTP/1.1 200 OK\r\nServer-Timing: issuer;dur=fast\r\nContent-Length: 2\r\n\r\nok",
	} {
		t.Run(name, func(t *testing.T) {
			addr, _ := cannedServer(t, func(int) string { return answer })
			c := newRawClient(addr)
			defer c.close()
			if status, body, err := c.do("/v1/verify", "tok", []byte(`{}`)); err == nil {
				t.Fatalf("answered %d %q, want an error", status, body)
			}
		})
	}
}

// TestRawClientRedialsAClosedKeepAlive: a kept-alive connection the server
// closed after its answer is dialled again, once, and the request is sent
// there; the answers and their Server-Timing are read whole.
func TestRawClientRedialsAClosedKeepAlive(t *testing.T) {
	addr, conns := cannedServer(t, func(n int) string {
		body := fmt.Sprintf("answer %d", n)
		return fmt.Sprintf("HTTP/1.1 200 OK\r\nServer-Timing: issuer;dur=2.613\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	})
	c := newRawClient(addr)
	defer c.close()
	for i := 1; i <= 2; i++ {
		status, body, err := c.do("/v1/verify", "tok", []byte(`{}`))
		if err != nil || status != 200 || string(body) != fmt.Sprintf("answer %d", i) || !c.timed || c.issuer != 2613*time.Microsecond {
			t.Fatalf("request %d: %d %q %v, issuer %v (%v)", i, status, body, err, c.issuer, c.timed)
		}
	}
	if got := conns.Load(); got != 2 {
		t.Fatalf("%d connections, want 2", got)
	}
}
