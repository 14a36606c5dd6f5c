package mapping

import (
	"reflect"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// TestHotPathTargetsAreTyped: the targets read on the verify path take the
// per-type null hooks, not the slower hook on every value.
func TestHotPathTargetsAreTyped(t *testing.T) {
	for _, v := range []any{&Claims{}, &map[string]jsontext.Value{}} {
		typed, err := checkStrictType(reflect.TypeOf(v))
		if err != nil || !typed {
			t.Errorf("%T: typed %v, %v; want the per-type hooks", v, typed, err)
		}
	}
	type pointers struct {
		S *string `json:"s"`
	}
	if typed, err := checkStrictType(reflect.TypeOf(&pointers{})); err != nil || typed {
		t.Errorf("a *string member: typed %v, %v; want the hook on every value", typed, err)
	}
}
