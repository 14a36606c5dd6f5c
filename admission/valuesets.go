package admission

import (
	"bytes"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/hcgw/hcgw/certlogic"
)

// ParseValueSets reads value sets (an object of value set id → array of
// codes, the EU's compressed valueSets.json) into the value rules see as
// external.valueSets. It is read once, at start; a malformed file stops the
// start rather than leaving every rule that needs a value set open.
func ParseValueSets(data []byte) (certlogic.Value, error) {
	var sets map[string][]string
	// JSON v2's defaults refuse duplicate names and invalid UTF-8.
	if err := json.Unmarshal(bytes.TrimSpace(data), &sets); err != nil {
		return certlogic.Null(), fmt.Errorf("value sets: %w", err)
	}
	if sets == nil {
		return certlogic.Null(), fmt.Errorf("value sets: want an object of value set id → array of codes")
	}
	out := make(map[string]any, len(sets))
	for id, codes := range sets {
		if id == "" {
			return certlogic.Null(), fmt.Errorf("value sets: an empty value set id")
		}
		items := make([]any, len(codes))
		for i, c := range codes {
			items[i] = c
		}
		out[id] = items
	}
	return certlogic.Of(out), nil
}
