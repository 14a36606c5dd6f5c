package adaptertest

import (
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/localjws"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// The holder every JWS fixture carries. The middle parts are what masking
// removes; none of them may appear anywhere the adapter returns.
const (
	FullName   = "张三丰"
	FullID     = "330102199001011234"
	MaskedName = "张*丰"
	MaskedID   = "3301**********1234"
)

// Secrets are substrings of the fixture holder that no Code and no error
// may contain.
var Secrets = []string{FullName, "三", FullID, "19900101"}

// The fixture's status time, a minute before the golden time, and its
// expiry, an hour after it.
var (
	StatusTime = testkit.GoldenTime.Add(-time.Minute)
	Expires    = testkit.GoldenTime.Add(time.Hour)
)

// JWSFormat is a localjws format under test, as its package's tests
// describe it.
type JWSFormat struct {
	Spec       localjws.Spec
	NewAdapter func(mapping.Tables) (adapters.Adapter, error) // the package's New
	EncodeCode func(trust.Signer, localjws.Claims) (string, error)
	KeyName    string // the golden key that signs the province's codes
	CodeID     string // the fixture's code id
	// Local status values the suite uses.
	Green, Yellow, Red string
	// Payload is the wire form of Claims(Green), written by hand in the
	// province's claim order, so that cases can alter it byte for byte.
	Payload string
}

// Claims are the fixture claims with a status value: the full holder,
// status time a minute before the golden time, valid for an hour after it.
func (f JWSFormat) Claims(status string) localjws.Claims {
	return localjws.Claims{Name: FullName, ID: FullID, Status: status, StatusTime: StatusTime.Unix(),
		Expires: Expires.Unix(), CodeID: f.CodeID}
}

// With returns c changed by fn.
func With(c localjws.Claims, fn func(*localjws.Claims)) localjws.Claims { fn(&c); return c }

// JWS is the golden world of one localjws format.
type JWS struct {
	*World
	JWSFormat
	Table *mapping.Table // the shipped table of the format
}

// NewJWS loads the golden world with the format's adapter.
func NewJWS(t testing.TB, f JWSFormat) *JWS {
	t.Helper()
	table, err := Tables(t).Get(f.Spec.Format)
	if err != nil {
		t.Fatal(err)
	}
	return &JWS{World: NewWorld(t, f.NewAdapter), JWSFormat: f, Table: table}
}

// Signer is the province's endorsed golden key.
func (w *JWS) Signer(t testing.TB) trust.Signer {
	t.Helper()
	return w.Key(t, w.KeyName)
}

// Encode signs c with the format's encoder in internal/provsim (EncodeCode).
func (w *JWS) Encode(t testing.TB, s trust.Signer, c localjws.Claims) string {
	t.Helper()
	code, err := w.EncodeCode(s, c)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// Signed signs a payload the way Encode does (header alg, kid, typ)
// without Encode's checks, for payloads Encode refuses.
func (w *JWS) Signed(t testing.TB, s trust.Signer, payload []byte) string {
	t.Helper()
	tok, err := s.SignCompact(payload, w.Spec.Typ)
	if err != nil {
		t.Fatal(err)
	}
	return w.Spec.Prefix + tok
}

// Raw builds a code with an arbitrary protected header, signed by s with the
// algorithm s pins whatever the header says: hostile tokens.
func (w *JWS) Raw(t testing.TB, s trust.Signer, header map[string]any, payload []byte) string {
	t.Helper()
	in := testkit.B64(testkit.JSON(t, header)) + "." + testkit.B64(payload)
	sig, err := s.Sign([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	return w.Spec.Prefix + in + "." + testkit.B64(sig)
}

// Header is the protected header Encode writes for s.
func (w *JWS) Header(s trust.Signer) map[string]any {
	return map[string]any{"alg": string(s.Alg()), "kid": s.Kid(), "typ": w.Spec.Typ}
}

// Replace alters Payload, failing if old is not in it.
func (w *JWS) Replace(t testing.TB, old, new string) []byte {
	t.Helper()
	return Replace(t, w.Payload, old, new)
}

// Parts are the three parts of a code's compact JWS.
func (w *JWS) Parts(code string) []string {
	return strings.Split(strings.TrimPrefix(code, w.Spec.Prefix), ".")
}

// EndorsedKey is a fresh key of alg endorsed by the golden root to sign the
// province's codes, and an env whose registry holds only it.
func (w *JWS) EndorsedKey(t testing.TB, alg jwa.SignatureAlgorithm, jti string) (trust.Signer, adapters.Env) {
	t.Helper()
	k := testkit.Key(t, alg)
	return k, TrustEnv(t, w.G, Endorse(t, w.G, k, w.Spec.Region, jti))
}

// At is a code of status valid from one instant until another.
func (w *JWS) At(t testing.TB, status string, from, until time.Time) string {
	t.Helper()
	return w.Encode(t, w.Signer(t), With(w.Claims(status), func(c *localjws.Claims) { c.StatusTime, c.Expires = from.Unix(), until.Unix() }))
}

// FlipAt changes the character at i of a base64url string to another
// letter.
func FlipAt(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// HolderIsTheFixture checks that a decoded code carries the fixture holder,
// masked.
func HolderIsTheFixture(t *testing.T, _ string, c *adapters.Code) {
	t.Helper()
	if c.Holder.Name != MaskedName || c.Holder.ID != MaskedID {
		t.Fatalf("holder %v", c.Holder)
	}
}

// RunDecodedCode decodes a yellow fixture code and compares every field of
// the Code with the national model the format promises.
func (w *JWS) RunDecodedCode(t *testing.T) {
	k := w.Signer(t)
	code := w.Encode(t, k, w.Claims(w.Yellow))
	c, err := w.Dec.Decode(code, w.Env)
	if err != nil {
		t.Fatal(err)
	}
	SameCode(t, c, adapters.Code{Format: w.Spec.Format, Iss: w.Spec.Region, Org: w.Spec.Region, ID: w.CodeID, Signed: true,
		Kid: k.Kid(), Status: mapping.Yellow, StatusAt: StatusTime.UTC(), IssuedAt: StatusTime.UTC(), Expires: Expires.UTC(),
		Holder: mapping.Holder{Name: MaskedName, ID: MaskedID}, Digest: CanonicalDigest(t, code)})
	if w.Dec.Format() != w.Spec.Format || len(w.Dec.Prefixes()) != 1 || w.Dec.Prefixes()[0] != w.Spec.Prefix {
		t.Fatalf("format %s prefixes %q", w.Dec.Format(), w.Dec.Prefixes())
	}
}
