package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/libtnb/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	moderncsqlite "modernc.org/sqlite"

	"github.com/hcgw/hcgw/audit"
)

// Drivers accepted by Open.
const (
	DriverSQLite = "sqlite"
	DriverMySQL  = "mysql"
)

// ErrNotFound is returned when the asked-for row does not exist.
var ErrNotFound = errors.New("store: not found")

// DB is an open, migrated database. It is safe for concurrent use.
type DB struct {
	gdb    *gorm.DB
	sqlDB  *sql.DB
	driver string

	prepareMu sync.Mutex
	inserts   [insertChunk + 1]atomic.Pointer[sql.Stmt] // the n-row INSERTs, prepared on first use

	conflicts atomic.Int64 // writes retried after a certification conflict

	ddlMu   sync.Mutex
	lastDDL time.Time // when the last partition statement ended
}

var _ audit.Sink = (*DB)(nil)

// Open connects to the database named by driver ("sqlite" or "mysql") and
// dsn, and migrates its schema.
//
// SQLite: dsn is a file name or file: URI ("file:hcgw.db"). Unless the DSN
// sets them itself, the pragmas busy_timeout(5000), journal_mode(WAL),
// synchronous(FULL) and foreign_keys(1), _txlock=immediate and
// _time_format=sqlite are added; one connection is used, so that writers
// queue in Go rather than fail with SQLITE_BUSY. Commits sync with
// fdatasync where the platform has it (useFdatasync).
//
// MySQL (and TiDB): dsn is a go-sql-driver DSN. parseTime=true is forced and
// charset=utf8mb4 added when no charset is given; another charset is refused.
func Open(driver, dsn string) (*DB, error) {
	var dial gorm.Dialector
	switch driver {
	case DriverSQLite:
		d, err := sqliteDSN(dsn)
		if err != nil {
			return nil, err
		}
		useFdatasync()
		dial = sqlite.Open(d)
	case DriverMySQL:
		d, err := mysqlDSN(dsn)
		if err != nil {
			return nil, err
		}
		dial = mysql.New(mysql.Config{DSN: d})
	default:
		return nil, fmt.Errorf("store: unknown database driver %q (want %q or %q)", driver, DriverSQLite, DriverMySQL)
	}

	gdb, err := gorm.Open(dial, &gorm.Config{
		Logger: errorLogger{},
		// Every write here is one statement or an explicit transaction.
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", driver, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", driver, err)
	}
	switch driver {
	case DriverSQLite:
		// SQLite has one writer at a time whatever the pool does; with one
		// connection, concurrent callers wait in database/sql (honouring
		// their context) instead of spinning on SQLITE_BUSY, and an
		// in-memory database is not lost to an idle-connection reap.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	case DriverMySQL:
		// Writes arrive group-committed, so a few connections carry a
		// replica's load; the lifetime stays under common proxy and
		// wait_timeout limits and lets a TiDB fleet rebalance.
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetMaxIdleConns(8)
		sqlDB.SetConnMaxLifetime(5 * time.Minute)
		sqlDB.SetConnMaxIdleTime(time.Minute)
	}

	db := &DB{gdb: gdb, sqlDB: sqlDB, driver: driver}
	if err := db.migrate(); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// useFdatasync makes SQLite commit with fdatasync(2), as SQLite's own
// Linux builds do (their configure finds it; the transpiled library keeps
// the source default, fsync): the WAL's data and size reach the disk as
// before, and its timestamps, which no reader needs, are not forced
// through the file system's journal at every commit. Process-wide; where
// the platform has no fdatasync the setting stays fsync.
func useFdatasync() {
	fdatasyncOnce.Do(func() { _, _ = moderncsqlite.Fdatasync(true) })
}

var fdatasyncOnce sync.Once

// Close closes the prepared statements and the connections.
func (db *DB) Close() error {
	for i := range db.inserts {
		if st := db.inserts[i].Swap(nil); st != nil {
			_ = st.Close()
		}
	}
	return db.sqlDB.Close()
}

// Ping checks that the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error { return db.sqlDB.PingContext(ctx) }

// Driver is "sqlite" or "mysql".
func (db *DB) Driver() string { return db.driver }

// Gorm exposes the gorm handle, for tests and admin tooling only.
func (db *DB) Gorm() *gorm.DB { return db.gdb }

func (db *DB) migrate() error {
	tx := db.gdb
	if db.driver == DriverMySQL {
		// Binary collation: kids and jtis are base64url, where "a" and "A"
		// differ; a case-insensitive collation would make two keys one.
		tx = tx.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
		// The records table is made partitioned by day (partitions.go)
		// unless it exists; AutoMigrate then finds it as it would make it.
		if err := db.createPartitionedRecords(time.Now()); err != nil {
			return fmt.Errorf("store: create the records table: %w", err)
		}
	}
	// Replicas starting together race to create the tables: gorm's
	// CREATE TABLE has no IF NOT EXISTS, so the loser fails with "table
	// exists" and a second pass finds the table made.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = tx.AutoMigrate(&recordRow{}, &trustEntryRow{}, &trustEventRow{}, &platformCodeRow{}, &correctionRow{}, &replayRow{}, &leaseRow{}); err == nil {
			return nil
		}
	}
	return fmt.Errorf("store: migrate %s schema: %w", db.driver, err)
}

// sqlitePragmas are added to a SQLite DSN unless it names them already.
// busy_timeout comes first so that switching to WAL waits for a lock held by
// another process instead of failing.
var sqlitePragmas = []struct{ name, value string }{
	{"busy_timeout", "busy_timeout(5000)"},
	{"journal_mode", "journal_mode(WAL)"},
	{"synchronous", "synchronous(FULL)"},
	{"foreign_keys", "foreign_keys(1)"},
}

func sqliteDSN(dsn string) (string, error) {
	if dsn == "" {
		return "", errors.New("store: empty sqlite DSN (want a file name such as file:hcgw.db)")
	}
	_, query, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("store: sqlite DSN parameters: %w", err)
	}
	given := map[string]bool{}
	for _, p := range q["_pragma"] {
		name, _, _ := strings.Cut(p, "(")
		name, _, _ = strings.Cut(name, "=")
		given[strings.ToLower(strings.TrimSpace(name))] = true
	}
	var add []string
	for _, p := range sqlitePragmas {
		if !given[p.name] {
			add = append(add, "_pragma="+p.value)
		}
	}
	// Take the write lock at BEGIN, so that busy_timeout applies to every
	// transaction (a deferred one that upgrades fails at once when busy).
	if _, ok := q["_txlock"]; !ok {
		add = append(add, "_txlock=immediate")
	}
	// Times are written as "2006-01-02 15:04:05.999999999-07:00", the format
	// SQLite's date functions read and the one files written before the
	// switch to modernc.org/sqlite hold (that driver's own default is
	// time.Time.String).
	if _, ok := q["_time_format"]; !ok {
		add = append(add, "_time_format=sqlite")
	}
	if len(add) == 0 {
		return dsn, nil
	}
	sep := "&"
	switch {
	case !strings.Contains(dsn, "?"):
		sep = "?"
	case strings.HasSuffix(dsn, "?") || strings.HasSuffix(dsn, "&"):
		sep = ""
	}
	return dsn + sep + strings.Join(add, "&"), nil
}

func mysqlDSN(dsn string) (string, error) {
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("store: mysql DSN: %w", err)
	}
	cfg.ParseTime = true
	// With clientFoundRows the server counts a row matched but left as it
	// was as affected: an INSERT that did nothing on a duplicate would then
	// read as "made", and a replayed request id or another replica's lease
	// as this one's. The store decides by affected rows, so it is off.
	cfg.ClientFoundRows = false
	if cs, ok := cfg.Params["charset"]; ok {
		if first, _, _ := strings.Cut(cs, ","); first != "utf8mb4" {
			return "", fmt.Errorf("store: mysql DSN: charset %q: want utf8mb4", cs)
		}
	} else {
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["charset"] = "utf8mb4"
	}
	if cfg.Collation != "" && !strings.HasPrefix(cfg.Collation, "utf8mb4_") {
		return "", fmt.Errorf("store: mysql DSN: collation %q: want a utf8mb4 collation", cfg.Collation)
	}
	return cfg.FormatDSN(), nil
}

// errorLogger is gorm's logger here: silent except for failed statements,
// which are logged through slog without their values.
type errorLogger struct{}

func (l errorLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (errorLogger) Info(context.Context, string, ...any)       {}
func (errorLogger) Warn(context.Context, string, ...any)       {}

func (errorLogger) Error(ctx context.Context, msg string, args ...any) {
	slog.ErrorContext(ctx, "store: "+fmt.Sprintf(msg, args...))
}

// maxLoggedSQL bounds a logged statement: a 500-row insert is long.
const maxLoggedSQL = 200

func (errorLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if err == nil || errors.Is(err, gorm.ErrRecordNotFound) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return // absent rows and abandoned calls are the caller's business
	}
	if retryable(err) {
		return // a certification conflict, tried again (retry.go); only a last failure is the caller's
	}
	stmt, _ := fc()
	if len(stmt) > maxLoggedSQL {
		stmt = stmt[:maxLoggedSQL] + "…"
	}
	slog.ErrorContext(ctx, "store: statement failed", "err", err, "sql", stmt,
		"elapsed", time.Since(begin).Round(time.Microsecond))
}

// ParamsFilter drops the values: logged SQL keeps its placeholders.
func (errorLogger) ParamsFilter(_ context.Context, stmt string, _ ...any) (string, []any) {
	return stmt, nil
}

// driverLogger routes the MySQL driver's own messages (connection errors)
// into the structured log instead of its unstructured default.
type driverLogger struct{}

func (driverLogger) Print(v ...any) {
	slog.Warn("mysql driver", "message", strings.TrimSpace(fmt.Sprint(v...)))
}

func init() { _ = gomysql.SetLogger(driverLogger{}) }
