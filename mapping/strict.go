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

	"github.com/hcgw/hcgw/fault"
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

// DecodeStrict reads data, one signed JSON message, into v (a pointer,
// usually to a struct or to a map[string]jsontext.Value), as every signed
// message is read: github.com/go-json-experiment/json with JSON v2
// semantics, so that
//   - member names match exactly, in case (a struct tag's case:ignore is
//     refused: v2 would match case-insensitively then);
//   - a name that appears twice is refused, however it is spelled (s\u0074
//     is st): two readers could otherwise take different values;
//   - invalid UTF-8, and escapes of lone surrogates, are refused rather than
//     replaced by U+FFFD;
//   - integers are JSON integers (no fraction, no exponent) within the Go
//     type's range;
//   - null is refused where a value is read (v2 would leave the zero value:
//     "st":null must not read as an absent status);
//   - exactly one value, nothing after it;
//   - with o.Closed, a member v does not name is refused.
//
// Raw members (jsontext.Value, json.RawMessage) are kept as written, null
// included, for the caller's own rules. Every error is a *fault.Error with
// reason fault.Malformed naming the member; no error repeats a value.
func DecodeStrict(data []byte, v any, o Strict) error {
	typed, err := checkStrictType(reflect.TypeOf(v))
	if err != nil {
		return fault.Fail(fault.Malformed, "%s: %v", o.what(), err)
	}
	// v2 reads a top-level null into a struct as its zero value.
	if i := firstNonSpace(data); i < len(data) && data[i] == 'n' && jsontext.Value(data).IsValid() {
		return fault.Fail(fault.Malformed, "%s: must be a JSON object, not null", o.what())
	}
	opts := strictOpts[strictKey{closed: o.Closed, typed: typed}]
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
				return fault.Fail(fault.Malformed, "%s %s: another member differs from it only in case", o.noun(), quoteKey(f))
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

	// nullRefused refuses JSON null for the Go types of the messages on the
	// verify path (the hook returns SkipFunc otherwise, and v2 reads the
	// value). A hook per type, not one for every type: an any-typed hook
	// boxes each value and doubled the cost of NIC claims.
	nullRefused = json.JoinUnmarshalers(
		refuseNull[*string](), refuseNull[*Status](), refuseNull[*bool](),
		refuseNull[*int](), refuseNull[*int64](),
		refuseNull[*[]string](), refuseNull[*[]int64](),
		refuseNull[**NAT](), refuseNull[**int](), refuseNull[**Itinerary](),
		refuseNull[*map[string]jsontext.Value](),
	)
	// nullRefusedAny refuses null for a target of any other type (a
	// pointer, a slice of structs); raw members keep it.
	nullRefusedAny = json.UnmarshalFromFunc(func(dec *jsontext.Decoder, v any) error {
		if dec.PeekKind() != 'n' {
			return json.SkipFunc
		}
		switch v.(type) {
		case *jsontext.Value, *json1.RawMessage:
			return json.SkipFunc
		}
		return nullOf{reflect.TypeOf(v).Elem()}
	})
	strictBase = json.JoinOptions(
		json.MatchCaseInsensitiveNames(false),
		jsontext.AllowDuplicateNames(false),
		jsontext.AllowInvalidUTF8(false),
	)
	strictOpen = json.JoinOptions(strictBase, json.RejectUnknownMembers(false))
	strictOpts = map[strictKey]json.Options{
		{closed: false, typed: true}:  json.JoinOptions(strictOpen, json.WithUnmarshalers(nullRefused)),
		{closed: true, typed: true}:   json.JoinOptions(strictBase, json.RejectUnknownMembers(true), json.WithUnmarshalers(nullRefused)),
		{closed: false, typed: false}: json.JoinOptions(strictOpen, json.WithUnmarshalers(nullRefusedAny)),
		{closed: true, typed: false}:  json.JoinOptions(strictBase, json.RejectUnknownMembers(true), json.WithUnmarshalers(nullRefusedAny)),
	}
)

type strictKey struct{ closed, typed bool }

// nullOf is nullRefusedAny's error: null where a value of type t is read.
type nullOf struct{ t reflect.Type }

func (n nullOf) Error() string     { return "null" }
func (n nullOf) Is(err error) bool { return err == errNull }

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
var strictTypes sync.Map // reflect.Type → strictType

type strictType struct {
	typed bool
	err   error
}

// checkStrictType refuses a target that is not a pointer, or whose struct
// tags ask for case-insensitive names (or inline or unknown fields, which
// would take members the contract does not name): a message type added
// later cannot quietly weaken the reader. typed reports whether every value
// of the target is of a type nullRefused covers; otherwise null is refused
// by nullRefusedAny, which boxes every value (slower, and only off the
// verify hot path: trust artefacts, rules).
func checkStrictType(t reflect.Type) (typed bool, err error) {
	if e, ok := strictTypes.Load(t); ok {
		st := e.(strictType)
		return st.typed, st.err
	}
	if t == nil || t.Kind() != reflect.Pointer {
		err = fmt.Errorf("decoding into %v, not a pointer", t)
	} else {
		typed = true
		err = walkStrict(t.Elem(), map[reflect.Type]bool{}, &typed)
	}
	strictTypes.Store(t, strictType{typed, err})
	return typed, err
}

var (
	rawType     = reflect.TypeFor[jsontext.Value]()
	rawType1    = reflect.TypeFor[json1.RawMessage]()
	hookedTypes = map[reflect.Type]bool{
		reflect.TypeFor[string](): true, reflect.TypeFor[Status](): true, reflect.TypeFor[bool](): true,
		reflect.TypeFor[int](): true, reflect.TypeFor[int64](): true,
		reflect.TypeFor[[]string](): true, reflect.TypeFor[[]int64](): true,
		reflect.TypeFor[*NAT](): true, reflect.TypeFor[*int](): true, reflect.TypeFor[*Itinerary](): true,
		reflect.TypeFor[map[string]jsontext.Value](): true,
	}
)

func walkStrict(t reflect.Type, seen map[reflect.Type]bool, typed *bool) error {
	if t == rawType || t == rawType1 || seen[t] {
		return nil
	}
	seen[t] = true
	if t.Kind() != reflect.Struct && !hookedTypes[t] {
		*typed = false
	}
	switch t.Kind() {
	case reflect.Struct:
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
			if err := walkStrict(f.Type, seen, typed); err != nil {
				return err
			}
		}
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return walkStrict(t.Elem(), seen, typed)
	case reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128:
		return fmt.Errorf("type %v cannot hold a member of a signed message", t)
	}
	return nil
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
				return fault.Fail(fault.Malformed, "%s: duplicate", m)
			}
			return fault.Fail(fault.Malformed, "%s: a member appears twice", o.what())
		case !utf8.Valid(data):
			return fault.Fail(fault.Malformed, "%s: invalid UTF-8", o.what())
		case errors.Is(syn.Err, io.ErrUnexpectedEOF):
			if firstNonSpace(data) == len(data) {
				return fault.Fail(fault.Malformed, "%s: empty payload", o.what())
			}
			return fault.Fail(fault.Malformed, "%s: unexpected end of JSON", o.what())
		case syn.JSONPointer == "" && syn.ByteOffset > 0 && syn.ByteOffset <= int64(len(data)) &&
			jsontext.Value(data[:syn.ByteOffset]).IsValid():
			// A whole value was read: the error is what follows it.
			return fault.Fail(fault.Malformed, "%s: trailing data after the JSON value", o.what())
		}
		where := o.what()
		if syn.JSONPointer != "" {
			// Inside a member: a lone surrogate in a name, say.
			where, _ = o.member(syn.JSONPointer)
		}
		return fault.Fail(fault.Malformed, "%s: invalid JSON at byte %d", where, syn.ByteOffset)
	case errors.As(err, &sem):
		got, goType := kindWord(sem.JSONKind), sem.GoType
		if errors.Is(sem.Err, errNull) {
			got = "null"
			var n nullOf
			if errors.As(sem.Err, &n) {
				goType = n.t
			}
		}
		if sem.JSONPointer == "" {
			return fault.Fail(fault.Malformed, "%s: must be a JSON object, not %s", o.what(), got)
		}
		m, _ := o.member(sem.JSONPointer)
		switch {
		case errors.Is(sem.Err, json.ErrUnknownName):
			unknown := o.Unknown
			if unknown == "" {
				unknown = "unknown member"
			}
			return fault.Fail(fault.Malformed, "%s: %s", m, unknown)
		case errors.Is(sem.Err, strconv.ErrRange):
			return fault.Fail(fault.Malformed, "%s: integer out of range", m)
		case errors.Is(sem.Err, strconv.ErrSyntax) && sem.JSONKind == '0':
			return fault.Fail(fault.Malformed, "%s: must be an integer, without fraction or exponent", m)
		case goType != nil && got != "":
			return fault.Fail(fault.Malformed, "%s: must be %s, not %s", m, typeWord(goType), got)
		}
		return fault.Fail(fault.Malformed, "%s: invalid value", m)
	}
	return fault.Fail(fault.Malformed, "%s: cannot be read", o.what())
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
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another type"
}
