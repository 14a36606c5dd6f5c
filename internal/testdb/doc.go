// Package testdb gives tests a real MySQL (MariaDB in CI) when one is
// configured, and says clearly when it is not.
//
// The server is named by HCGW_TEST_MYSQL_DSN (.ci/mariadb.sh starts one and
// prints the line that sets it); a Galera cluster, for the tests of several
// replicas on a distributed database, by HCGW_TEST_GALERA_DSNS
// (.ci/galera.sh). Without it MySQL-backed tests skip on a
// workstation and fail in CI (CI=true), so CI can never pass by skipping them.
//
// Test-only: no production package imports it.
package testdb
