package web

import "embed"

// The operator page (GET /operator): peers, keys, revocations and the last
// hour's verdicts of one gateway, read from GET /v1/ops/overview with the
// admin token the operator types in. Like the checkpoint page it is only
// files.
//
//go:embed operator
var operatorFiles embed.FS

// OperatorIndex is the name of the operator page itself.
const OperatorIndex = "index.html"

// OperatorAsset returns one of the operator page's files (a plain name, no
// folder) and its content type; ok is false for any other name.
func OperatorAsset(name string) (body []byte, contentType string, ok bool) {
	return asset(operatorFiles, "operator", name)
}

// OperatorNames lists the operator page's files.
func OperatorNames() []string { return names(operatorFiles, "operator") }
