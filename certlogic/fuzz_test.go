package certlogic

import (
	"encoding/json"
	"errors"
	"testing"
)

// Seeds: certlogic/testdata/fuzz/<target>/ (the EU rules' logic, the
// suites' expressions and data), plus a few here.

var fuzzData = []any{
	nil,
	map[string]any{"payload": map[string]any{"st": "green", "v": []any{map[string]any{"dn": 2.0, "mp": "EU/1/20/1528", "dt": "2021-06-01"}}}, "external": map[string]any{"validationClock": "2021-07-01T00:00:00Z"}},
	[]any{1.0, "a", []any{}, map[string]any{}},
}

func checkEvalError(t *testing.T, err error) {
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	switch e.Code {
	case CodeType, CodeBudget:
	default:
		t.Fatalf("error %v: code %s", err, e.Code)
	}
}

// FuzzCompile: any input either compiles or is refused with an *Error of
// a compile code; what compiles evaluates (with a small budget) to a value
// or an evaluation error, and compiles again from its own JSON.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`{"and":[true,{"var":"x"}]}`, `{"plusTime":["2021-02-30",1,"month"]}`, `[{"reduce":[[1,2],{"+":[{"var":"accumulator"},{"var":"current"}]},0]}]`, `{"!!":[1]}`, `3.5`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		x, err := Compile(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Code != CodeInvalid && e.Code != CodeTooLarge) {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		if x.Nodes() < 1 || x.Nodes() > MaxNodes {
			t.Fatalf("%d nodes", x.Nodes())
		}
		again, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Compile(again); err != nil {
			t.Fatalf("%s compiled, its JSON %s does not: %v", src, again, err)
		}
		for _, d := range fuzzData {
			if _, err := x.eval(&AnyData{V: d}, 10_000); err != nil {
				checkEvalError(t, err)
			}
		}
	})
}

// FuzzEval: an expression and a data context (both JSON); evaluation
// never panics (x.eval has no recover) and fails only with an *Error.
func FuzzEval(f *testing.F) {
	f.Add([]byte(`{"if":[{"var":"a.0"},{"in":[{"var":"a.0"},["x","y"]]},false]}`), []byte(`{"a":["x"]}`))
	f.Add([]byte(`{"not-before":[{"plusTime":[{"var":"d"},48,"hour"]},{"dccDateOfBirth":[{"var":"dob"}]}]}`), []byte(`{"d":"2021-06-01T10:00:00+130","dob":"1990-02"}`))
	f.Add([]byte(`{"reduce":[{"var":""},{"var":""},0]}`), []byte(`[1,2,3]`))
	f.Add([]byte(`{"extractFromUVCI":[{"var":"u"},2]}`), []byte(`{"u":"URN:UVCI:01:NL:A#B"}`))
	f.Fuzz(func(t *testing.T, src, data []byte) {
		x, err := Compile(src)
		if err != nil {
			return
		}
		var d any
		if json.Unmarshal(data, &d) != nil {
			return
		}
		v, err := x.eval(&AnyData{V: d}, 10_000)
		if err != nil {
			checkEvalError(t, err)
			return
		}
		_ = v.Interface()
		v.Truthy()
	})
}
