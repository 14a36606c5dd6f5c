package certlogic

import (
	"math"
	"strings"
)

// DefaultBudget is the work Eval allows: one unit per node evaluated, per
// reduce step and per array item an "in" compares. The EU rules need at
// most a few hundred (an "in" over a value set).
const DefaultBudget = 100_000

// frame is the data context of a reduce lambda: {accumulator, current}.
type frame struct{ acc, cur Value }

type evaluator struct {
	data   Data
	left   int
	budget int // also the bound of a built value's size
}

// Eval evaluates the expression against the data context with the
// DefaultBudget. An error is an *Error (CodeType, CodeBudget).
func (x *Expr) Eval(d Data) (Value, error) { return x.EvalBudget(d, DefaultBudget) }

// EvalBudget is Eval with a given work budget.
func (x *Expr) EvalBudget(d Data, budget int) (v Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = Value{}, &Error{Code: CodeInternal, Msg: "evaluation failed"}
		}
	}()
	return x.eval(d, budget)
}

func (x *Expr) eval(d Data, budget int) (Value, error) {
	e := evaluator{data: d, left: budget, budget: budget}
	return e.eval(x.root, nil)
}

// Evaluation errors, worded as the reference's; made once, as they carry
// no value.
var (
	errIfGuard    = typeError("if-guard evaluates to something neither truthy, nor falsy")
	errAndOperand = typeError(`all operands of an "and" operation must be either truthy or falsy`)
	errNotOperand = typeError("operand of ! evaluates to something neither truthy, nor falsy")
	errInArray    = typeError(`right-hand side of an "in" operation must be an array`)
	errPlusInts   = typeError("operands of this operation must both be integers")
	errCompInts   = typeError("all operands of a comparison operation must be of integer type")
	errCompDates  = typeError("all operands of a date-time comparison must be date-times")
	errPlusTime   = typeError(`date argument (#1) of "plusTime" must be a string`)
	errDateFormat = typeError("not an allowed date or date-time format")
	errReduce     = typeError("operand of reduce evaluated to a non-null non-array")
	errUVCI       = typeError(`"UVCI" argument (#1) of "extractFromUVCI" must be either a string or null`)
	errDOB        = typeError(`operand of "dccDateOfBirth" must be a string`)
	errDOBFormat  = typeError("can't parse the operand as an EU DCC date-of-birth")
)

func (e *evaluator) eval(n *node, f *frame) (Value, error) {
	e.left--
	if e.left < 0 {
		return Value{}, errBudget
	}
	switch n.op {
	case opLit:
		return n.lit, nil
	case opVar:
		return e.lookup(n.path, f)
	case opArray:
		items := make([]Value, len(n.kids))
		size := uint64(1)
		for i, k := range n.kids {
			v, err := e.eval(k, f)
			if err != nil {
				return Value{}, err
			}
			items[i] = v
			size += v.size()
		}
		if size > uint64(e.budget) {
			return Value{}, errBudget
		}
		return Value{k: KindArray, ref: items, sz: uint32(size)}, nil
	case opIf:
		g, err := e.eval(n.kids[0], f)
		if err != nil {
			return Value{}, err
		}
		t, ok := g.Truthy()
		if !ok {
			return Value{}, errIfGuard
		}
		if t {
			return e.eval(n.kids[1], f)
		}
		return e.eval(n.kids[2], f)
	case opAnd:
		var v Value
		for _, k := range n.kids {
			var err error
			if v, err = e.eval(k, f); err != nil {
				return Value{}, err
			}
			t, ok := v.Truthy()
			if !ok {
				return Value{}, errAndOperand
			}
			if !t {
				return v, nil
			}
		}
		return v, nil
	case opNot:
		v, err := e.eval(n.kids[0], f)
		if err != nil {
			return Value{}, err
		}
		t, ok := v.Truthy()
		if !ok {
			return Value{}, errNotOperand
		}
		return Bool(!t), nil
	case opEq, opIn, opPlus:
		l, err := e.eval(n.kids[0], f)
		if err != nil {
			return Value{}, err
		}
		r, err := e.eval(n.kids[1], f)
		if err != nil {
			return Value{}, err
		}
		switch n.op {
		case opEq:
			return Bool(strictEqual(l, r)), nil
		case opIn:
			if r.k != KindArray {
				return Value{}, errInArray
			}
			m := r.arrayLen()
			if e.left -= m; e.left < 0 {
				return Value{}, errBudget
			}
			for i := 0; i < m; i++ {
				if strictEqual(l, r.item(i)) {
					return Bool(true), nil
				}
			}
			return Bool(false), nil
		default:
			if !l.isInt() || !r.isInt() {
				return Value{}, errPlusInts
			}
			return Number(l.n + r.n), nil
		}
	case opLt, opGt, opLe, opGe, opBefore, opAfter, opNotAfter, opNotBefore:
		return e.compare(n, f)
	case opPlusTime:
		v, err := e.eval(n.kids[0], f)
		if err != nil {
			return Value{}, err
		}
		if v.k != KindString {
			return Value{}, errPlusTime
		}
		ms, ok := parseDateTime(v.s)
		if !ok {
			return Value{}, errDateFormat
		}
		return Value{k: KindDate, n: plusTime(ms, n.amount, n.unit)}, nil
	case opReduce:
		return e.reduce(n, f)
	case opExtractUVCI:
		v, err := e.eval(n.kids[0], f)
		if err != nil {
			return Value{}, err
		}
		switch v.k {
		case KindNull:
			return Value{}, nil
		case KindString:
			return extractFromUVCI(v.s, n.index), nil
		}
		return Value{}, errUVCI
	case opDOB:
		v, err := e.eval(n.kids[0], f)
		if err != nil {
			return Value{}, err
		}
		if v.k != KindString {
			return Value{}, errDOB
		}
		ms, ok := dccDateOfBirth(v.s)
		if !ok {
			return Value{}, errDOBFormat
		}
		return Value{k: KindDate, n: ms}, nil
	}
	return Value{}, &Error{Code: CodeInternal, Msg: "unknown node"}
}

// lookup reads a var path: from the caller's Data, or inside a reduce
// lambda from {accumulator, current}.
func (e *evaluator) lookup(p *Path, f *frame) (Value, error) {
	if f == nil {
		if e.data == nil {
			return Value{}, nil
		}
		return e.data.Var(p), nil
	}
	if len(p.segs) == 0 {
		// The whole {accumulator, current} object: a copy, as each step of
		// the reference has its own object.
		size := 1 + f.acc.size() + f.cur.size()
		if size > uint64(e.budget) {
			return Value{}, errBudget
		}
		return Value{k: KindObject, ref: &frame{acc: f.acc, cur: f.cur}, sz: uint32(size)}, nil
	}
	var v Value
	if s := &p.segs[0]; !s.isIndex {
		switch s.name {
		case "accumulator":
			v = f.acc
		case "current":
			v = f.cur
		}
	}
	return p.From(v, 1), nil
}

func (e *evaluator) compare(n *node, f *frame) (Value, error) {
	var vals [3]Value
	for i, k := range n.kids {
		v, err := e.eval(k, f)
		if err != nil {
			return Value{}, err
		}
		vals[i] = v
	}
	dates := n.op >= opBefore
	for _, v := range vals[:len(n.kids)] {
		if dates && v.k != KindDate {
			return Value{}, errCompDates
		}
		if !dates && !v.isInt() {
			return Value{}, errCompInts
		}
	}
	ok := cmp(n.op, vals[0].n, vals[1].n)
	if len(n.kids) == 3 {
		ok = ok && cmp(n.op, vals[1].n, vals[2].n)
	}
	return Bool(ok), nil
}

func cmp(o op, l, r float64) bool {
	switch o {
	case opLt, opBefore:
		return l < r
	case opGt, opAfter:
		return l > r
	case opLe, opNotAfter:
		return l <= r
	}
	return l >= r
}

func (e *evaluator) reduce(n *node, f *frame) (Value, error) {
	arr, err := e.eval(n.kids[0], f)
	if err != nil {
		return Value{}, err
	}
	if arr.k == KindNull {
		return e.eval(n.kids[2], f)
	}
	if arr.k != KindArray {
		return Value{}, errReduce
	}
	acc, err := e.eval(n.kids[2], f)
	if err != nil {
		return Value{}, err
	}
	m := arr.arrayLen()
	var step frame
	for i := 0; i < m; i++ {
		step.acc, step.cur = acc, arr.item(i)
		if acc, err = e.eval(n.kids[1], &step); err != nil {
			return Value{}, err
		}
	}
	return acc, nil
}

const uvciPrefix = "URN:UVCI:"

// extractFromUVCI returns the index-th fragment of a UCI split on / # :,
// after an optional URN:UVCI: prefix; null when there is none.
func extractFromUVCI(s string, index float64) Value {
	if index < 0 || math.IsNaN(index) {
		return Value{}
	}
	s = strings.TrimPrefix(s, uvciPrefix)
	i := 0
	for start := 0; ; i++ {
		end := strings.IndexAny(s[start:], "/#:")
		if float64(i) == index {
			if end < 0 {
				return String(s[start:])
			}
			return String(s[start : start+end])
		}
		if end < 0 {
			return Value{}
		}
		start += end + 1
	}
}
