package certlogic

import "testing"

// A reduce whose accumulator holds itself twice doubles the value's tree at
// every step while its memory grows by one array: the size bound stops it
// (before the bound, Interface walked 2^40 nodes and the test hung).
func TestSharedValuesAreBounded(t *testing.T) {
	tests := map[string]struct {
		src   string
		items int
		code  Code
	}{
		"[acc, acc] 40 times":     {`{"reduce":[{"var":"a"},[{"var":"accumulator"},{"var":"accumulator"}],0]}`, 40, CodeBudget},
		"[acc, acc] 10 times":     {`{"reduce":[{"var":"a"},[{"var":"accumulator"},{"var":"accumulator"}],0]}`, 10, ""},
		"nested frames 40 times":  {`{"reduce":[{"var":"a"},{"var":""},0]}`, 40, ""},
		"nested frames 1e5 times": {`{"reduce":[{"var":"a"},{"var":""},0]}`, 100_000, CodeBudget},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			x, err := Compile([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			v, err := x.Eval(&AnyData{V: map[string]any{"a": make([]any, tc.items)}})
			if CodeOf(err) != tc.code {
				t.Fatalf("error %v, want code %q", err, tc.code)
			}
			_ = v.Interface()
		})
	}
}
