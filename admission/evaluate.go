package admission

import (
	"strings"

	"github.com/hcgw/hcgw/certlogic"
	"github.com/hcgw/hcgw/trust"
)

// Evaluate runs each rule's compiled logic on d (DESIGN §11: truthy passed,
// falsy failed, an evaluation error open), appends the results to dst, and
// reports whether an acceptance rule was among the rules. It parses no
// JSON: the rules were compiled when they were taken.
func Evaluate(dst []RuleResult, rules []*trust.Rule, d certlogic.Data) ([]RuleResult, bool) {
	acceptance := false
	for _, r := range rules {
		res := Open
		if r.Expr != nil {
			if v, err := r.Expr.Eval(d); err == nil {
				// A value that is neither truthy nor falsy (a date) is
				// not a pass either.
				if truthy, ok := v.Truthy(); ok && truthy {
					res = Passed
				} else if ok {
					res = Failed
				}
			}
		}
		if r.Type == trust.RuleAcceptance {
			acceptance = true
		}
		dst = append(dst, RuleResult{ID: r.Identifier, Version: r.Version, Type: string(r.Type), Result: res,
			Description: describe(r.Description)})
	}
	return dst, acceptance
}

// describe picks a rule's Chinese and English descriptions (lang "zh",
// "zh-CN" …, and "en"); a missing one is the other's text.
func describe(ds []trust.RuleDescription) Description {
	var out Description
	for _, d := range ds {
		switch {
		case out.ZH == "" && (d.Lang == "zh" || strings.HasPrefix(d.Lang, "zh-")):
			out.ZH = d.Desc
		case out.EN == "" && (d.Lang == "en" || strings.HasPrefix(d.Lang, "en-")):
			out.EN = d.Desc
		}
	}
	if out.ZH == "" {
		out.ZH = out.EN
	}
	if out.EN == "" {
		out.EN = out.ZH
	}
	return out
}
