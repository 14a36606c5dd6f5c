// Package issuing is the gateway's own code issuance, the third way of
// mutual recognition: a region with no code of its own has its gateway sign
// national information codes (POST /v1/issue).
//
// It owns the issue request, the masking of the holder it carries and the
// choice of an endorsed key. It may not keep or log the full holder; the
// nic-v1 encoding stays with its adapter (adapters/nic), which verify's
// conversion signs with too.
package issuing
