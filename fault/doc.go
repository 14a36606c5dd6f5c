// Package fault is hcgw's one error vocabulary: a Kind names what went
// wrong, and one table gives each kind its two views, the verdict reason
// of DESIGN §4 (for the kinds that judge a code) and the HTTP status and
// stable code of DESIGN §6 (for every kind), with the level it is logged
// at and the message a client is told when nothing more precise is said.
//
// An *Error carries a kind, a message written for clients and, for logs
// only, the internal cause. Every layer returns them; the HTTP layer and
// the federation responder render them through Kind's views, so no
// internal text reaches a client.
//
// It owns the kinds, their table and the error type. It imports nothing of
// hcgw and knows no model: a message must never carry a full name or an
// identity number, which is its callers' duty (mapping masks them).
package fault
