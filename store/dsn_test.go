package store

import (
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"
)

func TestMySQLDSNNormalisation(t *testing.T) {
	tests := map[string]struct {
		in      string
		wantErr string
		charset string
	}{
		"parseTime and charset are added": {in: "hcgw:hcgw@tcp(127.0.0.1:3306)/hcgw", charset: "utf8mb4"},
		"parseTime=false is overridden":   {in: "u:p@tcp(db:3306)/hcgw?parseTime=false&loc=UTC", charset: "utf8mb4"},
		"utf8mb4 is kept":                 {in: "u:p@tcp(db:3306)/hcgw?charset=utf8mb4,utf8", charset: "utf8mb4,utf8"},
		"another charset is refused":      {in: "u:p@tcp(db:3306)/hcgw?charset=latin1", wantErr: `charset "latin1"`},
		"another collation is refused":    {in: "u:p@tcp(db:3306)/hcgw?collation=latin1_swedish_ci", wantErr: "collation"},
		"garbage is refused":              {in: "not a dsn", wantErr: "mysql DSN"},
		"clientFoundRows is turned off":   {in: "u:p@tcp(db:3306)/hcgw?clientFoundRows=true", charset: "utf8mb4"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := mysqlDSN(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("mysqlDSN(%q) = %q, %v; want an error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := gomysql.ParseDSN(got)
			if err != nil {
				t.Fatalf("result %q does not parse: %v", got, err)
			}
			if !cfg.ParseTime || cfg.Params["charset"] != tc.charset || cfg.ClientFoundRows {
				t.Fatalf("mysqlDSN(%q) = %q: parseTime %v, charset %q, clientFoundRows %v", tc.in, got, cfg.ParseTime, cfg.Params["charset"], cfg.ClientFoundRows)
			}
		})
	}
}

func TestSQLiteDSN(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"a bare file":         {"file:hcgw.db", "file:hcgw.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate&_time_format=sqlite"},
		"existing params":     {"file:hcgw.db?mode=rwc", "file:hcgw.db?mode=rwc&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate&_time_format=sqlite"},
		"a trailing ?":        {"hcgw.db?", "hcgw.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate&_time_format=sqlite"},
		"own pragmas win":     {"x.db?_pragma=synchronous=NORMAL&_pragma=JOURNAL_MODE(delete)&_txlock=deferred&_time_format=datetime", "x.db?_pragma=synchronous=NORMAL&_pragma=JOURNAL_MODE(delete)&_txlock=deferred&_time_format=datetime&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"},
		"nothing left to add": {"x.db?_pragma=busy_timeout(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(0)&_txlock=immediate&_time_format=sqlite", "x.db?_pragma=busy_timeout(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(0)&_txlock=immediate&_time_format=sqlite"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := sqliteDSN(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("sqliteDSN(%q)\n got %q, %v\nwant %q", tc.in, got, err, tc.want)
			}
		})
	}
	if _, err := sqliteDSN(""); err == nil {
		t.Fatal("sqliteDSN(\"\") succeeded")
	}
}
