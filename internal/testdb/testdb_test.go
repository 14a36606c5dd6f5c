package testdb

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func TestDBNameIsLegalUniqueAndBounded(t *testing.T) {
	legal := regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
	seen := map[string]bool{}
	for _, test := range []string{"TestStore/mysql/records_round_trip", strings.Repeat("Ünïcode/名字 ", 20), ""} {
		for range 3 {
			name := dbName(test)
			if !legal.MatchString(name) {
				t.Fatalf("dbName(%q) = %q: not a safe, bounded database name", test, name)
			}
			if seen[name] {
				t.Fatalf("dbName(%q) = %q twice", test, name)
			}
			seen[name] = true
		}
	}
}

// TestMissingDSN runs this test binary again without a DSN, once as a
// workstation and once as CI, and checks the outcome.
func TestMissingDSN(t *testing.T) {
	if os.Getenv("TESTDB_CHILD") == "1" {
		MySQLDSN(t)
		return
	}
	tests := map[string]struct {
		ci       string
		wantFail bool
		wantText string
	}{
		"a workstation skips":  {ci: "", wantFail: false, wantText: "SKIP"},
		"CI fails, loudly":     {ci: "true", wantFail: true, wantText: "MySQL-backed tests are mandatory in CI"},
		"CI=false still skips": {ci: "false", wantFail: false, wantText: "SKIP"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMissingDSN$", "-test.v")
			cmd.Env = append(os.Environ(), "TESTDB_CHILD=1", EnvDSN+"=", "CI="+tc.ci)
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != tc.wantFail {
				t.Fatalf("child failed=%v, want %v:\n%s", failed, tc.wantFail, out)
			}
			if !strings.Contains(string(out), tc.wantText) {
				t.Fatalf("child output lacks %q:\n%s", tc.wantText, out)
			}
		})
	}
}

func TestFreshMySQLIsPrivateAndDropped(t *testing.T) {
	var name string
	t.Run("use", func(t *testing.T) {
		dsn := FreshMySQL(t)
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.ParseTime {
			t.Fatalf("DSN %q lacks parseTime=true", dsn)
		}
		name = cfg.DBName
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var current string
		if err := db.QueryRowContext(context.Background(), "SELECT DATABASE()").Scan(&current); err != nil {
			t.Fatal(err)
		}
		if current != name {
			t.Fatalf("connected to %q, want %q", current, name)
		}
	})
	if name == "" {
		return // skipped: no server
	}
	db, err := sql.Open("mysql", MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(context.Background(),
		"SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database %s still exists after its test ended", name)
	}
}

// TestMissingGaleraDSNs is TestMissingDSN for the Galera cluster's variable.
func TestMissingGaleraDSNs(t *testing.T) {
	if os.Getenv("TESTDB_CHILD") == "1" {
		GaleraDSNs(t)
		return
	}
	tests := map[string]struct {
		ci, dsns string
		wantFail bool
		wantText string
	}{
		"a workstation skips":      {ci: "", wantFail: false, wantText: "SKIP"},
		"CI fails, loudly":         {ci: "true", wantFail: true, wantText: "Galera-backed tests are mandatory in CI"},
		"only commas is none, too": {ci: "true", dsns: " , ,", wantFail: true, wantText: "Galera-backed tests are mandatory in CI"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMissingGaleraDSNs$", "-test.v")
			cmd.Env = append(os.Environ(), "TESTDB_CHILD=1", EnvGaleraDSNs+"="+tc.dsns, "CI="+tc.ci)
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != tc.wantFail {
				t.Fatalf("child failed=%v, want %v:\n%s", failed, tc.wantFail, out)
			}
			if !strings.Contains(string(out), tc.wantText) {
				t.Fatalf("child output lacks %q:\n%s", tc.wantText, out)
			}
		})
	}
}

// TestFreshGaleraIsOneDatabaseOnEveryNode writes through each node and reads
// every row back through every other: the DSNs name one replicated database.
func TestFreshGaleraIsOneDatabaseOnEveryNode(t *testing.T) {
	dsns := FreshGalera(t)
	if len(dsns) < 2 {
		t.Fatalf("FreshGalera gave %d DSNs; a cluster has several nodes", len(dsns))
	}
	ctx := context.Background()
	dbs := make([]*sql.DB, len(dsns))
	for i, dsn := range dsns {
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1) // one session: SET SESSION below holds for its queries
		dbs[i] = db
		var size string
		if err := db.QueryRowContext(ctx, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'").Scan(&size); err != nil {
			t.Fatalf("node %d: wsrep_cluster_size: %v (not a Galera node?)", i+1, err)
		}
		if size != strconv.Itoa(len(dsns)) {
			t.Fatalf("node %d: wsrep_cluster_size = %s, want %d", i+1, size, len(dsns))
		}
	}
	if _, err := dbs[0].ExecContext(ctx, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(8) NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for i, db := range dbs {
		// A write on a node still applying the CREATE TABLE (total order
		// isolation) can be aborted with a deadlock error: Galera's rule is
		// to try such a write again.
		var err error
		for attempt := 0; attempt < 20; attempt++ {
			if _, err = db.ExecContext(ctx, "INSERT INTO t VALUES (?, ?)", i, "n"+strconv.Itoa(i+1)); !isDeadlock(err) {
				break
			}
			time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("insert through node %d: %v", i+1, err)
		}
	}
	for i, db := range dbs {
		// Galera applies on the other nodes after the commit returns;
		// wsrep_sync_wait makes this read wait for what was committed.
		if _, err := db.ExecContext(ctx, "SET SESSION wsrep_sync_wait = 1"); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(dbs) {
			t.Fatalf("node %d sees %d rows, want %d", i+1, n, len(dbs))
		}
	}
}

func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}
