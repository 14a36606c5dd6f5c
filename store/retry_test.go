package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"
)

func TestWithRetry(t *testing.T) {
	conflict := fmt.Errorf("insert: %w", &gomysql.MySQLError{Number: errDeadlock, Message: "Deadlock found"})
	tidb := &gomysql.MySQLError{Number: errTiDBWriteConflict, Message: "Write conflict"}
	dup := &gomysql.MySQLError{Number: errDuplicate, Message: "Duplicate entry"}
	tests := map[string]struct {
		errs         []error // what the attempts return, the last repeated
		ctxDone      bool
		wantErr      error
		wantAttempts int
	}{
		"a success is not retried":                 {errs: []error{nil}, wantAttempts: 1},
		"two certification conflicts, then stored": {errs: []error{conflict, conflict, nil}, wantAttempts: 3},
		"a TiDB write conflict is retried too":     {errs: []error{tidb, nil}, wantAttempts: 2},
		"a conflict for ever gives up, bounded":    {errs: []error{conflict}, wantErr: conflict, wantAttempts: certRetries + 1},
		"a duplicate key is not retried":           {errs: []error{dup}, wantErr: dup, wantAttempts: 1},
		"another error is not retried":             {errs: []error{errors.New("bad connection")}, wantAttempts: 1},
		"an ended context stops the retries":       {errs: []error{conflict}, ctxDone: true, wantErr: conflict, wantAttempts: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			db := &DB{}
			ctx, cancel := context.WithCancel(context.Background())
			if tc.ctxDone {
				cancel()
			}
			defer cancel()
			attempts := 0
			err := db.withRetry(ctx, func() error {
				e := tc.errs[min(attempts, len(tc.errs)-1)]
				attempts++
				return e
			})
			if attempts != tc.wantAttempts {
				t.Fatalf("%d attempts, want %d", attempts, tc.wantAttempts)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && tc.errs[len(tc.errs)-1] == nil && err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
			if got := db.Conflicts(); got != int64(attempts-1) && err == nil {
				t.Fatalf("Conflicts() = %d after %d attempts", got, attempts)
			}
		})
	}
}

func TestDuplicateKey(t *testing.T) {
	tests := map[string]struct {
		err  error
		want bool
	}{
		"MySQL 1062":              {fmt.Errorf("x: %w", &gomysql.MySQLError{Number: errDuplicate}), true},
		"MySQL 1213":              {&gomysql.MySQLError{Number: errDeadlock}, false},
		"SQLite primary key 1555": {sqliteErr(sqlitePrimaryKey), true},
		"SQLite unique 2067":      {sqliteErr(2067), false},
		"nil":                     {nil, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := duplicateKey(tc.err); got != tc.want {
				t.Fatalf("duplicateKey(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

type sqliteErr int

func (e sqliteErr) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e sqliteErr) Code() int     { return int(e) }
