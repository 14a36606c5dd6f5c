package config

import (
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	tests := map[string]struct {
		dsn, want string
	}{
		"the embedded default has nothing to hide":  {"file:hcgw.db", "file:hcgw.db"},
		"a SQLite DSN with parameters":              {"file:hcgw.db?_pragma=busy_timeout(5000)", "file:hcgw.db?_pragma=busy_timeout(5000)"},
		"a MySQL DSN with a password":               {"hcgw:s3cret@tcp(127.0.0.1:3306)/hcgw?parseTime=true", "hcgw:***@tcp(127.0.0.1:3306)/hcgw?parseTime=true"},
		"a MySQL DSN without a password":            {"root@tcp(db:3306)/hcgw", "root@tcp(db:3306)/hcgw"},
		"a MySQL DSN with an empty password":        {"root:@tcp(db:3306)/hcgw", "root:***@tcp(db:3306)/hcgw"},
		"a MySQL DSN on a unix socket":              {"hcgw:pw@unix(/run/mysqld/mysqld.sock)/hcgw", "hcgw:***@unix(/run/mysqld/mysqld.sock)/hcgw"},
		"a password holding @ : / and ?":            {"hcgw:p@s:s/w?rd@tcp(db)/hcgw", "hcgw:***@tcp(db)/hcgw"},
		"a password holding an @ before the params": {"u:a@b@tcp(db)/x?tls=true", "u:***@tcp(db)/x?tls=true"},
		"a DSN without a database":                  {"hcgw:s3cret@tcp(db:3306)", "hcgw:***@tcp(db:3306)"},
		"a URL DSN":                                 {"mysql://hcgw:s3cret@db:3306/hcgw", "mysql://hcgw:***@db:3306/hcgw"},
		"a URL DSN without a path":                  {"mysql://hcgw:s3cret@db", "mysql://hcgw:***@db"},
		"a password passed as a parameter":          {"hcgw@tcp(db)/hcgw?password=s3cret&parseTime=true", "hcgw@tcp(db)/hcgw?password=***&parseTime=true"},
		"a TiDB-style DSN with several secrets":     {"u:p@tcp(tidb:4000)/hcgw?tls=custom&sslkey=/k.pem&auth_token=t0k", "u:***@tcp(tidb:4000)/hcgw?tls=custom&sslkey=***&auth_token=***"},
		"an empty DSN":                              {"", ""},
		"no user, database only":                    {"/hcgw", "/hcgw"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := RedactDSN(tc.dsn)
			if got != tc.want {
				t.Errorf("RedactDSN(%q) = %q, want %q", tc.dsn, got, tc.want)
			}
			for _, secret := range []string{"s3cret", "p@s:s/w?rd", "t0k"} {
				if strings.Contains(tc.dsn, secret) && strings.Contains(got, secret) {
					t.Errorf("RedactDSN(%q) = %q still shows %q", tc.dsn, got, secret)
				}
			}
		})
	}
}
