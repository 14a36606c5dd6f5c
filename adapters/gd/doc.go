// Package gd is the adapter of Guangdong's health code, format gd-v1, region
// 440000 (DESIGN §9): "GDHC:" + a compact JWS (ES256, typ JWT, kid the RFC
// 7638 thumbprint of an endorsed key) whose claims carry Guangdong's own
// field names and status values.
//
// The package owns the format's description (prefix, region, algorithm,
// claim names); decoding, strict claim reading and masking the holder are
// package localjws's, shared by every JWS-based local format. Codes are built
// the way the province would (full holder in) by internal/provsim, for
// tests, golden vectors and the demo.
package gd
