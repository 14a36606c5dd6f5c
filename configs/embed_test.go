package configs

import (
	"testing"

	"github.com/hcgw/hcgw/mapping"
)

// The shipped tables load, and none maps anything to green but the values
// DESIGN §9 names as green.
func TestShippedMappingsLoad(t *testing.T) {
	ts, err := mapping.LoadTables(Mappings())
	if err != nil {
		t.Fatal(err)
	}
	green := map[string]string{"gd-v1": "10", "sh-v1": "0", "bj-v1": "未见异常", "zj-v1": "G"}
	for format, g := range green {
		tb, err := ts.Get(format)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range tb.Values() {
			st, _ := tb.Map(v)
			if (st == mapping.Green) != (v == g) {
				t.Errorf("%s: %q → %s", format, v, st)
			}
		}
	}
}
