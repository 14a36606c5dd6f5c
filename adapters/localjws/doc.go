// Package localjws is the adapter of every JWS-based local format (DESIGN
// §9): a literal prefix and a compact JWS, signed with one pinned algorithm
// by an endorsed key of one province, whose claims carry the province's own
// field names and status values. A province's package (adapters/gd,
// adapters/bj) is a Spec and a New that hand that Spec here.
//
// The package owns reading the payload strictly, mapping its status through
// the format's mapping table, and masking the holder: the full name and
// identity number in the claims are masked here and dropped, and appear in
// no returned Code and no error. It does not look at the clock (expiry and
// not-yet-valid are package verify's) and asks no one for live status.
//
// Codes are built the way a province would (full holder in) by
// internal/provsim, for tests, golden vectors, the bench and the demo;
// CheckClaims gives it the rules Decode applies.
package localjws
