// Package testkit builds trust material for tests: a national root, endorsed
// provincial keys, registries, and codes signed with arbitrary headers (to
// make hostile ones). Test-only; nothing in production imports it.
package testkit
