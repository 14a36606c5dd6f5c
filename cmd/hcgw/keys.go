package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

func cmdKeys(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError("keys needs generate, endorse, revoke or sign-rule")
	}
	switch args[0] {
	case "generate":
		return keysGenerate(args[1:], stdout)
	case "endorse":
		return keysEndorse(args[1:], stdout)
	case "revoke":
		return keysRevoke(args[1:], stdout)
	case "sign-rule":
		return keysSignRule(args[1:], stdout)
	}
	return usageError(fmt.Sprintf("unknown keys command %q", args[0]))
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	return nil
}

// writeNew writes data to a file that must not exist yet (keys are never
// overwritten by accident).
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func keysGenerate(args []string, stdout io.Writer) error {
	fs := newFlags("keys generate")
	out := fs.String("out", "", "file to write the private JWK to (must not exist)")
	pubOut := fs.String("pub", "", "optional file to write the public JWK to")
	alg := fs.String("alg", "ES256", "ES256 (P-256) or EdDSA (Ed25519)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError("--out is required")
	}
	s, priv, err := trust.GenerateKey(jwa.SignatureAlgorithm(*alg))
	if err != nil {
		return err
	}
	if err := writeNew(*out, append(priv, '\n'), 0o600); err != nil {
		return err
	}
	pub, err := json.Marshal(s.Public().JWK)
	if err != nil {
		return err
	}
	if *pubOut != "" {
		if err := writeNew(*pubOut, append(pub, '\n'), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s\n", pub)
	return nil
}

// readPublic reads a public JWK, or the public half of a private one.
func readPublic(path string) (*trust.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pk, err := trust.ParsePublicJWK(data)
	if err == nil {
		return pk, nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(data, &members) != nil || members["d"] == nil {
		// A public JWK: its own refusal (an unsound point, say) is the
		// answer, not the private parser's.
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, err := trust.ParsePrivateJWK(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s.Public(), nil
}

func emit(out string, stdout io.Writer, token string) error {
	if out == "" {
		_, err := fmt.Fprintln(stdout, token)
		return err
	}
	return writeNew(out, []byte(token+"\n"), 0o644)
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func keysEndorse(args []string, stdout io.Writer) error {
	fs := newFlags("keys endorse")
	root := fs.String("root", "", "the national root's private JWK")
	keyPath := fs.String("key", "", "the key to endorse (public or private JWK)")
	sub := fs.String("sub", "", "the key holder's region")
	use := fs.String("use", "codes", "comma-separated: codes, status, federation, rules")
	scope := fs.String("scope", "", "comma-separated regions the key may sign for, or * (default: sub)")
	days := fs.Int("days", 365, "validity in days")
	nbf := fs.String("not-before", "", "start of validity, RFC 3339 (default: now)")
	jti := fs.String("jti", "", "endorsement id (default: random)")
	out := fs.String("out", "", "file to write the endorsement JWS to (default: stdout)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *root == "" || *keyPath == "" || *sub == "" {
		return usageError("--root, --key and --sub are required")
	}
	anchor, err := trust.LoadPrivateJWK(*root)
	if err != nil {
		return fmt.Errorf("--root: %w", err)
	}
	pk, err := readPublic(*keyPath)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	start := time.Now().UTC().Truncate(time.Second)
	if *nbf != "" {
		if start, err = time.Parse(time.RFC3339, *nbf); err != nil {
			return usageError("--not-before: " + err.Error())
		}
	}
	if *days <= 0 {
		return usageError("--days must be positive")
	}
	spec := trust.EndorsementSpec{Key: pk, Sub: *sub, NotBefore: start,
		NotAfter: start.Add(time.Duration(*days) * 24 * time.Hour), IssuedAt: time.Now().UTC(), JTI: *jti}
	if spec.JTI == "" {
		spec.JTI = randomID()
	}
	for _, u := range strings.Split(*use, ",") {
		spec.Use = append(spec.Use, trust.Use(strings.TrimSpace(u)))
	}
	if *scope != "" {
		for _, s := range strings.Split(*scope, ",") {
			spec.Scope = append(spec.Scope, strings.TrimSpace(s))
		}
	}
	token, err := trust.SignEndorsement(anchor, spec)
	if err != nil {
		return err
	}
	// Check it the way every gateway will, before anyone else sees it.
	self := trust.Anchors{anchor.Kid(): anchor.Public()}
	if _, err := self.ParseEndorsement(token); err != nil {
		return fmt.Errorf("the endorsement would be refused: %w", err)
	}
	return emit(*out, stdout, token)
}

func keysRevoke(args []string, stdout io.Writer) error {
	fs := newFlags("keys revoke")
	root := fs.String("root", "", "the national root's private JWK")
	kid := fs.String("kid", "", "kid of the key to revoke")
	reason := fs.String("reason", "unspecified", "why")
	out := fs.String("out", "", "file to write the revocation JWS to (default: stdout)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *root == "" || *kid == "" {
		return usageError("--root and --kid are required")
	}
	anchor, err := trust.LoadPrivateJWK(*root)
	if err != nil {
		return fmt.Errorf("--root: %w", err)
	}
	token, err := trust.SignRevocation(anchor, *kid, *reason, "", time.Now())
	if err != nil {
		return err
	}
	// Check it the way every gateway will: a revocation of the root
	// itself is refused there.
	self := trust.Anchors{anchor.Kid(): anchor.Public()}
	if _, err := self.ParseRevocation(token); err != nil {
		return fmt.Errorf("the revocation would be refused: %w", err)
	}
	return emit(*out, stdout, token)
}

// keysSignRule signs an admission rule object (DESIGN §11) with a key: the
// national root's (as region 000000, for any region's rules) or a key
// endorsed with use rules (as its own region).
func keysSignRule(args []string, stdout io.Writer) error {
	fs := newFlags("keys sign-rule")
	key := fs.String("key", "", "the signing private JWK: the national root, or a key endorsed with use rules")
	iss := fs.String("iss", mapping.NationalRegion, "the signing region (000000 for the national root)")
	jti := fs.String("jti", "", "the rule JWS's id (default: random)")
	out := fs.String("out", "", "file to write the rule JWS to (default: stdout)")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if *key == "" || fs.NArg() != 1 {
		return usageError("--key and one RULE.json file are required")
	}
	signer, err := trust.LoadPrivateJWK(*key)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	rule, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	if *jti == "" {
		*jti = randomID()
	}
	token, err := trust.SignRule(signer, *iss, rule, *jti, time.Now())
	if err != nil {
		return err
	}
	// Signed by a root, it is checked the way every gateway will check it:
	// shape, CertLogic, size.
	if *iss == mapping.NationalRegion {
		self := trust.NewRegistry(trust.Anchors{signer.Kid(): signer.Public()}, nil)
		if _, _, err := self.AddRule(context.Background(), token); err != nil {
			return fmt.Errorf("the rule would be refused: %w", err)
		}
	}
	return emit(*out, stdout, token)
}
