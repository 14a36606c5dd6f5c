// Package bj is the adapter of Beijing's health code, format bj-v1, region
// 110000 (DESIGN §9): "BJJKB:" + a compact JWS (EdDSA, typ JWT, kid the RFC
// 7638 thumbprint of an endorsed key) whose claims carry Beijing's own field
// names and its status vocabulary in Chinese text (未见异常, 弹窗, 居家隔离 …).
//
// The adapter owns reading that payload strictly, mapping its status through
// the bj-v1 mapping table, and masking the holder: the full name and
// identity number in the claims are masked here and dropped, and appear in
// no returned Code and no error. It does not look at the clock (expiry and
// not-yet-valid are package verify's) and asks no one for live status.
//
// Encode builds codes the way the province would (full holder in), for
// tests, golden vectors and the demo's simulated platform.
package bj
