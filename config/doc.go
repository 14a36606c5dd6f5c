// Package config owns the gateway's configuration: the YAML schema of
// DESIGN §10 plus the operational keys documented in docs/configuration.md,
// its defaults, strict decoding, HCGW_* environment overrides and
// validation.
//
// Decoding is strict in the boulder sense: an unknown key, a value of the
// wrong type, a duplicate key or a second YAML document is an error, and every
// error names the file (or the environment variable) and the key, so that the
// gateway never starts half-configured. Validation collects every problem
// rather than stopping at the first, so an operator fixes a file in one pass.
// yaml.v3 (KnownFields) and go-playground/validator (the validate tags) do
// the checking; this package words their findings as file:line:key.
//
// The package reads files only to check that the paths it is given are usable
// (CheckFiles, Anchor.Bytes); it never parses a key, opens a database or
// touches the network, and it depends on no other hcgw package. Secrets it
// holds (token hashes, DSN passwords) never appear in its error messages.
package config
