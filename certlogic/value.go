package certlogic

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the type of a Value.
type Kind uint8

const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
	KindDate
	// KindOther is a Go value of no JSON type (a func, a struct ...): it is
	// neither truthy nor falsy, and reads as null below it.
	KindOther
)

// Value is a CertLogic value. The zero Value is null. It is passed by value:
// evaluating scalars and reading data does not allocate.
type Value struct {
	k Kind
	// sz is the size of a value the evaluator built (an array, a reduce
	// frame): its values counted as a tree, each value read from the data
	// as 1; 0 means 1. Items can be shared ([acc, acc] in a reduce), so
	// the tree can be far larger than the memory: the evaluator bounds it,
	// which bounds Interface.
	sz uint32
	// n: a number; a bool (1 or 0); a date-time, as milliseconds since the
	// Unix epoch, NaN for an invalid date (as the reference's Date).
	n float64
	s string
	// ref: []any or []Value (array), map[string]any or *frame (object),
	// anything else (other).
	ref any
}

// Null is the null value.
func Null() Value { return Value{} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{k: KindBool, n: 1}
	}
	return Value{k: KindBool}
}

// Number returns a number value.
func Number(f float64) Value { return Value{k: KindNumber, n: f} }

// String returns a string value.
func String(s string) Value { return Value{k: KindString, s: s} }

// Date returns a date-time value (milliseconds precision, as the reference).
func Date(t time.Time) Value { return Value{k: KindDate, n: float64(t.UnixMilli())} }

// Array returns an array of values.
func Array(items []Value) Value {
	size := uint64(1)
	for _, it := range items {
		size += it.size()
	}
	return Value{k: KindArray, ref: items, sz: uint32(min(size, math.MaxUint32))}
}

// Of converts a Go value as decoded from JSON (nil, bool, float64, string,
// []any, map[string]any; also json.Number, the Go integer types, and
// time.Time as a date-time) to a Value without copying it.
func Of(x any) Value {
	switch v := x.(type) {
	case nil:
		return Value{}
	case bool:
		return Bool(v)
	case float64:
		return Number(v)
	case string:
		return String(v)
	case []any:
		return Value{k: KindArray, ref: x} // x, not v: re-boxing v would allocate
	case map[string]any:
		return Value{k: KindObject, ref: x}
	case Value:
		return v
	case []Value:
		return Array(v)
	case int:
		return Number(float64(v))
	case int64:
		return Number(float64(v))
	case uint64:
		return Number(float64(v))
	case int32:
		return Number(float64(v))
	case uint32:
		return Number(float64(v))
	case float32:
		return Number(float64(v))
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return Value{k: KindOther, ref: x}
		}
		return Number(f)
	case time.Time:
		return Date(v)
	}
	return Value{k: KindOther, ref: x}
}

// Kind returns the value's type.
func (v Value) Kind() Kind { return v.k }

func (v Value) size() uint64 {
	if v.sz == 0 {
		return 1
	}
	return uint64(v.sz)
}

// Interface converts the value back to Go: nil, bool, float64, string,
// []any, map[string]any, time.Time (an invalid date: the zero time), or the
// value Of was given for KindOther.
func (v Value) Interface() any {
	switch v.k {
	case KindBool:
		return v.n != 0
	case KindNumber:
		return v.n
	case KindString:
		return v.s
	case KindArray:
		if items, ok := v.ref.([]Value); ok {
			out := make([]any, len(items))
			for i, it := range items {
				out[i] = it.Interface()
			}
			return out
		}
		return v.ref
	case KindObject:
		if f, ok := v.ref.(*frame); ok {
			return map[string]any{"accumulator": f.acc.Interface(), "current": f.cur.Interface()}
		}
		return v.ref
	case KindDate:
		if math.IsNaN(v.n) {
			return time.Time{}
		}
		return time.UnixMilli(int64(v.n)).UTC()
	case KindOther:
		return v.ref
	}
	return nil
}

// Truthy tells whether the value is truthy, falsy, or neither (ok false):
// false, null, "", 0, [] and {} are falsy; true, other strings and numbers,
// non-empty arrays and objects truthy; date-times and others neither.
func (v Value) Truthy() (truthy, ok bool) {
	switch v.k {
	case KindNull:
		return false, true
	case KindBool, KindNumber:
		return v.n != 0, true
	case KindString:
		return v.s != "", true
	case KindArray:
		return v.arrayLen() > 0, true
	case KindObject:
		switch o := v.ref.(type) {
		case map[string]any:
			return len(o) > 0, true
		case *frame:
			return true, true
		}
	}
	return false, false
}

func (v Value) isInt() bool {
	return v.k == KindNumber && v.n == math.Trunc(v.n) && !math.IsInf(v.n, 0)
}

func (v Value) arrayLen() int {
	switch a := v.ref.(type) {
	case []any:
		return len(a)
	case []Value:
		return len(a)
	}
	return 0
}

func (v Value) item(i int) Value {
	switch a := v.ref.(type) {
	case []any:
		return Of(a[i])
	case []Value:
		return a[i]
	}
	return Value{}
}

// strictEqual is JavaScript's ===: scalars by value, arrays and objects by
// identity (the same data read twice), date-times never (each is a new
// object in the reference).
func strictEqual(a, b Value) bool {
	if a.k != b.k {
		return false
	}
	switch a.k {
	case KindNull:
		return true
	case KindBool, KindNumber:
		return a.n == b.n
	case KindString:
		return a.s == b.s
	case KindArray, KindObject:
		return sameRef(a.ref, b.ref)
	}
	return false
}

func sameRef(a, b any) bool {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && len(x) > 0 && &x[0] == &y[0]
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	}
	// Arrays built by the expression and reduce frames are new each time.
	return false
}

// get reads one path fragment below v, as the reference's access does:
// arrays by index (and "length"), objects by key, strings by index (and
// "length"); anything missing is null.
func (v Value) get(s *seg) Value {
	switch v.k {
	case KindArray:
		if s.isIndex {
			if s.index >= 0 && s.index < int64(v.arrayLen()) {
				return v.item(int(s.index))
			}
			return Value{}
		}
		if s.name == "length" {
			return Number(float64(v.arrayLen()))
		}
	case KindObject:
		switch o := v.ref.(type) {
		case map[string]any:
			key := s.name
			if s.isIndex {
				key = s.key
			}
			if x, ok := o[key]; ok {
				return Of(x)
			}
		case *frame:
			if !s.isIndex {
				switch s.name {
				case "accumulator":
					return o.acc
				case "current":
					return o.cur
				}
			}
		}
	case KindString:
		if s.isIndex {
			return stringIndex(v.s, s.index)
		}
		if s.name == "length" {
			return Number(float64(utf16Len(v.s)))
		}
	}
	return Value{}
}

// stringIndex is JavaScript's "abc"[i]: one UTF-16 code unit.
func stringIndex(s string, i int64) Value {
	if i < 0 {
		return Value{}
	}
	if ascii(s) {
		if i < int64(len(s)) {
			return String(s[i : i+1])
		}
		return Value{}
	}
	u := utf16.Encode([]rune(s))
	if i >= int64(len(u)) {
		return Value{}
	}
	r := rune(u[i])
	if utf16.IsSurrogate(r) {
		return String(string(utf8.RuneError))
	}
	return String(string(r))
}

func utf16Len(s string) int {
	if ascii(s) {
		return len(s)
	}
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// jsNumber formats a number as JavaScript's String(n) does for the numbers
// JSON can carry.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	a := math.Abs(f)
	if a >= 1e-7 && a < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	// Go writes e+07 / e-07, JavaScript e+7 / e-7.
	for i := 0; i < len(s); i++ {
		if s[i] == 'e' && i+2 < len(s) && s[i+2] == '0' {
			return s[:i+2] + s[i+3:]
		}
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
