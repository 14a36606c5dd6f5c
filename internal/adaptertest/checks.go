package adaptertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// DecodeCase is one row of a decoding table.
type DecodeCase struct {
	Code   string
	Env    *adapters.Env  // nil: the world's
	Reason fault.Kind     // ReasonNone: the code decodes
	Status mapping.Status // the status it decodes to
}

// RunDecode decodes every case in a subtest of its name. A refused code
// comes back as no Code and a *fault.Error of the case's reason; a
// decoded one has the case's status and passes check, when there is one.
func (w *World) RunDecode(t *testing.T, cases map[string]DecodeCase, check func(t *testing.T, code string, c *adapters.Code)) {
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			env := w.Env
			if tc.Env != nil {
				env = *tc.Env
			}
			c, err := w.Dec.Decode(tc.Code, env)
			if got := fault.ReasonOf(err); got != tc.Reason {
				t.Fatalf("reason %q (%v), want %q", got, err, tc.Reason)
			}
			if err != nil {
				var p *fault.Error
				if c != nil || !errors.As(err, &p) {
					t.Fatalf("decoded %+v with error %v (%T)", c, err, err)
				}
				return
			}
			if c == nil {
				t.Fatal("no code and no error")
			}
			if c.Status != tc.Status {
				t.Fatalf("status %s, want %s", c.Status, tc.Status)
			}
			if check != nil {
				check(t, tc.Code, c)
			}
		})
	}
}

// CheckRefusal asserts what every refusal by a decoder guarantees: no Code,
// and a *fault.Error whose reason makes the code invalid (a decoder
// never says unverified). It returns the Problem for further checks.
func CheckRefusal(t testing.TB, c *adapters.Code, err error) *fault.Error {
	t.Helper()
	if c != nil {
		t.Fatalf("code returned with error %v", err)
	}
	var p *fault.Error
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T) is not a *fault.Error", err, err)
	}
	if p.Kind.Result() != fault.Invalid {
		t.Fatalf("reason %s: a decoder only says a code is invalid", p.Kind)
	}
	return p
}

// CheckSigned asserts what every decoded signed code guarantees, whatever
// its format: the format, signed, by one of kids, issued by and about
// region, a masked holder, a valid status, and a validity of at most
// mapping.MaxValidity.
func CheckSigned(t testing.TB, c *adapters.Code, format, region string, kids ...string) {
	t.Helper()
	if c == nil {
		t.Fatal("no code and no error")
	}
	if c.Format != format || !c.Signed || !slices.Contains(kids, c.Kid) || c.Iss != region || c.Org != region {
		t.Fatalf("format %s signed %v kid %s iss %s org %s", c.Format, c.Signed, c.Kid, c.Iss, c.Org)
	}
	if !mapping.IsMaskedName(c.Holder.Name) || !mapping.IsMaskedID(c.Holder.ID) {
		t.Fatalf("holder is not masked: %#v", c.Holder)
	}
	if !c.Status.Valid() {
		t.Fatalf("status %q", c.Status)
	}
	if !c.Expires.After(c.IssuedAt) || c.Expires.Sub(c.IssuedAt) > mapping.MaxValidity {
		t.Fatalf("validity %s..%s", c.IssuedAt, c.Expires)
	}
}

// CheckASCIIDetail asserts that a detail is printable ASCII: details are
// built from the adapter's own words, numbers and kids, so non-ASCII text
// (a name, say) from the input cannot appear in one.
func CheckASCIIDetail(t testing.TB, p *fault.Error) {
	t.Helper()
	for i := 0; i < len(p.Message); i++ {
		if p.Message[i] < 0x20 || p.Message[i] > 0x7e {
			t.Fatalf("detail %q is not printable ASCII", p.Message)
		}
	}
}

// Texts are the forms in which a decoding result reaches anyone: the
// error's text in each fmt form, and the Code in each fmt form, as JSON and
// field by field.
func Texts(t testing.TB, c *adapters.Code, err error) []string {
	t.Helper()
	var texts []string
	if err != nil {
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
	if c != nil {
		j, jerr := json.Marshal(c)
		if jerr != nil {
			t.Fatal(jerr)
		}
		texts = append(texts, fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", *c), string(j),
			c.Holder.Name, c.Holder.ID, c.ID, c.Kid)
	}
	return texts
}

// NoLeak fails t for every text that contains one of secrets (a full name,
// an identity number, or a part of them that masking removes).
func NoLeak(t testing.TB, secrets []string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%q leaks %q", text, s)
			}
		}
	}
}
