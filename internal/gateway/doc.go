// Package gateway wires one hcgw gateway from its configuration: store,
// trust registry, adapters, verifier, audit writer and HTTP API. It is what
// `hcgw serve` runs, and what tests and the demo start in-process.
//
// It owns the wiring and the values it hands down; verification, trust and
// protocol logic are verify's, trust's and federation's, not its own. Only
// commands and tests import it.
package gateway
