// Package web holds the checkpoint page (GET /checkpoint): static HTML, CSS
// and JavaScript embedded in the binary. The page is a client of the
// documented API like any other checkpoint — it calls /v1/qr/decode and
// /v1/verify with a bearer token the operator types in — so this package
// owns no logic and no secret: it only serves files.
//
// It imports nothing of hcgw.
package web
