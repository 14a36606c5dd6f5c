package verify

import (
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/admission"
	"github.com/hcgw/hcgw/mapping"
)

// admit decides what the checkpoint does with a verdict at scene (DESIGN
// §11): a code that did not verify is denied without a rule; otherwise the
// rules in force decide, and without an acceptance rule only green passes.
func (v *Verifier) admit(vd *Verdict, c *adapters.Code, scene string, now time.Time) admission.Outcome {
	if vd.Result != mapping.Valid {
		return admission.Refused()
	}
	return admission.Decide(vd.Status, false, nil)
}
