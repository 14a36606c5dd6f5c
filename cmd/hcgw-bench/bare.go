package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/trust/p256"
)

// The bare reference service: what any peer doing this job at
// least does. It reads the code out of the body with encoding/json, checks
// its ES256 signature with crypto/ecdsa against one key and writes a fixed
// answer: no trust registry, no claims, no verdict, no record. hcgw-bench
// runs it in its own process beside a gateway's, and loads both in turn.

// cmdBenchBare serves the bare verifier on loopback until stdin closes or
// a signal comes; it prints its URL on the first line of stdout.
func cmdBenchBare(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlags("bare")
	keyFile := fs.String("key", "", "the ES256 public JWK the codes are signed with")
	tabled := fs.Bool("table", false, "check signatures with the key's table (trust/p256), as hcgw does, not crypto/ecdsa")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	data, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	pubKey, err := trust.ParsePublicJWK(data)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	pub, ok := pubKey.Raw.(*ecdsa.PublicKey)
	if !ok {
		return usageError("--key: an ES256 key")
	}
	handler := bareHandler(pub)
	if *tabled {
		t, err := p256.NewTable(pub)
		if err != nil {
			return fmt.Errorf("--key: %w", err)
		}
		handler = bareHandlerWith(t.Verify)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		_, _ = io.Copy(io.Discard, stdin) // the parent closes it to stop us
		stop()
	}()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

var (
	bareValid   = []byte(`{"result":"valid"}`)
	bareInvalid = []byte(`{"result":"invalid"}`)
)

// bareHandler answers POST /v1/verify as the bare service does.
func bareHandler(pub *ecdsa.PublicKey) http.Handler {
	return bareHandlerWith(func(digest, sig []byte) bool {
		return ecdsa.Verify(pub, digest, new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
	})
}

// bareHandlerWith is bareHandler with check as the signature's check
// (digest, R || S).
func bareHandlerWith(check func(digest, sig []byte) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Code string `json:"code"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if bareVerify(check, req.Code) {
			_, _ = w.Write(bareValid)
			return
		}
		_, _ = w.Write(bareInvalid)
	})
}

// bareVerify checks a NIC's compact JWS signature (ES256: r || s).
func bareVerify(check func(digest, sig []byte) bool, code string) bool {
	jws := strings.TrimPrefix(code, "NIC1:")
	dot := strings.LastIndexByte(jws, '.')
	if dot < 0 {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(jws[dot+1:])
	if err != nil || len(sig) != 64 {
		return false
	}
	h := sha256.Sum256([]byte(jws[:dot]))
	return check(h[:], sig)
}

// child is a server the bench runs in a process of its own, for its CPU
// time to be its own.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
}

// startChild runs exe with args; url is the first line the child prints
// (bare), or, when addr is given, http://addr once its /healthz answers
// (hcgw serve).
func startChild(exe, addr string, args ...string) (*child, error) {
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), benchLoadEnv+"=1") // a test binary runs the command too
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stdin: stdin}
	if addr == "" {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			c.stop()
			return nil, fmt.Errorf("%s: no address: %w", args[0], err)
		}
		c.url = strings.TrimSpace(line)
		go func() { _, _ = io.Copy(io.Discard, out) }()
		return c, nil
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	c.url = "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(c.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c, nil
			}
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("%s: not healthy within 30 s", args[0])
		}
	}
}

func (c *child) stop() {
	_ = c.stdin.Close()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	_ = c.cmd.Wait()
}

// cpuTime is a process's CPU time: user and system.
type cpuTime struct{ user, sys time.Duration }

func (c cpuTime) sub(d cpuTime) cpuTime { return cpuTime{c.user - d.user, c.sys - d.sys} }

// cpu is the child's CPU time so far, from /proc.
func (c *child) cpu() (cpuTime, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(c.cmd.Process.Pid), "stat"))
	if err != nil {
		return cpuTime{}, err
	}
	// The command name (field 2) may hold spaces: count from its ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return cpuTime{}, fmt.Errorf("/proc stat: %d fields", len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return cpuTime{}, fmt.Errorf("/proc stat: utime %q stime %q", f[11], f[12])
	}
	const clockTicks = 100 // USER_HZ on Linux
	return cpuTime{time.Duration(utime) * time.Second / clockTicks, time.Duration(stime) * time.Second / clockTicks}, nil
}

// hcgwBinary is the hcgw binary the bare comparison measures as "hcgw
// serve": --hcgw, or one built now from this module's source, so that the
// server measured is the command operators run, at the code being measured.
func (b *bench) hcgwBinary() (string, error) {
	if b.hcgw != "" {
		return b.hcgw, nil
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no --hcgw binary, and no go tool to build one: %w", err)
	}
	bin := filepath.Join(b.dir, "hcgw")
	fmt.Fprintf(b.log, "  building hcgw (go build github.com/hcgw/hcgw/cmd/hcgw)…\n")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/hcgw/hcgw/cmd/hcgw")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building hcgw (run from inside the module, or give --hcgw): %v\n%s", err, out)
	}
	b.hcgw = bin
	return bin, nil
}

// freeAddr is a loopback address no one listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// bareRow is one server's figures in the comparison.
type bareRow struct {
	result
	cpu       cpuTime // the server process's CPU time during the phase
	keyTables int     // hcgw: keys holding a table after the phase (-1: not reported)
}

// cpuPer is the server's CPU time (user + system) per answer.
func (r bareRow) cpuPer() time.Duration { return r.per(r.cpu.user + r.cpu.sys) }

// sysPer is the system part of cpuPer.
func (r bareRow) sysPer() time.Duration { return r.per(r.cpu.sys) }

func (r bareRow) per(d time.Duration) time.Duration {
	if r.n == 0 {
		return 0
	}
	return d / time.Duration(r.n)
}

// bareCompare runs the bare service and a gateway (hcgw serve, records on
// SQLite, audit.sync on) each in a process of its own, and loads each in
// turn with the same net/http client: clients connections, every request
// a distinct code, b.dur each.
func (b *bench) bareCompare(clients int, next func(int) []byte, valid []byte) ([]bareRow, error) {
	pub, _ := json.Marshal(b.keys["330000"].Public().JWK)
	pubFile := filepath.Join(b.dir, "330000.pub.jwk")
	if err := os.WriteFile(pubFile, pub, 0o644); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cfgFile := filepath.Join(b.dir, "serve.yaml")
	cfg := fmt.Sprintf(`listen: %q
region: "310000"
database: {driver: sqlite, dsn: %q}
trust: {anchors: [%q], endorsements_dir: %q}
keys: [%q]
clients: [{name: bench, role: verifier, token_sha256: %q}]
audit: {sync: true}
log: {level: error}
`, addr, "file:"+filepath.Join(b.dir, "serve.db"), b.rootPub, b.trust, filepath.Join(b.dir, "310000.jwk"), sha256Hex(benchToken))
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	hcgw, err := b.hcgwBinary()
	if err != nil {
		return nil, err
	}
	bare, err := startChild(self, "", "bare", "--key", pubFile)
	if err != nil {
		return nil, err
	}
	defer bare.stop()
	bareTabled, err := startChild(self, "", "bare", "--key", pubFile, "--table")
	if err != nil {
		return nil, err
	}
	defer bareTabled.stop()
	gw, err := startChild(hcgw, addr, "serve", "--config", cfgFile)
	if err != nil {
		return nil, err
	}
	defer gw.stop()
	var rows []bareRow
	for _, s := range []struct {
		name string
		c    *child
	}{{"bare service (net/http, encoding/json, crypto/ecdsa)", bare}, {"hcgw (records on SQLite, audit.sync)", gw},
		{"bare service with the key's table (trust/p256), as hcgw checks", bareTabled}} {
		url := s.c.url + "/v1/verify"
		_ = load(phase{name: "warm-up", url: url, clients: 4, dur: 300 * time.Millisecond, next: next, want: valid, netHTTP: true})
		runtime.GC()
		fmt.Fprintf(b.log, "  %s, %d clients…\n", s.name, clients)
		before, err := s.c.cpu()
		if err != nil {
			return nil, err
		}
		r := load(phase{name: s.name, url: url, clients: clients, dur: b.dur, next: next, want: valid, netHTTP: true})
		after, err := s.c.cpu()
		if err != nil {
			return nil, err
		}
		tables := -1
		if s.c == gw {
			if v, ok := scrapeMetrics(s.c.url)["hcgw_trust_key_tables"]; ok {
				tables = int(v)
			}
		}
		rows = append(rows, bareRow{result: r, cpu: after.sub(before), keyTables: tables})
	}
	return rows, nil
}
