// Package trust is the trust registry: the national root keys (anchors), the
// endorsements that anchor every other key, revocations, and lookup of a key by
// its kid. It also verifies compact JWS against the registry with the
// algorithm pinned per key (never taken from a token's header) and holds this
// gateway's own signing keys.
//
// The registry is served from memory: an immutable Snapshot swapped
// atomically, so the verify path takes no lock and reads no database.
// Persistence goes through the small Store interface declared here.
//
// It may depend on mapping; it must not know about adapters, HTTP or SQL.
package trust
