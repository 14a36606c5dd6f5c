package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// The whole key life cycle through the command line, offline: generate a
// root and a provincial key, endorse, issue, verify; revoke, verify again.
func TestKeyLifecycleOffline(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	if c, _, e := runCLI(t, "", "keys", "generate", "--out", p("root.jwk"), "--pub", p("root.pub.jwk")); c != 0 {
		t.Fatalf("generate root: %d %s", c, e)
	}
	c, pub, e := runCLI(t, "", "keys", "generate", "--alg", "EdDSA", "--out", p("bj.jwk"))
	if c != 0 {
		t.Fatalf("generate: %d %s", c, e)
	}
	var pubJWK struct{ Kid, Kty, D string }
	if err := json.Unmarshal([]byte(pub), &pubJWK); err != nil || pubJWK.Kid == "" || pubJWK.Kty != "OKP" || pubJWK.D != "" {
		t.Fatalf("printed public JWK %q (%v)", pub, err)
	}
	if st, err := os.Stat(p("bj.jwk")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file mode: %v %v", st.Mode(), err)
	}
	if c, _, e := runCLI(t, "", "keys", "generate", "--out", p("bj.jwk")); c == 0 || !strings.Contains(e, "exists") {
		t.Fatalf("overwrote a key file: %d %s", c, e)
	}
	_ = os.MkdirAll(p("trust"), 0o755)
	if c, _, e := runCLI(t, "", "keys", "endorse", "--root", p("root.jwk"), "--key", p("bj.jwk"), "--sub", "110000",
		"--use", "codes", "--days", "30", "--out", p("trust/bj.jws")); c != 0 {
		t.Fatalf("endorse: %d %s", c, e)
	}
	c, code, e := runCLI(t, "", "issue", "--key", p("bj.jwk"), "--region", "110000", "--status", "red",
		"--name", "王小明", "--id", "110105199001011234", "--ttl", "1h", "--vac", "2")
	if c != 0 || !strings.HasPrefix(code, "NIC1:") {
		t.Fatalf("issue: %d %s %s", c, code, e)
	}
	code = strings.TrimSpace(code)
	c, out, e := runCLI(t, "", "verify", "--anchor", p("root.pub.jwk"), "--trust", p("trust"), code)
	if c != 0 || !strings.Contains(out, `"status": "red"`) || !strings.Contains(out, `"name": "王*明"`) {
		t.Fatalf("verify: %d %s %s", c, out, e)
	}
	if strings.Contains(out, "王小明") || strings.Contains(out, "110105199001011234") {
		t.Fatalf("verdict leaks the holder: %s", out)
	}
	if c, out, _ := runCLI(t, code+"\n", "verify", "--anchor", p("root.pub.jwk"), "--trust", p("trust"), "-"); c != 0 {
		t.Fatalf("verify from stdin: %d %s", c, out)
	}
	// The same trust from a configuration file, read once for the anchors,
	// the endorsements and the mapping tables.
	cfg := p("gw.yaml")
	_ = os.WriteFile(cfg, []byte(fmt.Sprintf("region: \"310000\"\ntrust:\n  anchors: [%q]\n  endorsements_dir: %q\n", p("root.pub.jwk"), p("trust"))), 0o600)
	if c, out, e := runCLI(t, "", "verify", "--config", cfg, code); c != 0 || !strings.Contains(out, `"status": "red"`) {
		t.Fatalf("verify --config: %d %s %s", c, out, e)
	}
	_ = os.WriteFile(p("bad.yaml"), []byte("trust:\n  anchor: []\n"), 0o600)
	if c, _, e := runCLI(t, "", "verify", "--config", p("bad.yaml"), code); c != 1 || !strings.Contains(e, "bad.yaml") {
		t.Fatalf("verify with a bad configuration: exit %d: %s", c, e)
	}
	if c, _, e := runCLI(t, "", "keys", "revoke", "--root", p("root.jwk"), "--kid", pubJWK.Kid, "--reason", "lost", "--out", p("trust/bj.revoked.jws")); c != 0 {
		t.Fatalf("revoke: %d %s", c, e)
	}
	if c, out, _ := runCLI(t, "", "verify", "--anchor", p("root.pub.jwk"), "--trust", p("trust"), code); c != 1 || !strings.Contains(out, `"reason": "revoked_key"`) {
		t.Fatalf("verify after revocation: %d %s", c, out)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := map[string][]string{
		"no command":              {},
		"an unknown command":      {"frobnicate"},
		"keys without subcommand": {"keys"},
		"endorse without a root":  {"keys", "endorse", "--key", "k", "--sub", "110000"},
		"issue without a holder":  {"issue", "--key", "k", "--region", "110000", "--status", "green"},
		"a bad status":            {"issue", "--key", "k", "--region", "110000", "--status", "blue", "--name", "a", "--id", "b"},
		"an unknown flag":         {"serve", "--nope"},
		"verify without a code":   {"verify", "--anchor", "x"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			if c, _, _ := runCLI(t, "", args...); c != 2 {
				t.Fatalf("exit %d, want 2", c)
			}
		})
	}
	if c, out, _ := runCLI(t, "", "version"); c != 0 || !strings.HasPrefix(out, "hcgw ") {
		t.Fatalf("version: %d %q", c, out)
	}
}

func TestServeRefusesABadConfiguration(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(cfg, []byte("listen: 127.0.0.1:0\ntrust:\n  anchor: []\n"), 0o644)
	c, _, e := runCLI(t, "", "serve", "--config", cfg)
	if c != 1 || !strings.Contains(e, "bad.yaml") || !strings.Contains(e, "anchor") {
		t.Fatalf("exit %d: %s", c, e)
	}
}
