package localjws

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

const (
	// maxPayload bounds the claims JSON. A whole code is at most 4 KiB
	// (DESIGN §6), so a larger payload cannot come from a code the verifier
	// accepts; the bound keeps parsing cheap.
	maxPayload = 4096
	// maxUnix is 9999-12-31T23:59:59Z. Verdicts carry times in RFC 3339,
	// which cannot write a later instant, so a code must not carry one.
	maxUnix   = 253402300799
	maxCodeID = 64
)

// Fields are the local claim names of the six national fields a JWS-based
// local format carries: the names a province writes (Spec.Wire), or the
// names a mapping table gives (what Decode reads).
type Fields struct {
	CodeID, Status, StatusTime, Expires, Name, ID string
}

// byNational maps the table's national field names to the slots of Fields,
// in the order a missing claim is reported.
func (f *Fields) byNational() []struct {
	national string
	local    *string
} {
	return []struct {
		national string
		local    *string
	}{
		{"code_id", &f.CodeID}, {"status", &f.Status}, {"status_time", &f.StatusTime},
		{"expires", &f.Expires}, {"name", &f.Name}, {"id", &f.ID},
	}
}

// has reports whether name is one of the claims the adapter reads.
func (f *Fields) has(name string) bool {
	for _, s := range f.byNational() {
		if *s.local == name {
			return true
		}
	}
	return false
}

// local is one code's claims as read and checked, status not yet mapped.
// The holder is already masked: the full values never leave readClaims.
type local struct {
	codeID     string
	status     string
	statusTime int64
	expires    int64
	holder     mapping.Holder
}

// readClaims reads a signed payload strictly: one JSON object in valid UTF-8,
// no member twice, every claim it needs present with its own JSON type
// (integers as JSON integers, strings as strings), and the value rules of
// the format. Claims it does not read are ignored: the province may add
// fields without breaking its codes, and none of them can change what this
// adapter returns.
//
// Every error is a *fault.Error with reason malformed naming the claim;
// no error carries a claim's value.
func readClaims(payload []byte, f *Fields) (*local, error) {
	o, err := readObject(payload, f)
	if err != nil {
		return nil, err
	}
	var c local
	if c.codeID, err = o.str(f.CodeID); err != nil {
		return nil, err
	}
	if !mapping.IDText(c.codeID, maxCodeID) {
		return nil, fault.Fail(fault.Malformed, "claim %q: must be 1 to %d of [A-Za-z0-9_-]", f.CodeID, maxCodeID)
	}
	if mapping.HoldsIdentityNumber(c.codeID) {
		return nil, fault.Fail(fault.Malformed, "claim %q: must not hold a resident identity number", f.CodeID)
	}
	if c.status, err = o.str(f.Status); err != nil {
		return nil, err
	}
	if c.statusTime, err = o.unix(f.StatusTime); err != nil {
		return nil, err
	}
	if c.expires, err = o.unix(f.Expires); err != nil {
		return nil, err
	}
	if c.expires <= c.statusTime {
		return nil, fault.Fail(fault.Malformed, "claim %q: must be after %q", f.Expires, f.StatusTime)
	}
	// Both are positive, so the difference cannot overflow.
	if maxSec := int64(mapping.MaxValidity / time.Second); c.expires-c.statusTime > maxSec {
		return nil, fault.Fail(fault.Malformed, "claim %q: %d s after %q, more than the %d s allowed",
			f.Expires, c.expires-c.statusTime, f.StatusTime, maxSec)
	}
	name, err := o.str(f.Name)
	if err != nil {
		return nil, err
	}
	id, err := o.str(f.ID)
	if err != nil {
		return nil, err
	}
	if c.holder, err = mapping.NewHolder(name, id); err != nil {
		claim := f.ID
		if _, nerr := mapping.MaskName(name); nerr != nil {
			claim = f.Name
		}
		return nil, fault.Fail(fault.Malformed, "claim %q: %s", claim, detail(err))
	}
	// The code id travels in status queries and is recorded: it must not be
	// the identity number in disguise.
	if strings.Contains(strings.ToUpper(c.codeID), strings.ToUpper(strings.TrimSpace(id))) {
		return nil, fault.Fail(fault.Malformed, "claim %q: must not contain the holder's identity number", f.CodeID)
	}
	return &c, nil
}

// object is a claims object with its members kept raw for typed reads.
type object map[string]jsontext.Value

// readObject reads the payload with mapping.DecodeStrict, as every signed
// message is read (names exact, none twice, valid UTF-8, one object). The
// set is open; only names this adapter reads are repeated in errors. A
// member whose name differs only in case from one it reads is refused: a
// reader that folds case would take it for that claim.
func readObject(payload []byte, f *Fields) (object, error) {
	if len(payload) > maxPayload {
		return nil, fault.Fail(fault.Malformed, "claims: payload larger than %d bytes", maxPayload)
	}
	var o object
	if err := mapping.DecodeStrict(payload, (*map[string]jsontext.Value)(&o), mapping.Strict{
		What: "claims", Noun: "claim", Named: f.has,
		Fold: []string{f.CodeID, f.Status, f.StatusTime, f.Expires, f.Name, f.ID},
	}); err != nil {
		return nil, err
	}
	return o, nil
}

// str reads a string claim.
func (o object) str(name string) (string, error) {
	v, ok := o[name]
	if !ok {
		return "", fault.Fail(fault.Malformed, "claim %q: missing", name)
	}
	if len(v) == 0 || v[0] != '"' {
		return "", fault.Fail(fault.Malformed, "claim %q: must be a string, not %s", name, kind(v))
	}
	s, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		return "", fault.Fail(fault.Malformed, "claim %q: invalid string", name)
	}
	return string(s), nil
}

// unix reads a time claim: a JSON integer (no fraction, no exponent) of unix
// seconds after 1970 and before the year 10000.
func (o object) unix(name string) (int64, error) {
	v, ok := o[name]
	if !ok {
		return 0, fault.Fail(fault.Malformed, "claim %q: missing", name)
	}
	if kind(v) != "a number" {
		return 0, fault.Fail(fault.Malformed, "claim %q: must be an integer, not %s", name, kind(v))
	}
	// The decoder has checked the number grammar: without '.', 'e' or 'E'
	// a number is an optionally negative run of digits.
	if bytes.ContainsAny(v, ".eE") {
		return 0, fault.Fail(fault.Malformed, "claim %q: must be an integer, without fraction or exponent", name)
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fault.Fail(fault.Malformed, "claim %q: integer out of range", name)
	}
	if n <= 0 || n > maxUnix {
		return 0, fault.Fail(fault.Malformed, "claim %q: must be a unix time after 1970 and before year 10000", name)
	}
	return n, nil
}

// kind names the JSON type of a raw value for an error message.
func kind(v jsontext.Value) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// detail is the human part of a masking error (mapping guarantees it never
// repeats the input).
func detail(err error) string {
	var p *fault.Error
	if errors.As(err, &p) {
		return p.Message
	}
	return "cannot be masked"
}
