// Package rules runs the certlogic evaluator against the EU's test data:
// CertLogic test suites (JSON files of {"name","cases"}: evaluation cases
// with assertions, validation cases with issues) and rule set trees
// (<country>/<rule id>/rule.json with tests/test*.json, each test a
// payload, the external parameters and the expected result), as the
// reference tooling runs them.
//
// It is used by the tests (over testdata/certlogic and
// testdata/dcc-business-rules) and by `hcgw rules-conformance DIR`.
//
// Tooling: no production package imports it.
package rules
