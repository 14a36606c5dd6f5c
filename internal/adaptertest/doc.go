// Package adaptertest is the test machinery the adapter packages share: the
// golden world (keys, trust, shipped tables), table-test runners, the
// golden-vector file (read, write, run through the whole verifier), the
// fuzz seed corpus (write, check), refusal and leak checks, and the suite of
// every JWS-based local format (package localjws).
//
// Only _test.go files may import it. Each adapter package keeps its own
// cases, its fuzz targets and its -update flags; this package holds no
// case of its own but the masking rows every full-holder format shares.
package adaptertest
