// Package testdb gives tests a real MySQL (MariaDB in CI) when one is
// configured, and says clearly when it is not.
//
// The server is named by HCGW_TEST_MYSQL_DSN (.ci/mariadb.sh starts one and
// prints the line that sets it). Without it MySQL-backed tests skip on a
// workstation and fail in CI (CI=true), so CI can never pass by skipping them.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// EnvDSN names the environment variable holding the test server's DSN.
const EnvDSN = "HCGW_TEST_MYSQL_DSN"

// MySQLDSN returns the DSN of the test MySQL server. Without one it skips t,
// or fails it when the environment variable CI is "true".
func MySQLDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn != "" {
		return dsn
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(EnvDSN + " not set: MySQL-backed tests are mandatory in CI")
	}
	t.Skip(EnvDSN + " not set: skipping MySQL-backed test (run `eval \"$(.ci/mariadb.sh)\"` to start a local MariaDB)")
	return ""
}

// FreshMySQL creates a database of its own for t on the test server, drops
// it when t ends, and returns a DSN for it (the server DSN's user, address
// and parameters, with parseTime=true). Parallel tests and packages therefore
// never share tables. It skips or fails like MySQLDSN when no server is set.
func FreshMySQL(t testing.TB) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(MySQLDSN(t))
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	cfg.ParseTime = true
	name := dbName(t.Name())

	server := *cfg
	server.DBName = ""
	admin, err := sql.Open("mysql", server.FormatDSN())
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		admin.Close()
		t.Fatalf("testdb: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})

	cfg.DBName = name
	return cfg.FormatDSN()
}

// dbName makes a database name that is unique, legal unquoted, at most 64
// characters, and still says which test made it (for a leftover after a
// crash): hcgw_t_<test name, sanitised>_<random>.
func dbName(test string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(test) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	slug := b.String()
	if len(slug) > 32 {
		slug = slug[:32]
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	return "hcgw_t_" + slug + "_" + hex.EncodeToString(rnd[:])
}
