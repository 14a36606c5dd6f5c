package certlogic

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
)

const (
	// MaxDepth bounds the nesting of an expression, counting every JSON
	// object and array (the EU rule sets nest at most 16 deep).
	MaxDepth = 64
	// MaxNodes bounds the JSON values of an expression (the EU rule sets
	// have at most 86).
	MaxNodes = 4096
	// MaxSource bounds the size of an expression's JSON text.
	MaxSource = 256 << 10
)

type op uint8

const (
	opLit op = iota
	opArray
	opVar
	opIf
	opEq
	opAnd
	opLt
	opGt
	opLe
	opGe
	opBefore    // <
	opAfter     // >
	opNotAfter  // <=
	opNotBefore // >=
	opIn
	opPlus
	opNot
	opPlusTime
	opReduce
	opExtractUVCI
	opDOB
)

var infixOps = map[string]op{
	"===": opEq, "and": opAnd, "<": opLt, ">": opGt, "<=": opLe, ">=": opGe, "in": opIn, "+": opPlus,
	"before": opBefore, "after": opAfter, "not-after": opNotAfter, "not-before": opNotBefore,
}

type node struct {
	op     op
	lit    Value
	path   *Path
	kids   []*node
	amount float64  // plusTime
	unit   timeUnit // plusTime
	index  float64  // extractFromUVCI
}

// Expr is a compiled CertLogic expression; it is immutable and safe for
// concurrent use.
type Expr struct {
	root  *node
	nodes int
	src   any
}

// Nodes is the number of JSON values the expression was made of.
func (x *Expr) Nodes() int { return x.nodes }

// Source returns the expression as decoded JSON.
func (x *Expr) Source() any { return x.src }

// MarshalJSON writes the expression as it was given.
func (x *Expr) MarshalJSON() ([]byte, error) { return json.Marshal(x.src) }

// Compile validates a CertLogic expression given as JSON and compiles it.
// The error is an *Error: CodeInvalid naming the first issue (as the
// reference validator words it), CodeTooLarge beyond the bounds.
func Compile(src []byte) (*Expr, error) {
	if len(src) > MaxSource {
		return nil, &Error{Code: CodeTooLarge, Msg: "expression longer than " + itoa(MaxSource) + " bytes"}
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, &Error{Code: CodeInvalid, Msg: "not JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &Error{Code: CodeInvalid, Msg: "not JSON: data after the expression"}
	}
	return CompileValue(x)
}

// CompileValue validates and compiles an expression already decoded from
// JSON (nil, bool, float64, string, []any, map[string]any).
func CompileValue(x any) (*Expr, error) {
	v := validator{}
	v.validate(x, 1)
	if len(v.issues) > 0 {
		return nil, invalid(v.issues)
	}
	return &Expr{root: build(x), nodes: v.nodes, src: x}, nil
}

// Validate returns the issues the reference validator reports for an
// expression (none: valid), and those of hcgw's bounds.
func Validate(x any) []Issue {
	v := validator{}
	v.validate(x, 1)
	return v.issues
}

type validator struct {
	issues []Issue
	nodes  int
	capped bool
}

func (v *validator) add(expr any, msg string) {
	v.issues = append(v.issues, Issue{Expr: expr, Message: msg})
}

func isIntLiteral(x any) bool {
	f, ok := x.(float64)
	return ok && f == math.Trunc(f) && !math.IsInf(f, 0)
}

func isLiteral(x any) bool {
	switch x.(type) {
	case string, bool:
		return true
	}
	return isIntLiteral(x)
}

// validPath is the reference's ^([^.]+?)(\.[^.]+?)*$ or "": no empty
// fragment.
func validPath(p string) bool {
	if p == "" {
		return true
	}
	for _, f := range strings.Split(p, ".") {
		if f == "" {
			return false
		}
	}
	return true
}

func (v *validator) validate(x any, depth int) {
	if v.capped {
		return
	}
	v.nodes++
	if v.nodes > MaxNodes {
		v.capped = true
		v.issues = append(v.issues, Issue{Expr: nil, Message: "expression has more than " + itoa(MaxNodes) + " nodes", tooLarge: true})
		return
	}
	if isLiteral(x) {
		return
	}
	switch e := x.(type) {
	case float64:
		v.add(x, jsNumber(e)+" is a non-integer number")
		return
	case nil:
		v.add(x, "invalid CertLogic expression")
		return
	}
	if depth > MaxDepth {
		v.capped = true
		v.issues = append(v.issues, Issue{Expr: nil, Message: "expression nested deeper than " + itoa(MaxDepth), tooLarge: true})
		return
	}
	switch e := x.(type) {
	case []any:
		for _, it := range e {
			v.validate(it, depth+1)
		}
		return
	case map[string]any:
		if len(e) != 1 {
			v.add(x, "expression object must have exactly one key, but it has "+itoa(len(e)))
			return
		}
		for operator, values := range e {
			v.operation(x, operator, values, depth)
		}
		return
	}
	v.add(x, "invalid CertLogic expression")
}

func (v *validator) operands(values []any, n int, depth int) {
	for i, it := range values {
		if i >= n {
			break
		}
		v.validate(it, depth+2)
	}
}

func (v *validator) operation(x any, operator string, raw any, depth int) {
	if operator == "var" {
		p, ok := raw.(string)
		switch {
		case !ok:
			v.add(x, `not of the form { "var": "<path>" }`)
		case !validPath(p):
			v.add(x, "data access path doesn't have a valid format: "+p)
		}
		return
	}
	values, ok := raw.([]any)
	if !ok {
		v.add(x, `operation not of the form { "<operator>": [ <values...> ] }`)
		return
	}
	n := len(values)
	count := itoa(n)
	switch operator {
	case "if":
		if n != 3 {
			v.add(x, `an "if"-operation must have exactly 3 values/operands, but it has `+count)
		}
		v.operands(values, 3, depth)
	case "and":
		if n < 2 {
			v.add(x, `an "and" operation must have at least 2 operands, but it has `+count)
		}
		v.operands(values, n, depth)
	case "<", ">", "<=", ">=", "after", "before", "not-after", "not-before":
		if n < 2 || n > 3 {
			v.add(x, `an operation with operator "`+operator+`" must have 2 or 3 operands, but it has `+count)
		}
		v.operands(values, 3, depth)
	case "===", "in", "+":
		if n != 2 {
			v.add(x, `an operation with operator "`+operator+`" must have 2 operands, but it has `+count)
		}
		v.operands(values, 2, depth)
	case "!":
		if n != 1 {
			v.add(x, `a !-operation (logical not/negation) must have exactly 1 operand, but it has `+count)
			return
		}
		v.operands(values, 1, depth)
	case "plusTime":
		if n != 3 {
			v.add(x, `a "plusTime"-operation must have exactly 3 values/operands, but it has `+count)
		}
		v.operands(values, 1, depth)
		if n > 1 && !isIntLiteral(values[1]) {
			v.add(x, `"amount" argument (#2) of "plusTime" must be an integer, but it is: `+jsString(values[1]))
		}
		if n > 2 {
			if u, ok := values[2].(string); !ok || timeUnits[u] == 0 {
				v.add(x, `"unit" argument (#3) of "plusTime" must be a string equal to one of year, month, day, hour, but it is: `+jsString(values[2]))
			}
		}
	case "reduce":
		if n != 3 {
			v.add(x, `a "reduce"-operation must have exactly 3 values/operands, but it has `+count)
		}
		v.operands(values, 3, depth)
	case "extractFromUVCI":
		if n != 2 {
			v.add(x, `an "extractFromUVCI"-operation must have exactly 2 values/operands, but it has `+count)
		}
		v.operands(values, 1, depth)
		if n > 1 && !isIntLiteral(values[1]) {
			v.add(x, `"index" argument (#2) of "extractFromUVCI" must be an integer, but it is: `+jsString(values[1]))
		}
	case "dccDateOfBirth":
		if n != 1 {
			v.add(x, `a "dccDateOfBirth"-operation must have exactly 1 value/operand, but it has `+count)
		}
		v.operands(values, 1, depth)
	default:
		v.add(x, `unrecognised operator: "`+operator+`"`)
	}
}

// jsString is JavaScript's String(x) for decoded JSON, as the reference's
// messages interpolate values.
func jsString(x any) string {
	switch e := x.(type) {
	case nil:
		return "null"
	case bool:
		if e {
			return "true"
		}
		return "false"
	case float64:
		return jsNumber(e)
	case string:
		return e
	case []any:
		parts := make([]string, len(e))
		for i, it := range e {
			if it != nil {
				parts[i] = jsString(it)
			}
		}
		return strings.Join(parts, ",")
	}
	return "[object Object]"
}

// build compiles a validated expression. Arrays of constants become one
// constant.
func build(x any) *node {
	switch e := x.(type) {
	case []any:
		n := &node{op: opArray, kids: make([]*node, len(e))}
		constant := true
		for i, it := range e {
			n.kids[i] = build(it)
			constant = constant && n.kids[i].op == opLit
		}
		if constant {
			items := make([]Value, len(e))
			for i, k := range n.kids {
				items[i] = k.lit
			}
			return &node{op: opLit, lit: Array(items)}
		}
		return n
	case map[string]any:
		for operator, raw := range e {
			if operator == "var" {
				return &node{op: opVar, path: compilePath(raw.(string))}
			}
			values := raw.([]any)
			kids := func(n int) []*node {
				out := make([]*node, n)
				for i := range out {
					out[i] = build(values[i])
				}
				return out
			}
			switch operator {
			case "if":
				return &node{op: opIf, kids: kids(3)}
			case "!":
				return &node{op: opNot, kids: kids(1)}
			case "plusTime":
				return &node{op: opPlusTime, kids: kids(1), amount: values[1].(float64), unit: timeUnits[values[2].(string)]}
			case "reduce":
				return &node{op: opReduce, kids: kids(3)}
			case "extractFromUVCI":
				return &node{op: opExtractUVCI, kids: kids(1), index: values[1].(float64)}
			case "dccDateOfBirth":
				return &node{op: opDOB, kids: kids(1)}
			}
			return &node{op: infixOps[operator], kids: kids(len(values))}
		}
	}
	return &node{op: opLit, lit: Of(x)}
}
