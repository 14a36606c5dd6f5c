package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
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
	return fresh(t, EnvDSN, []string{MySQLDSN(t)})[0]
}

// EnvGaleraDSNs names the environment variable holding the DSNs of the test
// Galera cluster's nodes, comma-separated (.ci/galera.sh starts a cluster
// of three on loopback and prints the line that sets it).
const EnvGaleraDSNs = "HCGW_TEST_GALERA_DSNS"

// GaleraDSNs returns the DSNs of the test Galera cluster's nodes, one a
// node. Without them it skips t, or fails it when CI is "true".
func GaleraDSNs(t testing.TB) []string {
	t.Helper()
	var dsns []string
	for _, d := range strings.Split(os.Getenv(EnvGaleraDSNs), ",") {
		if d = strings.TrimSpace(d); d != "" {
			dsns = append(dsns, d)
		}
	}
	if len(dsns) > 0 {
		return dsns
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(EnvGaleraDSNs + " not set: Galera-backed tests are mandatory in CI")
	}
	t.Skip(EnvGaleraDSNs + " not set: skipping Galera-backed test (run `eval \"$(.ci/galera.sh)\"` to start a local three-node cluster)")
	return nil
}

// FreshGalera creates a database of its own for t on the test Galera
// cluster (through the first node: Galera replicates the DDL to every node
// before it returns), drops it when t ends, and returns one DSN for it a
// node, in GaleraDSNs' order.
func FreshGalera(t testing.TB) []string {
	t.Helper()
	return fresh(t, EnvGaleraDSNs, GaleraDSNs(t))
}

// fresh creates a database on the server of servers[0], for use through
// every one of servers, and returns their DSNs for it.
func fresh(t testing.TB, env string, servers []string) []string {
	t.Helper()
	cfgs := make([]*mysql.Config, len(servers))
	for i, dsn := range servers {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		cfg.ParseTime = true
		cfgs[i] = cfg
	}
	name := dbName(t.Name())

	server := *cfgs[0]
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

	// Galera orders the DDL on every node but applies it on the others
	// just after it returns here: wait until each node has the database.
	for i, cfg := range cfgs[1:] {
		node := *cfg
		node.DBName = ""
		if err := waitForDatabase(ctx, node.FormatDSN(), name); err != nil {
			t.Fatalf("testdb: database %s on node %d: %v", name, i+2, err)
		}
	}

	out := make([]string, len(cfgs))
	for i, cfg := range cfgs {
		cfg.DBName = name
		out[i] = cfg.FormatDSN()
	}
	return out
}

// waitForDatabase polls the server of dsn until it has database name, or
// ctx ends.
func waitForDatabase(ctx context.Context, dsn, name string) error {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for {
		var n int
		err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n)
		if err == nil && n == 1 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not there within 30 s (last error: %v)", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
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
