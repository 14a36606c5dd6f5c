package sh_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Full holder values, as Shanghai's platform knows them. They must never
// come out of the adapter: only their masks may.
const (
	fullName   = "张小三"
	fullID     = "310101199001011234"
	maskedName = "张*三"
	maskedID   = "3101**********1234"
)

func newWorld(t testing.TB) *adaptertest.World {
	t.Helper()
	return adaptertest.NewWorld(t, sh.New)
}

func newAdapter(t testing.TB) adapters.Adapter {
	t.Helper()
	return adaptertest.Adapter(t, sh.New)
}

// claims returns valid claims issued a minute before the golden time, valid
// for an hour, with the full holder.
func claims(state string) sh.Claims {
	return sh.Claims{CodeID: "sh-code-1", State: state, Issued: testkit.GoldenTime.Add(-time.Minute).Unix(),
		TTL: 3600, Name: fullName, ID: fullID}
}

func with(c sh.Claims, f func(*sh.Claims)) sh.Claims { f(&c); return c }

func encode(t testing.TB, s trust.Signer, c sh.Claims) string {
	t.Helper()
	code, err := provsim.EncodeSH(s, c)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// fields returns the seven unsigned fields of valid masked claims, to be
// altered and signed with signRaw.
func fields(c sh.Claims) []string {
	n, _ := mapping.MaskName(c.Name)
	id, _ := mapping.MaskID(c.ID)
	return []string{"SSM2", c.CodeID, c.State, strconv.FormatInt(c.Issued, 10), strconv.FormatInt(c.TTL, 10), n, id}
}

// signRaw joins fields with "|" and appends a signature over them by s with
// whatever algorithm s has: it makes codes Encode refuses to make.
func signRaw(t testing.TB, s trust.Signer, fields ...string) string {
	t.Helper()
	body := strings.Join(fields, "|")
	sig, err := s.Sign([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return body + "|" + testkit.B64(sig)
}

// set returns a copy of fs with field i (0-based) replaced.
func set(fs []string, i int, v string) []string {
	out := append([]string(nil), fs...)
	out[i] = v
	return out
}

// replaceField replaces field i (0-based) of a whole code, keeping its
// signature: the code no longer verifies, or no longer parses.
func replaceField(code string, i int, v string) string {
	f := strings.Split(code, "|")
	f[i] = v
	return strings.Join(f, "|")
}

// flipSig changes one character in the middle of the signature field, so
// that it still decodes to 64 bytes.
func flipSig(code string) string {
	last := strings.LastIndexByte(code, '|')
	b := []byte(code)
	i := last + 1 + 20
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
