// Package gd is the adapter of Guangdong's health code, format gd-v1, region
// 440000 (DESIGN §9): "GDHC:" + a compact JWS (ES256, typ JWT, kid the RFC
// 7638 thumbprint of an endorsed key) whose claims carry Guangdong's own
// field names and status values.
//
// The adapter owns reading that payload strictly, mapping its status through
// the gd-v1 mapping table, and masking the holder: the full name and
// identity number in the claims are masked here and dropped, and appear in
// no returned Code and no error. It does not look at the clock (expiry and
// not-yet-valid are package verify's) and asks no one for live status.
//
// Encode builds codes the way the province would (full holder in), for
// tests, golden vectors and the demo's simulated platform.
package gd
