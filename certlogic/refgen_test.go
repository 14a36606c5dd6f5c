//go:build refgen

package certlogic

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// TestGenerateRandomCases writes random expressions with random data for
// reference.js (the EU's implementation fills in the results), e.g.
//
//	OUT=/tmp/random.json N=20000 SEED=1 go test -tags refgen ./certlogic -run TestGenerateRandomCases
//	node testdata/reference.js /tmp/random.json
//	REFERENCE=/tmp/random.json go test ./certlogic -run TestAgreesWithTheReference
func TestGenerateRandomCases(t *testing.T) {
	out := os.Getenv("OUT")
	if out == "" {
		t.Skip("OUT=file not set")
	}
	n, seed := 20000, uint64(1)
	if v, err := strconv.Atoi(os.Getenv("N")); err == nil {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("SEED")); err == nil {
		seed = uint64(v)
	}
	r := rand.New(rand.NewPCG(seed, 2))
	g := &gen{r: r}
	var cases []refCase
	for len(cases) < n {
		x := g.expr(0)
		if _, err := CompileValue(x); err != nil {
			continue
		}
		cases = append(cases, refCase{Expr: x, Data: g.data()})
	}
	b, _ := json.Marshal(cases)
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

type gen struct{ r *rand.Rand }

var (
	genStrings = []string{"", "a", "green", "yellow", "0", "2021-06-01", "2021-02-30", "2021-02-30T10:00:00+1", "2021-06-01T10:00:00.98765-05:30",
		"2021-06-01T24:00:00Z", "2021-13", "2021", "1990-02", "2020-02-29", "2021-06-01T10:00:00Z", "URN:UVCI:01:NL:A#B/c", "a::c/#/f", "2021-06-01T10:00", "x"}
	genPaths = []string{"", "x", "a", "a.0", "a.1", "a.2", "a.length", "s", "s.0", "s.length", "d", "o", "o.k", "o.1", "n", "m", "dob", "u", "b", "e", "a.0.k", "q.r.s"}
	genDates = []string{"2021-06-01", "2021-02-30", "2021-06-01T10:00:00+1", "2021-06-01T10:00:00.98765-05:30", "2021-13", "2021", "1990-02",
		"2020-02-29", "2021-06-01T10:00:00Z", "2021-06-01T24:00:00Z", "2021-06-01T00:00:00+0130", "0000-01-01"}
	genAmounts = []float64{0, 1, -1, 2, 12, 13, 48, -18, 365, -400, 300000, 1e9, 1e12}
	genUnits   = []string{"year", "month", "day", "hour"}
)

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) lit() any {
	switch g.r.IntN(4) {
	case 0:
		return float64(g.r.IntN(7) - 2)
	case 1:
		return g.pick(genStrings)
	case 2:
		return g.r.IntN(2) == 0
	}
	return []any{float64(g.r.IntN(3)), g.pick(genStrings)}
}

func (g *gen) varOp() any { return map[string]any{"var": g.pick(genPaths)} }

func (g *gen) dateOp(depth int) any {
	if g.r.IntN(4) == 0 {
		return map[string]any{"dccDateOfBirth": []any{g.operand(depth)}}
	}
	var operand any = g.pick(genDates)
	if g.r.IntN(3) == 0 {
		operand = g.operand(depth)
	}
	return map[string]any{"plusTime": []any{operand, genAmounts[g.r.IntN(len(genAmounts))], g.pick(genUnits)}}
}

func (g *gen) operand(depth int) any {
	if depth > 3 || g.r.IntN(3) == 0 {
		if g.r.IntN(2) == 0 {
			return g.lit()
		}
		return g.varOp()
	}
	return g.expr(depth + 1)
}

func (g *gen) args(depth, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = g.operand(depth)
	}
	return out
}

func (g *gen) expr(depth int) any {
	if depth > 4 {
		return g.operand(depth)
	}
	ops := []string{"if", "===", "and", "<", ">", "<=", ">=", "in", "+", "!", "after", "before", "not-after", "not-before", "plusTime", "reduce", "extractFromUVCI", "dccDateOfBirth", "var", "array"}
	switch op := ops[g.r.IntN(len(ops))]; op {
	case "if":
		return map[string]any{op: g.args(depth, 3)}
	case "===", "in", "+":
		return map[string]any{op: g.args(depth, 2)}
	case "and":
		return map[string]any{op: g.args(depth, 2+g.r.IntN(2))}
	case "<", ">", "<=", ">=":
		return map[string]any{op: g.args(depth, 2+g.r.IntN(2))}
	case "!":
		return map[string]any{op: g.args(depth, 1)}
	case "after", "before", "not-after", "not-before":
		n := 2 + g.r.IntN(2)
		out := make([]any, n)
		for i := range out {
			out[i] = g.dateOp(depth + 1)
			if g.r.IntN(8) == 0 {
				out[i] = g.operand(depth)
			}
		}
		return map[string]any{op: out}
	case "plusTime", "dccDateOfBirth":
		return g.dateOp(depth)
	case "reduce":
		lambda := []any{
			map[string]any{"+": []any{map[string]any{"var": "accumulator"}, map[string]any{"if": []any{map[string]any{"var": "current"}, 1, 0}}}},
			map[string]any{"var": g.pick([]string{"", "current", "accumulator", "current.0", "current.k", "accumulator.current", "x"})},
			map[string]any{"and": []any{map[string]any{"var": "accumulator"}, map[string]any{"var": "current"}}},
			g.expr(depth + 1),
		}[g.r.IntN(4)]
		return map[string]any{op: []any{g.operand(depth), lambda, g.operand(depth)}}
	case "extractFromUVCI":
		return map[string]any{op: []any{g.operand(depth), float64(g.r.IntN(6) - 1)}}
	case "var":
		return g.varOp()
	}
	return g.args(depth, g.r.IntN(3))
}

func (g *gen) value(depth int) any {
	switch g.r.IntN(7) {
	case 0:
		return nil
	case 1:
		return float64(g.r.IntN(5) - 1)
	case 2:
		return g.pick(genStrings)
	case 3:
		return g.r.IntN(2) == 0
	case 4:
		if depth > 1 {
			return []any{}
		}
		n := g.r.IntN(3)
		out := make([]any, n)
		for i := range out {
			out[i] = g.value(depth + 1)
		}
		return out
	case 5:
		if depth > 1 {
			return map[string]any{}
		}
		return map[string]any{"k": g.value(depth + 1), "1": g.value(depth + 1)}
	}
	return g.pick(genDates)
}

func (g *gen) data() any {
	if g.r.IntN(20) == 0 {
		return g.value(0)
	}
	d := map[string]any{}
	for _, k := range []string{"x", "a", "s", "d", "o", "n", "m", "dob", "u", "b"} {
		if g.r.IntN(4) != 0 {
			d[k] = g.value(0)
		}
	}
	return d
}

// TestGenerateRandomInvalid writes random expressions with a few random
// mistakes for validation.js (the reference validator fills in its
// issues), e.g.
//
//	OUT=/tmp/invalid.json N=20000 SEED=1 go test -tags refgen ./certlogic -run TestGenerateRandomInvalid
//	node testdata/validation.js /tmp/invalid.json
//	VALIDATION=/tmp/invalid.json go test ./certlogic -run TestValidatorAgreesWithTheReference
func TestGenerateRandomInvalid(t *testing.T) {
	out := os.Getenv("OUT")
	if out == "" {
		t.Skip("OUT=file not set")
	}
	n, seed := 20000, uint64(1)
	if v, err := strconv.Atoi(os.Getenv("N")); err == nil {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("SEED")); err == nil {
		seed = uint64(v)
	}
	g := &gen{r: rand.New(rand.NewPCG(seed, 3))}
	var cases []validationCase
	for len(cases) < n {
		x := g.expr(0)
		for k := g.r.IntN(3); k >= 0; k-- {
			x = g.mutate(x)
		}
		cases = append(cases, validationCase{Expr: x})
	}
	b, _ := json.Marshal(cases)
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// mutate replaces one node, picked at random, by a mistake.
func (g *gen) mutate(x any) any {
	switch e := x.(type) {
	case []any:
		if len(e) > 0 && g.r.IntN(3) != 0 {
			c := append([]any(nil), e...)
			i := g.r.IntN(len(c))
			c[i] = g.mutate(c[i])
			return c
		}
	case map[string]any:
		for k, v := range e {
			if vs, ok := v.([]any); ok && len(vs) > 0 && g.r.IntN(3) != 0 {
				return map[string]any{k: g.mutate(vs)}
			}
		}
	}
	mistakes := []func() any{
		func() any { return 3.5 },
		func() any { return nil },
		func() any { return map[string]any{} },
		func() any { return map[string]any{"var": "a", "x": []any{1.0}} },
		func() any { return map[string]any{"var": 1.0} },
		func() any { return map[string]any{"var": []any{"a", 1.0}} },
		func() any { return map[string]any{"var": g.pick([]string{"a..b", "x.", ".x", "."})} },
		func() any {
			return map[string]any{g.pick([]string{"!!", "or", "==", "map", "all", "some", "merge", "var2"}): []any{x}}
		},
		func() any {
			return map[string]any{g.pick([]string{"and", "if", "!", "<", "===", "plusTime", "reduce", "dccDateOfBirth"}): g.pick(genStrings)}
		},
		func() any { return map[string]any{"and": []any{x}} },
		func() any { return map[string]any{"if": []any{x, x}} },
		func() any { return map[string]any{"if": []any{x, x, x, 1.5}} },
		func() any { return map[string]any{"!": []any{x, x}} },
		func() any { return map[string]any{"!": []any{}} },
		func() any { return map[string]any{"<": []any{x, x, x, x}} },
		func() any { return map[string]any{"===": []any{x}} },
		func() any { return map[string]any{"in": []any{x, x, 2.5}} },
		func() any {
			return map[string]any{"plusTime": []any{x, []any{1.0, nil, []any{2.0}}[g.r.IntN(3)], g.pick([]string{"day", "week", "Day"})}}
		},
		func() any { return map[string]any{"plusTime": []any{x, "1", "day", 1.0}} },
		func() any { return map[string]any{"plusTime": []any{x}} },
		func() any { return map[string]any{"reduce": []any{x, x}} },
		func() any { return map[string]any{"extractFromUVCI": []any{x, 1.5}} },
		func() any { return map[string]any{"extractFromUVCI": []any{x, map[string]any{"var": "i"}, 3.0}} },
		func() any { return map[string]any{"dccDateOfBirth": []any{}} },
		func() any { return map[string]any{"dccDateOfBirth": []any{x, 2.25}} },
	}
	return mistakes[g.r.IntN(len(mistakes))]()
}
