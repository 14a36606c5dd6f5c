package testdb

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

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
