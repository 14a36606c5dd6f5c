// Package httpapi is the HTTP API v1 of DESIGN §6 on gin: routes, bearer
// authentication with roles, the error envelope, body limits and server
// timeouts. Handlers parse, validate, call and render; verdicts are decided
// in package verify, keys in package trust.
//
// Every error leaves through one writer (errors.go) that takes its status
// and code from fault's table and its message from the error's client
// text; internal error text goes to the log only, identity numbers masked.
// It holds no business logic and touches no database of its own.
package httpapi
