// Package httpapi is the HTTP API v1 of DESIGN §6 on gin: routes, bearer
// authentication with roles, the error envelope, body limits and server
// timeouts. Handlers parse, validate, call and render; verdicts are decided
// in package verify, keys in package trust.
package httpapi
