package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// These tests run the real binary as a separate process, as an operator
// would: built once per test binary, started with a configuration file,
// killed with SIGKILL.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func hcgwBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hcgw-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "hcgw")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

const (
	testVerifierToken = "crash-test-verifier"
	testAdminToken    = "crash-test-admin"
)

func sha(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

// site is a configured gateway on disk: keys, endorsements, config.
type site struct {
	dir, config, addr string
	zjKey             *testkit.TestKey
}

func newSite(t *testing.T, driver, dsn string) *site {
	t.Helper()
	dir := t.TempDir()
	root := testkit.NewRoot(t)
	zjKey := testkit.Key(t, jwa.ES256)
	own := testkit.Key(t, jwa.EdDSA)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "e"), 0o755))
	spec := testkit.Spec{NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	must(os.WriteFile(filepath.Join(dir, "e", "zj.jws"), []byte(root.Endorse(zjKey, "330000", spec)), 0o644))
	must(os.WriteFile(filepath.Join(dir, "e", "own.jws"), []byte(root.Endorse(own, "310000", spec)), 0o644))
	must(os.WriteFile(filepath.Join(dir, "root.jwk"), root.PublicJWK(), 0o644))
	must(os.WriteFile(filepath.Join(dir, "own.jwk"), own.JWK, 0o600))
	if driver == "sqlite" {
		dsn = "file:" + filepath.Join(dir, "hcgw.db")
	}
	s := &site{dir: dir, config: filepath.Join(dir, "hcgw.yaml"), addr: freePort(t), zjKey: zjKey}
	cfg := fmt.Sprintf(`listen: %s
region: "310000"
database:
  driver: %s
  dsn: %q
trust:
  anchors: [%s]
  endorsements_dir: %s
keys: [%s]
clients:
  - {name: gate, role: verifier, token_sha256: %q}
  - {name: ops, role: admin, token_sha256: %q}
audit:
  sync: true
`, s.addr, driver, dsn, filepath.Join(dir, "root.jwk"), filepath.Join(dir, "e"), filepath.Join(dir, "own.jwk"),
		sha(testVerifierToken), sha(testAdminToken))
	must(os.WriteFile(s.config, []byte(cfg), 0o644))
	return s
}

// start runs `hcgw serve` and waits until it answers /healthz.
func (s *site) start(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(hcgwBinary(t), "serve", "--config", s.config)
	// The configuration file alone decides: no HCGW_* variable of the
	// developer's shell leaks into the gateway under test.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HCGW_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	logf, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	t.Fatalf("gateway did not start; log:\n%s", log)
	return nil
}

func (s *site) post(ctx context.Context, path, token string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+s.addr+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

type answered struct {
	id     string
	status mapping.Status
	result fault.Result
	junk   bool
}

// TestCrashLosesNoAnsweredRecord kills the gateway with SIGKILL while
// checkpoints verify concurrently; after a restart every record_id that was
// answered with 200 must be there.
func TestCrashLosesNoAnsweredRecord(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { crashTest(t, newSite(t, "sqlite", "")) })
	t.Run("mysql", func(t *testing.T) { crashTest(t, newSite(t, "mysql", testdb.FreshMySQL(t))) })
}

func crashTest(t *testing.T, s *site) {
	cmd := s.start(t)
	good, err := nic.Encode(s.zjKey, testkit.ClaimsAt("330000", mapping.Green, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	bad := good[:len(good)-6] + "AAAAAA"

	const workers, maxRequests = 8, 4000
	var (
		mu   sync.Mutex
		got  []answered
		sent int
	)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	killed := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				mu.Lock()
				if sent >= maxRequests {
					mu.Unlock()
					return
				}
				sent++
				mu.Unlock()
				junk := (i+w)%4 == 0
				code := good
				if junk {
					code = bad
				}
				st, b, err := s.post(ctx, "/v1/verify", testVerifierToken, []byte(`{"code":"`+code+`","checkpoint":"crash"}`))
				if err != nil {
					select {
					case <-killed:
						return // the gateway is gone, as intended
					default:
					}
					if ctx.Err() != nil {
						return
					}
					continue
				}
				if st != 200 {
					continue
				}
				var vd struct {
					RecordID string         `json:"record_id"`
					Status   mapping.Status `json:"status"`
					Result   fault.Result   `json:"result"`
				}
				if json.Unmarshal(b, &vd) != nil || vd.RecordID == "" {
					t.Errorf("200 without a verdict: %s", b)
					continue
				}
				mu.Lock()
				got = append(got, answered{id: vd.RecordID, status: vd.Status, result: vd.Result, junk: junk})
				mu.Unlock()
			}
		}(w)
	}
	// Kill once a good number of verifications have been answered.
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 300 {
			break
		}
	}
	close(killed)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = cmd.Process.Wait()
	wg.Wait()
	if len(got) < 50 {
		t.Fatalf("only %d verifications answered before the kill", len(got))
	}

	s.start(t)
	seen := map[string]bool{}
	for _, a := range got {
		if seen[a.id] {
			t.Fatalf("record id %s answered twice", a.id)
		}
		seen[a.id] = true
		if a.junk && (a.result == fault.Valid || a.status == mapping.Green) {
			t.Fatalf("a code with a broken signature was answered %s/%s", a.result, a.status)
		}
		st, b := call(t, "GET", "http://"+s.addr+"/v1/records/"+a.id, testAdminToken, "")
		if st != 200 {
			t.Fatalf("record %s answered before the crash is missing after restart: %d %s", a.id, st, b)
		}
		if !strings.Contains(string(b), `"result":"`+string(a.result)+`"`) {
			t.Fatalf("record %s does not match its verdict: %s", a.id, b)
		}
	}
	t.Logf("%d verifications answered before SIGKILL; all %d records present after restart", len(got), len(seen))
	testkit.Report(t, "crash", "SIGKILL of hcgw serve during 8 concurrent checkpoints, restart, fetch every answered record_id", len(got),
		"every record present, none duplicated, no broken code answered valid, no identity number in the server log")
	// Privacy: the server's log holds no unmasked identity number (the
	// database files hold hex hashes, where 18 digits in a row happen by
	// chance; TestNoFullNameOrIdentityNumberIsLoggedOrStored scans them for
	// the exact values instead).
	data, err := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	if m := fullID.Find(data); m != nil {
		t.Fatalf("the server log holds an unmasked identity number %q", m)
	}
}

var fullID = regexp.MustCompile(`[0-9]{17}[0-9X]`)
