package mapping

import (
	json1 "encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Strict says how DecodeStrict reads one kind of signed JSON message.
type Strict struct {
	// What names the message in errors: "claims", "JWS header".
	What string
	// Noun names one of its members in errors: "claim", "JWS header".
	Noun string
	// Closed refuses a member the target does not name. Set it where the
	// contract names every member (NIC claims, endorsements, revocations,
	// federation messages): a member this gateway does not read might
	// change what its signer meant.
	Closed bool
	// Unknown is the error of an unknown member of a closed message;
	// "unknown member" when empty.
	Unknown string
	// Named reports whether a member's name (dotted path) may be repeated
	// in an error. Nil: every name may. A message whose unread members are
	// ignored sets it, so that a name the gateway does not know (which
	// could be anything the signer wrote) stays out of errors and logs.
	Named func(path string) bool
	// Fold are names an open message is read for. A top-level member whose
	// name differs from one of them only in case is refused: a reader that
	// folds case (encoding/json does) would take it for that member.
	Fold []string
}

// DecodeStrict reads data, one signed JSON message, into v (a pointer to a
// struct or to a map[string]jsontext.Value), as every signed message is
// read: github.com/go-json-experiment/json with JSON v2 semantics, so that
//   - member names match exactly, in case (a struct tag's case:ignore is
//     refused: v2 would match case-insensitively then);
//   - a name that appears twice is refused, however it is spelled (s\u0074
//     is st): two readers could otherwise take different values;
//   - invalid UTF-8, and escapes of lone surrogates, are refused rather than
//     replaced by U+FFFD;
//   - integers are JSON integers (no fraction, no exponent) within the Go
//     type's range;
//   - null is refused where a value is read (v2 would leave the zero value:
//     "st":null must not read as an absent status), except into a pointer
//     the caller declares to tell absent from given (rule members): there
//     null reads as absent, nil, and is checked as a missing member is;
//   - exactly one value, nothing after it;
//   - with o.Closed, a member v does not name is refused.
//
// Raw members (jsontext.Value, json.RawMessage) are kept as written, null included, for
// the caller's own rules. Every error is a *Problem with reason Malformed
// naming the member; no error repeats a value.
func DecodeStrict(data []byte, v any, o Strict) error {
	if err := checkStrictType(reflect.TypeOf(v)); err != nil {
		return Fail(Malformed, "%s: %v", o.what(), err)
	}
	// v2 reads a top-level null into a struct as its zero value.
	if i := firstNonSpace(data); i < len(data) && data[i] == 'n' && jsontext.Value(data).IsValid() {
		return Fail(Malformed, "%s: must be a JSON object, not null", o.what())
	}
	opts := strictOpen
	if o.Closed {
		opts = strictClosed
	}
	if err := json.Unmarshal(data, v, opts); err != nil {
		return o.problem(data, err)
	}
	if len(o.Fold) == 0 {
		return nil
	}
	names, ok := v.(*map[string]jsontext.Value)
	if !ok {
		// A struct: the names are read once more, with the checks passed.
		names = new(map[string]jsontext.Value)
		if err := json.Unmarshal(data, names, strictOpen); err != nil {
			return o.problem(data, err)
		}
	}
	for k := range *names {
		for _, f := range o.Fold {
			if k != f && strings.EqualFold(k, f) {
				return Fail(Malformed, "%s %s: another member differs from it only in case", o.noun(), quoteKey(f))
			}
		}
	}
	return nil
}

func firstNonSpace(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

var (
	errNull = errors.New("null")

	// nullRefused are the Go types DecodeStrict reads values into; JSON null
	// is refused for each (the hook returns SkipFunc otherwise, and v2 reads
	// the value). A hook per type, not one for every type: an any-typed
	// hook boxes each value and doubled the cost of NIC claims.
	nullRefused = json.JoinUnmarshalers(
		refuseNull[*string](), refuseNull[*Status](), refuseNull[*bool](),
		refuseNull[*int](), refuseNull[*int64](),
		refuseNull[*[]string](), refuseNull[*[]int64](),
		refuseNull[**NAT](), refuseNull[**int](),
		refuseNull[*map[string]jsontext.Value](),
	)
	strictBase = json.JoinOptions(
		json.MatchCaseInsensitiveNames(false),
		jsontext.AllowDuplicateNames(false),
		jsontext.AllowInvalidUTF8(false),
		json.WithUnmarshalers(nullRefused),
	)
	strictOpen   = json.JoinOptions(strictBase, json.RejectUnknownMembers(false))
	strictClosed = json.JoinOptions(strictBase, json.RejectUnknownMembers(true))
)

func refuseNull[T any]() *json.Unmarshalers {
	return json.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ T) error {
		if dec.PeekKind() == 'n' {
			return errNull
		}
		return json.SkipFunc
	})
}

// strictTypes holds the target types checked by checkStrictType, with the
// result: a type is walked once.
var strictTypes sync.Map // reflect.Type → error (nil stored as errNone)

var errNone = errors.New("")

// checkStrictType makes sure every value of t is one whose null
// DecodeStrict refuses (or a raw jsontext.Value), and that no struct tag
// asks for case-insensitive names: a message type added later cannot
// quietly weaken the reader.
func checkStrictType(t reflect.Type) error {
	if e, ok := strictTypes.Load(t); ok {
		if e == errNone {
			return nil
		}
		return e.(error)
	}
	var err error
	if t == nil || t.Kind() != reflect.Pointer {
		err = fmt.Errorf("decoding into %v, not a pointer", t)
	} else {
		err = walkStrict(t.Elem(), map[reflect.Type]bool{})
	}
	stored := err
	if stored == nil {
		stored = errNone
	}
	strictTypes.Store(t, stored)
	return err
}

var (
	rawType     = reflect.TypeFor[jsontext.Value]()
	rawType1    = reflect.TypeFor[json1.RawMessage]()
	rawMapType  = reflect.TypeFor[map[string]jsontext.Value]()
	hookedTypes = map[reflect.Type]bool{
		reflect.TypeFor[string](): true, reflect.TypeFor[Status](): true, reflect.TypeFor[bool](): true,
		reflect.TypeFor[int](): true, reflect.TypeFor[int64](): true,
		reflect.TypeFor[[]string](): true, reflect.TypeFor[[]int64](): true,
		reflect.TypeFor[*NAT](): true, reflect.TypeFor[*int](): true,
		rawMapType: true,
	}
)

func walkStrict(t reflect.Type, seen map[reflect.Type]bool) error {
	if t == rawType || t == rawType1 || seen[t] {
		return nil
	}
	seen[t] = true
	switch {
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			if strings.Contains(tag, "case:") || strings.Contains(tag, "inline") || strings.Contains(tag, "unknown") {
				return fmt.Errorf("field %s.%s: tag %q is not allowed in a signed message", t, f.Name, tag)
			}
			if err := walkStrict(f.Type, seen); err != nil {
				return err
			}
		}
		return nil
	case hookedTypes[t]:
		if t.Kind() == reflect.Pointer {
			return walkStrict(t.Elem(), seen)
		}
		return nil
	case t.Kind() == reflect.Pointer:
		// An unhooked pointer tells absent from given: null reads as nil,
		// absent, which its reader checks as it checks a missing member.
		e := t.Elem()
		if e.Kind() == reflect.Slice {
			e = e.Elem()
		}
		return walkStrict(e, seen)
	}
	return fmt.Errorf("type %v cannot be read strictly (null would read as its zero value)", t)
}

func (o *Strict) what() string {
	if o.What == "" {
		return "message"
	}
	return o.What
}

func (o *Strict) noun() string {
	if o.Noun == "" {
		return "member"
	}
	return o.Noun
}

// member is the error prefix of the member at p: `claim "nat.r"`, or
// the message's name when the name may not be repeated.
func (o *Strict) member(p jsontext.Pointer) (string, bool) {
	var names []string
	for tok := range p.Tokens() {
		names = append(names, tok)
	}
	path := strings.Join(names, ".")
	if o.Named != nil && !o.Named(path) {
		return o.what(), false
	}
	return o.noun() + " " + quoteKey(path), true
}

// problem words a decoding error of data. The library's own messages quote
// the input, so none of them is passed on.
func (o *Strict) problem(data []byte, err error) error {
	var (
		syn *jsontext.SyntacticError
		sem *json.SemanticError
	)
	switch {
	case errors.As(err, &syn):
		switch {
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			if m, named := o.member(syn.JSONPointer); named {
				return Fail(Malformed, "%s: duplicate", m)
			}
			return Fail(Malformed, "%s: a member appears twice", o.what())
		case !utf8.Valid(data):
			return Fail(Malformed, "%s: invalid UTF-8", o.what())
		case errors.Is(syn.Err, io.ErrUnexpectedEOF):
			if firstNonSpace(data) == len(data) {
				return Fail(Malformed, "%s: empty payload", o.what())
			}
			return Fail(Malformed, "%s: unexpected end of JSON", o.what())
		case syn.JSONPointer == "" && syn.ByteOffset > 0 && syn.ByteOffset <= int64(len(data)) &&
			jsontext.Value(data[:syn.ByteOffset]).IsValid():
			// A whole value was read: the error is what follows it.
			return Fail(Malformed, "%s: trailing data after the JSON value", o.what())
		}
		where := o.what()
		if syn.JSONPointer != "" {
			// Inside a member: a lone surrogate in a name, say.
			where, _ = o.member(syn.JSONPointer)
		}
		return Fail(Malformed, "%s: invalid JSON at byte %d", where, syn.ByteOffset)
	case errors.As(err, &sem):
		got := kindWord(sem.JSONKind)
		if errors.Is(sem.Err, errNull) {
			got = "null"
		}
		if sem.JSONPointer == "" {
			return Fail(Malformed, "%s: must be a JSON object, not %s", o.what(), got)
		}
		m, _ := o.member(sem.JSONPointer)
		switch {
		case errors.Is(sem.Err, json.ErrUnknownName):
			unknown := o.Unknown
			if unknown == "" {
				unknown = "unknown member"
			}
			return Fail(Malformed, "%s: %s", m, unknown)
		case errors.Is(sem.Err, strconv.ErrRange):
			return Fail(Malformed, "%s: integer out of range", m)
		case errors.Is(sem.Err, strconv.ErrSyntax) && sem.JSONKind == '0':
			return Fail(Malformed, "%s: must be an integer, without fraction or exponent", m)
		case sem.GoType != nil && got != "":
			return Fail(Malformed, "%s: must be %s, not %s", m, typeWord(sem.GoType), got)
		}
		return Fail(Malformed, "%s: invalid value", m)
	}
	return Fail(Malformed, "%s: cannot be read", o.what())
}

func kindWord(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return ""
}

func typeWord(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another type"
}
