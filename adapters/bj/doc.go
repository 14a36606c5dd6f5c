// Package bj is the adapter of Beijing's health code, format bj-v1, region
// 110000 (DESIGN §9): "BJJKB:" + a compact JWS (EdDSA, typ JWT, kid the RFC
// 7638 thumbprint of an endorsed key) whose claims carry Beijing's own field
// names and its status vocabulary in Chinese text (未见异常, 弹窗, 居家隔离 …).
//
// The package owns the format's description (prefix, region, algorithm,
// claim names); decoding, strict claim reading and masking the holder are
// package localjws's, shared by every JWS-based local format. Codes are built
// the way the province would (full holder in) by internal/provsim, for
// tests, golden vectors and the demo.
package bj
