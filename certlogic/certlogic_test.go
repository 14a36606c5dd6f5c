package certlogic

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

func nested(op string, depth int) string {
	return strings.Repeat(`{"`+op+`":[`, depth) + "true" + strings.Repeat("]}", depth)
}

func TestCompileRefuses(t *testing.T) {
	tests := map[string]struct {
		src  string
		code Code
		msg  string
	}{
		"not JSON":                  {`{"var":`, CodeInvalid, "not JSON"},
		"two values":                {`true false`, CodeInvalid, "data after the expression"},
		"null":                      {`null`, CodeInvalid, "invalid CertLogic expression"},
		"a fraction":                {`3.14`, CodeInvalid, "3.14 is a non-integer number"},
		"an object literal":         {`{"a":1,"b":2}`, CodeInvalid, "exactly one key, but it has 2"},
		"an unknown operator":       {`{"!!":[true]}`, CodeInvalid, `unrecognised operator: "!!"`},
		"var of a number":           {`{"var":0}`, CodeInvalid, `not of the form { "var": "<path>" }`},
		"var with an empty part":    {`{"var":"a..b"}`, CodeInvalid, "data access path doesn't have a valid format: a..b"},
		"var with a default":        {`{"var":["a",1]}`, CodeInvalid, `not of the form { "var": "<path>" }`},
		"operands not an array":     {`{"and":true}`, CodeInvalid, "operation not of the form"},
		"if with two operands":      {`{"if":[true,1]}`, CodeInvalid, `an "if"-operation must have exactly 3 values/operands, but it has 2`},
		"and with one operand":      {`{"and":[true]}`, CodeInvalid, `at least 2 operands, but it has 1`},
		"=== with three operands":   {`{"===":[1,1,1]}`, CodeInvalid, `must have 2 operands, but it has 3`},
		"< with four operands":      {`{"<":[1,2,3,4]}`, CodeInvalid, `must have 2 or 3 operands, but it has 4`},
		"! with two operands":       {`{"!":[true,false]}`, CodeInvalid, `exactly 1 operand, but it has 2`},
		"plusTime of a var amount":  {`{"plusTime":["2021-01-01",{"var":"n"},"day"]}`, CodeInvalid, `"amount" argument (#2) of "plusTime" must be an integer, but it is: [object Object]`},
		"plusTime of weeks":         {`{"plusTime":["2021-01-01",1,"week"]}`, CodeInvalid, `must be a string equal to one of year, month, day, hour, but it is: week`},
		"reduce without initial":    {`{"reduce":[[],{"var":"current"}]}`, CodeInvalid, `a "reduce"-operation must have exactly 3 values/operands, but it has 2`},
		"extractFromUVCI of a var":  {`{"extractFromUVCI":["a",{"var":"i"}]}`, CodeInvalid, `"index" argument (#2) of "extractFromUVCI" must be an integer`},
		"dccDateOfBirth of two":     {`{"dccDateOfBirth":["1990","1991"]}`, CodeInvalid, `exactly 1 value/operand, but it has 2`},
		"an invalid operand inside": {`{"and":[true,{"if":[1.5,1,2]}]}`, CodeInvalid, "1.5 is a non-integer number"},
		"too deep":                  {nested("!", MaxDepth/2+1), CodeTooLarge, "nested deeper than 64"},
		"too many nodes":            {"[" + strings.Repeat("1,", MaxNodes) + "1]", CodeTooLarge, "more than 4096 nodes"},
		"too long":                  {`"` + strings.Repeat("a", MaxSource) + `"`, CodeTooLarge, "longer than"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			x, err := Compile([]byte(tc.src))
			if err == nil {
				t.Fatalf("compiled: %v", x.Source())
			}
			if CodeOf(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %q (code %s), want code %s and %q", err, CodeOf(err), tc.code, tc.msg)
			}
			if !errors.Is(err, &Error{Code: tc.code}) {
				t.Fatalf("errors.Is does not match the code")
			}
		})
	}
}

func TestCompileAcceptsTheBounds(t *testing.T) {
	for name, src := range map[string]string{
		"as deep as allowed":         nested("!", MaxDepth/2),
		"as many nodes as allowed":   "[" + strings.Repeat("1,", MaxNodes-2) + "1]",
		"every operator":             `{"and":[{"if":[true,1,2]},{"===":[1,1]},{"<":[1,2,3]},{">":[2,1]},{"<=":[1,1]},{">=":[1,1]},{"in":[1,[1]]},{"+":[1,1]},{"!":[false]},{"after":[{"plusTime":["2021",1,"year"]},{"dccDateOfBirth":["2020"]}]},{"before":[{"plusTime":["2021",0,"month"]},{"plusTime":["2022",0,"hour"]}]},{"not-after":[{"plusTime":["2021",0,"day"]},{"plusTime":["2021",0,"day"]}]},{"not-before":[{"plusTime":["2021",0,"day"]},{"plusTime":["2021",0,"day"]}]},{"reduce":[[1],{"var":"current"},0]},{"extractFromUVCI":["a:b",1]}]}`,
		"a literal array of objects": `[{"var":"a"},[1,{"var":"b"}]]`,
	} {
		t.Run(name, func(t *testing.T) {
			x, err := Compile([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			v, err := x.Eval(&AnyData{})
			if err != nil {
				t.Fatal(err)
			}
			if truthy, ok := v.Truthy(); !ok || !truthy {
				t.Fatalf("got %v", v.Interface())
			}
		})
	}
}

func TestEvalBudget(t *testing.T) {
	// Three nested reduces over 40 items: 64,000 inner steps of 3 nodes.
	src := `{"reduce":[{"var":"a"},{"reduce":[{"var":"current"},{"reduce":[{"var":"current"},{"+":[{"var":"accumulator"},1]},{"var":"accumulator"}]},{"var":"accumulator"}]},0]}`
	x, err := Compile([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	inner := make([]any, 40)
	for i := range inner {
		inner[i] = float64(i)
	}
	mid := make([]any, 40)
	for i := range mid {
		mid[i] = inner
	}
	outer := make([]any, 40)
	for i := range outer {
		outer[i] = mid
	}
	data := &AnyData{V: map[string]any{"a": outer}}
	if _, err := x.Eval(data); CodeOf(err) != CodeBudget {
		t.Fatalf("error %v, want %s", err, CodeBudget)
	}
	v, err := x.EvalBudget(data, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if v.Interface() != float64(64000) {
		t.Fatalf("got %v, want 64000", v.Interface())
	}
	// An "in" pays for the items it may compare.
	in, _ := Compile([]byte(`{"in":["x",{"var":"a"}]}`))
	big := make([]any, DefaultBudget)
	if _, err := in.Eval(&AnyData{V: map[string]any{"a": big}}); CodeOf(err) != CodeBudget {
		t.Fatalf("in over %d items: error %v, want %s", len(big), err, CodeBudget)
	}
}

// national is a Data for the national model's few fields, answering var
// paths from a struct: what the admission check does.
type national struct {
	st, natT, clock string
}

func (n *national) Var(p *Path) Value {
	switch p.String() {
	case "payload.st":
		return String(n.st)
	case "payload.nat.t":
		if n.natT == "" {
			return Null()
		}
		return String(n.natT)
	case "external.validationClock":
		return String(n.clock)
	}
	return Null()
}

const greenAndRecentTest = `{"and":[{"===":[{"var":"payload.st"},"green"]},{"not-before":[{"plusTime":[{"var":"payload.nat.t"},48,"hour"]},{"plusTime":[{"var":"external.validationClock"},0,"day"]}]}]}`

func TestStructData(t *testing.T) {
	x, err := Compile([]byte(greenAndRecentTest))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		d    national
		want any
		code Code
	}{
		"green, tested 47 h ago": {national{"green", "2026-12-01T09:00:00+08:00", "2026-12-03T08:00:00+08:00"}, true, ""},
		"green, tested 49 h ago": {national{"green", "2026-12-01T09:00:00+08:00", "2026-12-03T10:00:00+08:00"}, false, ""},
		"yellow":                 {national{"yellow", "2026-12-01T09:00:00+08:00", "2026-12-01T10:00:00+08:00"}, false, ""},
		"green, no test":         {national{"green", "", "2026-12-01T10:00:00+08:00"}, nil, CodeType},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v, err := x.Eval(&tc.d)
			if CodeOf(err) != tc.code {
				t.Fatalf("error %v, want code %q", err, tc.code)
			}
			if err == nil && v.Interface() != tc.want {
				t.Fatalf("got %v, want %v", v.Interface(), tc.want)
			}
		})
	}
}

func TestConcurrentEval(t *testing.T) {
	x, err := Compile([]byte(`{"reduce":[{"var":"a"},{"+":[{"var":"accumulator"},{"var":"current"}]},0]}`))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				v, err := x.Eval(&AnyData{V: map[string]any{"a": []any{float64(g), float64(i)}}})
				if err != nil || v.Interface() != float64(g+i) {
					errs <- errors.New("wrong sum")
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestOf(t *testing.T) {
	for name, tc := range map[string]struct {
		in   any
		kind Kind
	}{
		"int":       {7, KindNumber},
		"int64":     {int64(7), KindNumber},
		"uint64":    {uint64(7), KindNumber},
		"a struct":  {struct{}{}, KindOther},
		"[]Value":   {[]Value{Null()}, KindArray},
		"a Value":   {String("x"), KindString},
		"a nil map": {map[string]any(nil), KindObject},
	} {
		if k := Of(tc.in).Kind(); k != tc.kind {
			t.Errorf("%s: kind %d, want %d", name, k, tc.kind)
		}
	}
	// A value of no JSON type is neither truthy nor falsy.
	if _, ok := Of(struct{}{}).Truthy(); ok {
		t.Error("a struct is truthy or falsy")
	}
}
