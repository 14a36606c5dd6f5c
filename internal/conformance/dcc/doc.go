// Package conformance runs hcgw's eu-dcc adapter against test data laid out
// as the EU member states' public test repository (dgc-testdata): one folder
// per country, each file */2DCode/raw/*.json a case with its raw stages
// (PREFIX, BASE45, COMPRESSED, COSE, CBOR, JSON, 2DCODE), a TESTCTX
// (CERTIFICATE, VALIDATIONCLOCK) and EXPECTEDRESULTS flags.
//
// Every flag present is checked with hcgw's own code at the file's
// VALIDATIONCLOCK, the file's CERTIFICATE being the only trusted document
// signer; a flag that is absent is not checked (the repository's rule).
// Beyond the flags, an end-to-end check (HCGW) runs the file's PREFIX
// through the whole verifier when the flags imply the answer: valid when
// every stage is expected to pass, invalid when the signature, the validity
// or the key usage is expected to fail.
//
// It is used by the test suite (adapters/eudcc) over testdata/dgc-testdata
// and by `hcgw dcc-conformance DIR`.
//
// Tooling: no production package imports it.
package dcc
