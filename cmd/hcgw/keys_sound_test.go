package main

import (
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `hcgw keys endorse` refuses an unsound key before signing anything: the
// Ed25519 identity point (with which a constant signature verifies for every
// message), a point of order 8, a non-canonical spelling of the identity,
// and a P-256 point off the curve.
func TestKeysEndorseRefusesUnsoundKeys(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	if c, _, e := runCLI(t, "", "keys", "generate", "--out", p("root.jwk")); c != 0 {
		t.Fatalf("generate root: %d %s", c, e)
	}
	okp := func(h string) string {
		b, _ := hex.DecodeString(h)
		return `{"kty":"OKP","crv":"Ed25519","x":"` + base64.RawURLEncoding.EncodeToString(b) + `"}`
	}
	b64 := func(h string) string { b, _ := hex.DecodeString(h); return base64.RawURLEncoding.EncodeToString(b) }
	keys := map[string]string{
		"the Ed25519 identity point":   okp("0100000000000000000000000000000000000000000000000000000000000000"),
		"an Ed25519 point of order 8":  okp("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
		"the identity spelled y = p+1": okp("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
		// The P-256 base point with y+1.
		"a P-256 point off the curve": `{"kty":"EC","crv":"P-256","x":"` + b64("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296") +
			`","y":"` + b64("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f6") + `"}`,
		"P-256 zero coordinates": `{"kty":"EC","crv":"P-256","x":"` + b64(strings.Repeat("00", 32)) + `","y":"` + b64(strings.Repeat("00", 32)) + `"}`,
	}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			kp := p(strings.ReplaceAll(name, " ", "_") + ".jwk")
			if err := os.WriteFile(kp, []byte(key), 0o600); err != nil {
				t.Fatal(err)
			}
			out := p(strings.ReplaceAll(name, " ", "_") + ".jws")
			c, stdout, e := runCLI(t, "", "keys", "endorse", "--root", p("root.jwk"), "--key", kp, "--sub", "330000", "--out", out)
			if c == 0 {
				t.Fatalf("endorsed: %s", stdout)
			}
			if !strings.Contains(e, "--key") || !(strings.Contains(e, "small order") || strings.Contains(e, "canonical") || strings.Contains(e, "curve")) {
				t.Fatalf("exit %d, message %q does not say why", c, e)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("an endorsement file was written: %v", err)
			}
		})
	}
}

// `hcgw keys revoke` refuses to revoke the root itself: gateways would
// refuse the revocation (anchors are removed by configuration).
func TestKeysRevokeRefusesTheRoot(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	c, pub, e := runCLI(t, "", "keys", "generate", "--out", p("root.jwk"))
	if c != 0 {
		t.Fatalf("generate root: %d %s", c, e)
	}
	i := strings.Index(pub, `"kid":"`)
	if i < 0 {
		t.Fatalf("no kid in %s", pub)
	}
	kid := pub[i+7:]
	kid = kid[:strings.IndexByte(kid, '"')]
	c, out, e := runCLI(t, "", "keys", "revoke", "--root", p("root.jwk"), "--kid", kid)
	if c == 0 || !strings.Contains(e, "anchors are removed by configuration") || strings.Contains(out, ".") {
		t.Fatalf("exit %d, stdout %q, stderr %q", c, out, e)
	}
}
