// Package verify is the orchestration of one verification: detect the
// format, decode and check the signature (adapters, trust), check validity
// against an injected clock, establish the status (offline now, online
// through a StatusSource when one is wired), apply the fail-closed rules of
// DESIGN §4, and write the record before the verdict leaves.
//
// It reads nothing from the database: the trust registry is an in-memory
// snapshot and records go to a group-committing writer.
package verify
