package gateway_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
)

// fullIDPattern is an unmasked resident identity number.
var fullIDPattern = regexp.MustCompile(`[0-9]{17}[0-9X]`)

// fullNames are the full names the tests put into codes and requests; none
// may ever be logged or stored.
var fullNames = []string{"张三丰", "欧阳娜娜", "王小明", "李四", "赵六"}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// testLogger is every gateway's logger in these tests, at debug level. When
// the test ends, every line it logged is scanned for a full name or an
// unmasked identity number: the privacy rule is checked over every suite
// here, not only the dedicated privacy test.
func testLogger(t testing.TB) *slog.Logger {
	t.Helper()
	buf := &lockedBuffer{}
	t.Cleanup(func() {
		buf.mu.Lock()
		defer buf.mu.Unlock()
		scanForIdentity(t, "the gateway's log", buf.b.Bytes())
	})
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func scanForIdentity(t testing.TB, where string, data []byte) {
	t.Helper()
	if m := fullIDPattern.Find(data); m != nil {
		t.Errorf("%s holds an unmasked identity number %q", where, m)
	}
	for _, n := range fullNames {
		if bytes.Contains(data, []byte(n)) {
			t.Errorf("%s holds the full name %q", where, n)
		}
	}
}

// scanDatabaseFiles checks every SQLite file under dir for the full names
// (identity numbers are checked by the privacy test with exact values: hex
// hashes in the files may hold 18 digits in a row by chance).
func scanDatabaseFiles(t testing.TB, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.db*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, n := range fullNames {
			if bytes.Contains(data, []byte(n)) {
				t.Errorf("%s holds the full name %q", f, n)
			}
		}
	}
}
