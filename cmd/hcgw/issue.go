package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/issuing"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/qr"
	"github.com/hcgw/hcgw/trust"
)

// cmdIssue signs a national information code offline with a key file: the
// tool of a region with no code of its own, or of a test. The gateway's
// POST /v1/issue is the online equivalent and checks the key's endorsement.
func cmdIssue(args []string, stdout io.Writer) error {
	fs := newFlags("issue")
	keyPath := fs.String("key", "", "private JWK of an endorsed codes key")
	region := fs.String("region", "", "the issuing region")
	status := fs.String("status", "", "green, yellow, red or grey")
	name := fs.String("name", "", "holder's full name (masked before signing)")
	id := fs.String("id", "", "holder's identity number (masked before signing)")
	ttl := fs.Duration("ttl", issuing.DefaultTTL, "offline validity (at most 168h)")
	vac := fs.Int("vac", -1, "vaccine doses (omit when negative)")
	nat := fs.String("nat", "", "last nucleic-acid test result: negative or positive")
	natTime := fs.Int64("nat-time", 0, "time of that test (unix seconds)")
	qrPath := fs.String("qr", "", "also write the code as a PNG QR image to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *keyPath == "" || *region == "" || *status == "" || *name == "" || *id == "" {
		return usageError("--key, --region, --status, --name and --id are required")
	}
	st, ok := mapping.ParseStatus(*status)
	if !ok {
		return usageError("--status must be green, yellow, red or grey")
	}
	s, err := trust.LoadPrivateJWK(*keyPath)
	if err != nil {
		return err
	}
	holder, err := mapping.NewHolder(*name, *id)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	c := &mapping.Claims{V: 1, Iss: *region, Org: *region, JTI: randomID(), IAT: now.Unix(),
		EXP: now.Add(*ttl).Unix(), St: st, SA: now.Unix(), HN: holder.Name, HID: holder.ID}
	if *vac >= 0 {
		c.Vac = vac
	}
	if *nat != "" {
		c.NAT = &mapping.NAT{Result: *nat, Time: *natTime}
	}
	code, err := nic.Encode(s, c)
	if err != nil {
		return err
	}
	if *qrPath != "" {
		img, err := qr.Encode(code, 0)
		if err != nil {
			return fmt.Errorf("--qr: %w", err)
		}
		if err := os.WriteFile(*qrPath, img, 0o644); err != nil {
			return fmt.Errorf("--qr: %w", err)
		}
	}
	_, err = fmt.Fprintln(stdout, code)
	return err
}
