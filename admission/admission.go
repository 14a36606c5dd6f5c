package admission

import (
	"github.com/hcgw/hcgw/mapping"
)

// Decision is what a checkpoint does with the traveller.
type Decision string

// The decisions of DESIGN §11.
const (
	Admit Decision = "admit"
	Deny  Decision = "deny"
	Check Decision = "check" // a rule could not be evaluated: a person decides
)

// Result is one rule's result.
type Result string

// The rule results of DESIGN §11.
const (
	Passed Result = "passed"
	Failed Result = "failed"
	Open   Result = "open" // the rule's evaluation failed: never a pass
)

// Rule types (the EU's validation-rule Type).
const (
	Acceptance   = "Acceptance"
	Invalidation = "Invalidation"
)

// Description is a rule's text in the two languages the checkpoint shows.
type Description struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// RuleResult is one evaluated rule.
type RuleResult struct {
	ID          string      `json:"id"`
	Version     string      `json:"version"`
	Type        string      `json:"type"`
	Result      Result      `json:"result"`
	Description Description `json:"description"`
}

// Outcome is the verdict's admission member.
type Outcome struct {
	Decision Decision `json:"decision"`
	// Default is true when no acceptance rule was in force for the scene and
	// the default acceptance (only green passes) decided.
	Default bool         `json:"default"`
	Rules   []RuleResult `json:"rules"`
}

// IsZero reports an outcome never decided (a verdict built by hand);
// encoding/json's omitzero and the verdict's writer both omit it.
func (o Outcome) IsZero() bool { return o.Decision == "" && !o.Default && o.Rules == nil }

// DefaultRuleID names the default acceptance in an outcome's rules when it
// fails, so that a checkpoint can show why a non-green code is refused.
const DefaultRuleID = "default-green"

// defaultFailed is the default acceptance's failure, shown like a rule's.
var defaultFailed = RuleResult{ID: DefaultRuleID, Version: "1.0.0", Type: Acceptance, Result: Failed,
	Description: Description{ZH: "无本场景通行规则时，仅绿码通行", EN: "Without a rule for this scene, only a green code passes"}}

// Refused is the outcome of a verdict that is not valid: no rule is
// evaluated for a code that did not verify.
func Refused() Outcome { return Outcome{Decision: Deny} }

// Decide combines the results of the rules in force (DESIGN §11):
// deny when any failed, else check when any is open, else admit. With no
// acceptance rule among them (acceptance false), the default acceptance
// applies as one more rule: only a green status passes. results is kept.
func Decide(status mapping.Status, acceptance bool, results []RuleResult) Outcome {
	out := Outcome{Decision: Admit, Default: !acceptance, Rules: results}
	if !acceptance && status != mapping.Green {
		out.Rules = append(out.Rules, defaultFailed)
	}
	for _, r := range out.Rules {
		switch r.Result {
		case Failed:
			out.Decision = Deny
			return out
		case Passed:
		default: // open, or anything not known to pass
			out.Decision = Check
		}
	}
	return out
}
