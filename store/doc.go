// Package store owns the database: the gorm models, their migration, and
// opening SQLite (embedded, pure Go, the default) or MySQL/TiDB from one
// driver name and DSN (config database.driver and database.dsn).
//
// It persists what other packages own, in their terms: verification records
// (it implements audit.Sink), trust entries (endorsement and revocation JWS,
// for package trust), trust events (admin actions) and correction tickets. It holds no business
// rule, and nothing on the verification hot path reads from it. It never logs
// SQL values: records carry masked holders only, but logs stay clean anyway.
//
// docs/storage.md describes the tables, the durability of each setting and
// the DSN requirements.
package store
