package issuing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/issuing"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

const (
	sh = "310000"
	zj = "330000"
)

// TestIssue: an issued code decodes with the nic-v1 adapter as what was
// asked, with the holder masked; every bad request is refused with its
// reason and never echoes the holder.
func TestIssue(t *testing.T) {
	root := testkit.NewRoot(t)
	own, other := testkit.Key(t, jwa.EdDSA), testkit.Key(t, jwa.ES256)
	reg := testkit.Registry(t, root, root.Endorse(own, sh, testkit.Spec{}), root.Endorse(other, zj, testkit.Spec{}))
	const name, id = "张三", "330102199001011234"
	for label, tc := range map[string]struct {
		signers []trust.Signer
		req     issuing.Request
		ttl     time.Duration // the code's validity when issued
		reason  fault.Kind
		noKey   bool
	}{
		"a green code of a day by default": {signers: []trust.Signer{own}, req: issuing.Request{Status: mapping.Green, Name: name, ID: id},
			ttl: issuing.DefaultTTL},
		"a red code of an hour": {signers: []trust.Signer{own}, req: issuing.Request{Status: mapping.Red, Name: name, ID: id, TTL: time.Hour},
			ttl: time.Hour},
		"the endorsed key among others": {signers: []trust.Signer{other, own}, req: issuing.Request{Status: mapping.Yellow, Name: name, ID: id},
			ttl: issuing.DefaultTTL},
		"no status":             {signers: []trust.Signer{own}, req: issuing.Request{Name: name, ID: id}, reason: fault.Malformed},
		"a ttl under a second":  {signers: []trust.Signer{own}, req: issuing.Request{Status: mapping.Green, Name: name, ID: id, TTL: time.Millisecond}, reason: fault.Malformed},
		"a ttl past the bound":  {signers: []trust.Signer{own}, req: issuing.Request{Status: mapping.Green, Name: name, ID: id, TTL: mapping.MaxValidity + time.Second}, reason: fault.Malformed},
		"no key for the region": {signers: []trust.Signer{other}, req: issuing.Request{Status: mapping.Green, Name: name, ID: id}, noKey: true},
	} {
		t.Run(label, func(t *testing.T) {
			is := &issuing.Issuer{Region: sh, Signers: tc.signers, Trust: reg, Clock: testkit.Clock}
			out, err := is.Issue(tc.req)
			switch {
			case tc.noKey:
				if !errors.Is(err, issuing.ErrNoSigningKey) {
					t.Fatalf("err %v, want ErrNoSigningKey", err)
				}
				return
			case tc.reason != fault.None:
				if fault.ReasonOf(err) != tc.reason {
					t.Fatalf("err %v, want reason %s", err, tc.reason)
				}
				if strings.Contains(err.Error(), id) || strings.Contains(err.Error(), name) {
					t.Fatalf("the error echoes the holder: %v", err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			c, err := nic.New().Decode(out.Code, adapters.Env{Trust: reg.Snapshot(), Now: testkit.Now})
			if err != nil {
				t.Fatalf("the issued code does not decode: %v", err)
			}
			if c.Iss != sh || c.Org != sh || c.Status != tc.req.Status || c.Kid != own.Kid() || out.Kid != own.Kid() {
				t.Fatalf("decoded %+v, issued by %s", c, out.Kid)
			}
			if got := c.Expires.Sub(c.IssuedAt); got != tc.ttl {
				t.Fatalf("valid for %s, want %s", got, tc.ttl)
			}
			if strings.Contains(out.Code, id) || c.Holder.ID == id || c.Holder.Name == name || out.Claims.HID != c.Holder.ID {
				t.Fatalf("the holder is not masked: %+v", c.Holder)
			}
		})
	}
}
