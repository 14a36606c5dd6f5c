// Package adapters holds the Adapter interface, the registry that detects a
// code's format by its prefix, and the helpers every adapter shares. One
// sub-package per local format implements Adapter; adding a province is one
// package, one mapping file and one registration line (docs/adapters.md).
// The JWS-based local formats share their decoder, package localjws; the
// adapters' tests share their machinery, package adaptertest.
//
// An adapter decodes, checks the signature through the trust registry, maps
// the local values to the national model through package mapping, and masks
// the holder before anything leaves it. Deciding validity against the clock
// and asking the issuer for live status belong to package verify.
package adapters
