package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/qr"
)

// hcgw issue --qr writes the code it prints as a PNG QR image too, one a
// checkpoint's camera (and /v1/qr/decode) reads back exactly.
func TestIssueWritesAQRImage(t *testing.T) {
	dir := t.TempDir()
	key, img := filepath.Join(dir, "k.jwk"), filepath.Join(dir, "code.png")
	if c, _, e := runCLI(t, "", "keys", "generate", "--alg", "ES256", "--out", key); c != 0 {
		t.Fatalf("generate: %d %s", c, e)
	}
	c, out, e := runCLI(t, "", "issue", "--key", key, "--region", "540000", "--status", "yellow",
		"--name", "次仁卓玛", "--id", "540102199001011234", "--qr", img)
	code := strings.TrimSpace(out)
	if c != 0 || !strings.HasPrefix(code, "NIC1:") {
		t.Fatalf("issue: %d %s %s", c, out, e)
	}
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	got, err := qr.Decode(b)
	if err != nil || got != code {
		t.Fatalf("the QR image holds %q (%v), the printed code is %q", got, err, code)
	}
	if c, _, e := runCLI(t, "", "issue", "--key", key, "--region", "540000", "--status", "green",
		"--name", "次仁", "--id", "540102199001011234", "--qr", filepath.Join(dir, "no", "such", "dir.png")); c != 1 || !strings.Contains(e, "--qr") {
		t.Fatalf("an unwritable --qr file: %d %s", c, e)
	}
}
