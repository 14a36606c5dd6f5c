// Package sh is the adapter of Shanghai's local code, format sh-v1, region
// 310000 (DESIGN §9): eight fields joined by "|",
//
//	SSM2|cid|state|issued|ttl|masked name|masked id|sig
//
// with sig the base64url (no padding) Ed25519 signature over everything
// before the last bar. The code carries no key id: Decode tries the endorsed
// Ed25519 keys of 310000, and only those, each once.
//
// Shanghai masks the holder before it signs; this package refuses a code
// whose name or identity number is not in its masked form, so a full
// identity never enters the gateway through this format. internal/provsim
// signs codes as Shanghai would (tests, golden vectors, the demo), masking
// full values through CheckClaims before signing.
//
// The package owns the format's parsing and its key search. It does not
// decide validity against the clock (package verify) nor ask Shanghai for a
// live status (package federation).
package sh
