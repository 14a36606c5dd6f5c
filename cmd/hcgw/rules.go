package main

import (
	"io"

	"github.com/hcgw/hcgw/internal/conformance/rules"
)

// cmdRulesConformance runs CertLogic test suites or rule set trees through
// the certlogic evaluator (rules.Command: exit 0 only when none failed).
func cmdRulesConformance(args []string, stdout, stderr io.Writer) int {
	return rules.Command(args, stdout, stderr)
}
