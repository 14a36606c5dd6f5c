package sh

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Format, Prefix and Region of Shanghai's code.
const (
	Format = "sh-v1"
	Prefix = "SSM2|"
	Region = "310000"
)

// Limits of the format.
const (
	// MaxCodeBytes is the largest code Decode reads (DESIGN §6); the verifier
	// applies the same bound before detection.
	MaxCodeBytes = 4096
	// MaxTTL is the longest offline validity, the national bound of seven
	// days (mapping.MaxValidity).
	MaxTTL = int64(mapping.MaxValidity / time.Second)

	fields     = 8
	maxCIDLen  = 64
	maxState   = 8
	sigLen     = 64 // ed25519.SignatureSize
	magic      = "SSM2"
	maxDigits  = 18 // any 18-digit decimal fits an int64
	maxUnixSec = 253402300799
)

// Names of the fields, 1-based as in the format's description, for error
// details. A detail names the field; it never repeats the field's value.
var fieldNames = [fields]string{"magic", "cid", "state", "issued", "ttl", "name", "id", "sig"}

func fieldFail(i int, format string, args ...any) *fault.Error {
	return fault.Fail(fault.Malformed, "field %d (%s): %s", i+1, fieldNames[i], fmt.Sprintf(format, args...))
}

// Claims are the contents of a code before masking and signing. Name and ID
// are the holder's FULL values: CheckClaims masks them and nothing keeps
// them.
type Claims struct {
	CodeID string
	State  string // Shanghai's value: "0" green, "1" yellow, "2" red, "9" grey
	Issued int64  // unix seconds
	TTL    int64  // seconds, 1..MaxTTL
	Name   string
	ID     string
}

type adapter struct {
	table *mapping.Table
}

// New returns the sh-v1 adapter mapping states with the sh-v1 table of ts.
// A missing table, or one for another region, is refused: an adapter must
// not start without its own vocabulary.
func New(ts mapping.Tables) (adapters.Adapter, error) {
	t, err := ts.Get(Format)
	if err != nil {
		return nil, err
	}
	if t.Region != Region {
		return nil, fmt.Errorf("mapping %s: region %q, the %s format is region %s's", t.Source(), t.Region, Format, Region)
	}
	return &adapter{table: t}, nil
}

func (*adapter) Format() string     { return Format }
func (*adapter) Prefixes() []string { return []string{Prefix} }

// parsed is a code whose syntax is checked and whose signature is not.
type parsed struct {
	cid, state  string
	issued, ttl int64
	name, id    string
	signed      string // everything before the last bar
	sig         []byte
	status      mapping.Status
}

func (a *adapter) Decode(code string, env adapters.Env) (*adapters.Code, error) {
	p, err := a.parse(code)
	if err != nil {
		return nil, err
	}
	key, err := findKey(env, []byte(p.signed), p.sig)
	if err != nil {
		return nil, err
	}
	issued := time.Unix(p.issued, 0).UTC()
	if err := adapters.Authorize(env, key, Region, Region, issued); err != nil {
		return nil, err
	}
	return &adapters.Code{
		Format:   Format,
		Iss:      Region,
		Org:      Region,
		ID:       p.cid,
		Signed:   true,
		Kid:      key.Kid,
		Status:   p.status,
		StatusAt: issued,
		IssuedAt: issued,
		Expires:  time.Unix(p.issued+p.ttl, 0).UTC(),
		Holder:   mapping.Holder{Name: p.name, ID: p.id},
		// Ed25519 and strict base64url: the code has one spelling.
		Digest: adapters.Digest(code),
	}, nil
}

// parse checks the code's syntax field by field, in order, and reports the
// first problem. Everything is checked before any key is tried: a code with
// an unmasked holder is refused whatever its signature.
func (a *adapter) parse(code string) (*parsed, error) {
	if len(code) > MaxCodeBytes {
		return nil, fault.Fail(fault.Malformed, "code longer than %d bytes", MaxCodeBytes)
	}
	if !utf8.ValidString(code) {
		return nil, fault.Fail(fault.Malformed, "code is not valid UTF-8")
	}
	if !strings.HasPrefix(code, Prefix) {
		return nil, fault.Fail(fault.Malformed, "not a %s code: it must start with %q", Format, Prefix)
	}
	if n := strings.Count(code, "|") + 1; n != fields {
		return nil, fault.Fail(fault.Malformed, "%d fields, a %s code has %d", n, Format, fields)
	}
	f := strings.Split(code, "|")
	for i, v := range f {
		if v == "" {
			return nil, fieldFail(i, "empty")
		}
	}
	p := &parsed{cid: f[1], state: f[2], name: f[5], id: f[6]}
	if msg := cidProblem(p.cid); msg != "" {
		return nil, fieldFail(1, "%s", msg)
	}
	if !validState(p.state) {
		return nil, fieldFail(2, "must be 1 to %d ASCII letters or digits", maxState)
	}
	var err error
	if p.issued, err = parseUint(f[3]); err != nil {
		return nil, fieldFail(3, "%v", err)
	}
	if p.issued <= 0 || p.issued > maxUnixSec {
		return nil, fieldFail(3, "must be a unix time after 1970 and before year 10000")
	}
	if p.ttl, err = parseUint(f[4]); err != nil {
		return nil, fieldFail(4, "%v", err)
	}
	if p.ttl < 1 || p.ttl > MaxTTL {
		return nil, fieldFail(4, "must be 1 to %d seconds", MaxTTL)
	}
	// Both are bounded above, so the sum cannot overflow.
	if p.issued+p.ttl > maxUnixSec {
		return nil, fieldFail(4, "the code would expire after year 9999")
	}
	if !mapping.IsMaskedName(p.name) {
		return nil, fieldFail(5, "not a masked name (a full name is refused)")
	}
	if !mapping.IsMaskedID(p.id) {
		return nil, fieldFail(6, "not a masked identity number (a full number is refused)")
	}
	last := strings.LastIndexByte(code, '|')
	p.signed = code[:last]
	// The alphabet is checked first because the decoder skips '\r' and '\n'.
	// Strict: the unused bits of the last character must be zero. One
	// signature has one spelling, and one code one hash in the records.
	if mapping.NotBase64URL(f[7]) >= 0 {
		return nil, fieldFail(7, "not base64url without padding")
	}
	if p.sig, err = base64.RawURLEncoding.Strict().DecodeString(f[7]); err != nil {
		return nil, fieldFail(7, "not base64url without padding")
	}
	if len(p.sig) != sigLen {
		return nil, fieldFail(7, "%d bytes, an Ed25519 signature has %d", len(p.sig), sigLen)
	}
	p.status, _ = a.table.Map(p.state) // unknown → grey, never green
	return p, nil
}

// findKey tries the endorsed Ed25519 keys of 310000, each once, and nothing
// else: no other region, no other algorithm. A non-revoked key that verifies
// wins; a signature that only a revoked key verifies says revoked_key (the
// key is known, and revoked keys verify nothing); none at all is
// bad_signature.
func findKey(env adapters.Env, msg, sig []byte) (*trust.Key, error) {
	if env.Trust == nil {
		return nil, fault.Fail(fault.UnknownIssuer, "no trust registry to find region %s's keys in", Region)
	}
	keys := env.Trust.KeysOf(Region)
	candidates := 0
	for _, k := range keys {
		if !ed25519Key(k) {
			continue
		}
		candidates++
		if k.Revoked == nil && trust.VerifyRaw(k.Public, msg, sig) {
			return k, nil
		}
	}
	if candidates == 0 {
		return nil, fault.Fail(fault.UnknownIssuer, "no Ed25519 key of region %s is endorsed", Region)
	}
	// Revoked keys are tried last, and only to name the reason: the first
	// loop skipped them, so each key is still tried at most once.
	for _, k := range keys {
		if ed25519Key(k) && k.Revoked != nil && trust.VerifyRaw(k.Public, msg, sig) {
			return nil, fault.Fail(fault.RevokedKey, "key %s was revoked", k.Kid)
		}
	}
	return nil, fault.Fail(fault.BadSignature, "no endorsed Ed25519 key of region %s verifies the signature", Region)
}

func ed25519Key(k *trust.Key) bool { return k.Public != nil && k.Public.Alg == jwa.EdDSA }

// parseUint reads a plain decimal: digits only, no sign, no leading zero
// (except "0" itself), at most 18 digits.
func parseUint(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a plain decimal integer (digits only, no sign or space)")
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, errors.New("leading zero")
	}
	if len(s) > maxDigits {
		return 0, errors.New("out of range")
	}
	return strconv.ParseInt(s, 10, 64)
}

// cidProblem says what is wrong with a code id, or "". The code id travels
// in status queries and is recorded: it must not be an identity number.
func cidProblem(s string) string {
	switch {
	case !mapping.IDText(s, maxCIDLen):
		return fmt.Sprintf("must be 1 to %d of [A-Za-z0-9_-]", maxCIDLen)
	case mapping.HoldsIdentityNumber(s):
		return "must not hold a resident identity number"
	}
	return ""
}

func validState(s string) bool {
	if len(s) < 1 || len(s) > maxState {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// CheckClaims applies to c every rule Decode applies to a code's syntax and
// masks its holder, which it returns as a code carries it: so that a
// simulator signing codes as Shanghai would (internal/provsim) never makes
// a code Decode calls malformed. Errors never contain the name or number.
func CheckClaims(c Claims) (mapping.Holder, error) {
	switch {
	case cidProblem(c.CodeID) != "":
		return mapping.Holder{}, fault.Fail(fault.Malformed, "code id: %s", cidProblem(c.CodeID))
	case !validState(c.State):
		return mapping.Holder{}, fault.Fail(fault.Malformed, "state: must be 1 to %d ASCII letters or digits", maxState)
	case c.Issued <= 0 || c.Issued > maxUnixSec:
		return mapping.Holder{}, fault.Fail(fault.Malformed, "issued: must be a unix time after 1970 and before year 10000")
	case c.TTL < 1 || c.TTL > MaxTTL:
		return mapping.Holder{}, fault.Fail(fault.Malformed, "ttl: must be 1 to %d seconds", MaxTTL)
	case c.Issued+c.TTL > maxUnixSec:
		return mapping.Holder{}, fault.Fail(fault.Malformed, "ttl: the code would expire after year 9999")
	}
	h, err := mapping.NewHolder(c.Name, c.ID)
	if err != nil {
		return mapping.Holder{}, err
	}
	// A name's first and last characters survive masking; a bar there would
	// split the code into another number of fields.
	if strings.Contains(h.Name, "|") {
		return mapping.Holder{}, fault.Fail(fault.Malformed, "name: a masked name may not show a %q", "|")
	}
	return h, nil
}
