// Package base45 is the Base45 encoding of RFC 9285, the alphabet the EU
// Digital COVID Certificate puts in QR codes (alphanumeric mode).
//
// Decoding is strict: only the 45 characters of the alphabet, no
// whitespace, no padding, a length that is not 1 mod 3, and no group whose
// value overflows its bytes. Every byte string therefore has exactly one
// encoding, and Encode(Decode(s)) == s for every s Decode accepts.
//
// No Go module for Base45 could be fetched through the module proxy this
// project builds with, so hcgw carries this small codec with its own tests
// and fuzz target instead of a dependency.
//
// It knows nothing of certificates and imports nothing of hcgw.
package base45
