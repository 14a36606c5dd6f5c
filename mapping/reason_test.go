package mapping_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hcgw/hcgw/mapping"
)

func TestReasonOf(t *testing.T) {
	tests := map[string]struct {
		err  error
		want mapping.Reason
	}{
		"no error has no reason":                      {nil, mapping.ReasonNone},
		"a problem carries its reason":                {mapping.Fail(mapping.Expired, "at %d", 1), mapping.Expired},
		"a wrapped problem keeps its reason":          {fmt.Errorf("verify: %w", mapping.Fail(mapping.RevokedKey, "x")), mapping.RevokedKey},
		"a plain error is malformed, never a pass":    {errors.New("boom"), mapping.Malformed},
		"a problem without a reason is malformed too": {&mapping.Problem{}, mapping.Malformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := mapping.ReasonOf(tc.err); got != tc.want {
				t.Errorf("ReasonOf(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

func TestReasonResult(t *testing.T) {
	for _, r := range mapping.Reasons {
		want := mapping.Invalid
		if r == mapping.IssuerUnavailable || r == mapping.StatusUnknown {
			want = mapping.Unverified
		}
		if got := r.Result(); got != want {
			t.Errorf("%s.Result() = %s, want %s", r, got, want)
		}
	}
	if got := mapping.ReasonNone.Result(); got != mapping.Valid {
		t.Errorf("ReasonNone.Result() = %s, want valid", got)
	}
}
