// Package federation asks other regions for live status and answers them
// (DESIGN §7): signed status requests with replay protection, signed
// answers checked against the trust registry, routing to the org's peer or
// the national hub, the hub's relay with a hop limit, outbound calls through
// go-retryablehttp with one sony/gobreaker per peer, and a cache whose
// concurrent identical queries collapse into one call.
//
// Every failure is fail-closed: an answer that cannot be checked is a dead
// peer, never a status.
package federation
