// Package certlogic is an evaluator of CertLogic 1.3 expressions (the
// restricted JsonLogic of the EU DCC business rules, specified in
// testdata/certlogic/README.md).
//
// An expression is validated and compiled once (Compile), into a tree of
// typed nodes; evaluation (Expr.Eval) never parses JSON and reads the data
// context through the small Data interface, so a caller can answer var paths
// from its own structs without building a map per call (AnyData serves
// decoded JSON). Values are the Value struct, passed by value.
//
// Bounds: Compile refuses expressions nested deeper than MaxDepth or with
// more than MaxNodes nodes; Eval stops with an error (CodeBudget) when its
// work (nodes evaluated, array items visited) exceeds the budget. Every
// failure is an *Error with a stable Code; nothing panics.
//
// Behaviour follows the EU's reference implementation (certlogic-js) where
// the specification leaves room, e.g. impossible dates ("2021-02-30",
// "2021-13") read as the JavaScript Date does (overflowing days roll over,
// an invalid date compares false with everything); docs/rules.md lists the
// divergences.
package certlogic
