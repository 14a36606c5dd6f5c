// Package audit owns verification records (DESIGN §8): their shape, their
// time-ordered ids, and the group-commit writer that makes them durable before
// a checkpoint is told a verdict.
//
// It declares the Sink it writes to and knows nothing of SQL, gorm or any other
// hcgw package: store implements Sink, verify and httpapi call Writer. A record
// holds masked holder data only; the full name or identity number never reaches
// this package, and nothing here logs holder data.
package audit
