// Package eudcc is the adapter of EU Digital COVID Certificates, format
// eu-dcc: "HC1:" + Base45 of a zlib-compressed COSE_Sign1 (ES256 or PS256)
// over a CBOR Web Token whose hcert claim (-260) holds the certificate
// (vaccination, test or recovery). It verifies the signature against the
// document signers (X.509) of the trust snapshot, with the algorithm pinned
// by the signer's key type, and maps the certificate into the national
// model as a foreign issuer: Iss and Org are "eu:" + the issuing country
// (docs/INTEROP.md), the holder's name masked, the status green or grey by
// the national policy table configs/mappings/eu-dcc.yaml, and the
// certificate's facts in Code.Cert.
//
// The decoding steps (Unprefix, Inflate, ParseCOSE, ParseCWT, ParseDCC) are
// exported for the conformance runner (package conformance), which checks
// each of them against the member states' test data.
//
// It may depend on adapters, mapping and trust; it must not know about
// verify, HTTP or storage.
package eudcc
