package certlogic

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"testing"
	"time"
)

// refCase is one line of testdata/reference.json: an expression and its
// data, with the result (want) or the error the EU's reference
// implementation gives (testdata/reference.js regenerates it).
type refCase struct {
	Expr  any    `json:"expr"`
	Data  any    `json:"data"`
	Want  any    `json:"want"`
	Error string `json:"error"`
}

// jsISO is JavaScript's Date.prototype.toISOString.
func jsISO(ms float64) string {
	t := time.UnixMilli(int64(ms)).UTC()
	y := t.Year()
	rest := t.Format("-01-02T15:04:05.000Z")
	if y >= 0 && y <= 9999 {
		return fmt.Sprintf("%04d%s", y, rest)
	}
	if y < 0 {
		return fmt.Sprintf("-%06d%s", -y, rest)
	}
	return fmt.Sprintf("+%06d%s", y, rest)
}

// norm writes a value as reference.js does: date-times as "DATE:<ISO>".
func norm(v Value) any {
	switch v.k {
	case KindDate:
		if math.IsNaN(v.n) {
			return "DATE:invalid"
		}
		return "DATE:" + jsISO(v.n)
	case KindArray:
		out := make([]any, v.arrayLen())
		for i := range out {
			out[i] = norm(v.item(i))
		}
		return out
	case KindObject:
		if f, ok := v.ref.(*frame); ok {
			return map[string]any{"accumulator": norm(f.acc), "current": norm(f.cur)}
		}
	}
	return v.Interface()
}

func TestAgreesWithTheReference(t *testing.T) {
	file := "testdata/reference.json"
	if f := os.Getenv("REFERENCE"); f != "" {
		file = f // a larger set, e.g. refgen_test.go's
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cases []refCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 100 {
		t.Fatalf("only %d cases", len(cases))
	}
	for i, c := range cases {
		src, _ := json.Marshal(c.Expr)
		data, _ := json.Marshal(c.Data)
		t.Run(fmt.Sprintf("%d %s on %s", i, src, data), func(t *testing.T) {
			x, err := CompileValue(c.Expr)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := x.Eval(&AnyData{V: c.Data})
			if c.Error != "" {
				if err == nil {
					t.Fatalf("got %v, want an error (the reference: %s)", norm(got), c.Error)
				}
				if CodeOf(err) != CodeType {
					t.Fatalf("error %v, want code %s", err, CodeType)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v, want %v", err, c.Want)
			}
			if g := norm(got); !reflect.DeepEqual(g, c.Want) {
				t.Fatalf("got %#v, want %#v", g, c.Want)
			}
		})
	}
}

// validationCase is one line of testdata/validation-reference.json: an
// expression and the issues the reference validator reports for it
// (testdata/validation.js regenerates them).
type validationCase struct {
	Expr   any     `json:"expr"`
	Issues []Issue `json:"issues"`
}

func TestValidatorAgreesWithTheReference(t *testing.T) {
	file := "testdata/validation-reference.json"
	if f := os.Getenv("VALIDATION"); f != "" {
		file = f // a larger set, e.g. refgen_test.go's
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cases []validationCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	invalid := 0
	for i, c := range cases {
		got := Validate(c.Expr)
		if len(c.Issues) > 0 {
			invalid++
		}
		ok := len(got) == len(c.Issues)
		for j := 0; ok && j < len(got); j++ {
			ok = got[j].Message == c.Issues[j].Message && reflect.DeepEqual(got[j].Expr, c.Issues[j].Expr)
		}
		if !ok {
			src, _ := json.Marshal(c.Expr)
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(c.Issues)
			t.Errorf("%d %s:\n got %s\nwant %s", i, src, g, w)
		}
		if _, err := CompileValue(c.Expr); (err == nil) != (len(c.Issues) == 0) {
			t.Errorf("%d: Compile error %v with %d issues", i, err, len(c.Issues))
		}
	}
	if invalid < len(cases)/2 {
		t.Errorf("only %d of %d cases are invalid", invalid, len(cases))
	}
}
