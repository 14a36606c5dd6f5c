package config

import (
	"regexp"
	"strings"
)

// redacted replaces a secret in a redacted DSN.
const redacted = "***"

// secretParam matches a DSN parameter whose value is secret (password=,
// passwd=, pwd=, auth_token=, sslkey= …), wherever it is: a parameter value
// holding a "/" can move where a parser thinks the parameters start.
var secretParam = regexp.MustCompile(`(?i)([?&][^?&=]*(?:pass|pwd|secret|token|key)[^?&=]*=)[^&]*`)

// RedactDSN returns dsn with its password replaced by "***", for messages and
// logs. It knows the go-sql-driver/mysql form
// "user:password@tcp(host:3306)/db?params", the URL form
// "scheme://user:password@host/db", and password-like parameters (password,
// passwd, pwd, …). It errs on the side of hiding: in an unusual DSN with an
// "@" (a SQLite path, say) it may hide more than the password, never less.
func RedactDSN(dsn string) string {
	// As go-sql-driver/mysql does, find the user information before the last
	// "@" that precedes the parameters, which start at the first "?" after
	// the last "/": a password may hold "@", "/" and "?".
	head, tail := dsn, ""
	if slash := strings.LastIndex(dsn, "/"); slash >= 0 {
		if q := strings.Index(dsn[slash:], "?"); q >= 0 {
			head, tail = dsn[:slash+q], dsn[slash+q:]
		}
	} else if q := strings.Index(dsn, "?"); q >= 0 {
		head, tail = dsn[:q], dsn[q:]
	}
	if at := strings.LastIndex(head, "@"); at >= 0 {
		start := 0
		if s := strings.Index(head[:at], "://"); s >= 0 {
			start = s + 3
		}
		if colon := strings.Index(head[start:at], ":"); colon >= 0 {
			head = head[:start+colon+1] + redacted + head[at:]
		}
	}
	return secretParam.ReplaceAllString(head+tail, "${1}"+redacted)
}

// looksLikeMySQLDSN catches the usual mistakes with driver mysql: a SQLite
// DSN left in place, or a URL, which go-sql-driver/mysql does not accept.
// The driver's own parser has the final word when the store opens.
func looksLikeMySQLDSN(dsn string) bool {
	return strings.Contains(dsn, "/") &&
		!strings.Contains(dsn, "://") &&
		!strings.HasPrefix(dsn, "file:")
}
