package certlogic

import (
	"math"
	"strconv"
	"strings"
)

// Data is the data context of an evaluation: it answers the var paths of
// the expression. Var is called with the compiled path (never the empty
// path's parent: "" is the whole context); a path the data does not hold
// answers Null. A struct can implement it with a switch on p.String(), and
// hand the rest of a path to Path.From for values it holds as JSON.
type Data interface {
	Var(p *Path) Value
}

// AnyData is a Data over a Go value as decoded from JSON (a map[string]any
// for the DCC payloads and the test suites).
type AnyData struct{ V any }

// Var implements Data.
func (d *AnyData) Var(p *Path) Value { return p.From(Of(d.V), 0) }

// Path is a compiled var path: the fragments between the dots, each read
// as the reference does (a fragment starting with an integer indexes).
type Path struct {
	raw  string
	segs []seg
}

type seg struct {
	name    string
	isIndex bool
	index   int64  // when isIndex; clamped far outside any array
	key     string // the index as an object key (JavaScript's String(n))
}

// String returns the path as written in the expression.
func (p *Path) String() string { return p.raw }

// Len is the number of fragments (0 for "", the whole context).
func (p *Path) Len() int { return len(p.segs) }

// Fragment returns the i-th fragment as written.
func (p *Path) Fragment(i int) string { return p.segs[i].name }

// From reads fragments i.. of the path below v; null stays null.
func (p *Path) From(v Value, i int) Value {
	for j := i; j < len(p.segs); j++ {
		if v.k == KindNull {
			return v
		}
		v = v.get(&p.segs[j])
	}
	return v
}

func compilePath(raw string) *Path {
	p := &Path{raw: raw}
	if raw == "" {
		return p
	}
	for _, f := range strings.Split(raw, ".") {
		s := seg{name: f}
		if n, ok := jsParseInt(f); ok {
			s.isIndex = true
			s.key = jsNumber(n)
			switch {
			case n > math.MaxInt32:
				s.index = math.MaxInt32 + 1
			case n < 0:
				s.index = -1
			default:
				s.index = int64(n)
			}
		}
		p.segs = append(p.segs, s)
	}
	return p
}

// jsParseInt is JavaScript's parseInt(s, 10) for a path fragment: leading
// white space, a sign, then the longest run of digits; no digits is NaN.
func jsParseInt(s string) (float64, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return 0, false
	}
	n, err := strconv.ParseFloat(s[i:j], 64)
	if err != nil { // too many digits: JavaScript's Infinity
		n = math.Inf(1)
	}
	if neg && n != 0 { // -0 indexes as 0
		n = -n
	}
	return n, true
}
