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

// scanningWriter checks each log record as it is written (slog writes one
// whole record per Write) and keeps only what it found, so a long soak does
// not grow the test's own memory.
type scanningWriter struct {
	mu    sync.Mutex
	found []string
}

func (w *scanningWriter) Write(p []byte) (int, error) {
	if m := fullIDPattern.Find(p); m != nil {
		w.note("an unmasked identity number " + string(m))
	}
	for _, n := range fullNames {
		if bytes.Contains(p, []byte(n)) {
			w.note("the full name " + n)
		}
	}
	return len(p), nil
}

func (w *scanningWriter) note(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.found) < 10 {
		w.found = append(w.found, s)
	}
}

// testLogger is every gateway's logger in these tests, at debug level.
// Every line it logs is scanned for a full name or an unmasked identity
// number, and the test fails at its end if one was found: the privacy rule
// is checked over every suite here, not only the dedicated privacy test.
func testLogger(t testing.TB) *slog.Logger {
	t.Helper()
	w := &scanningWriter{}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, f := range w.found {
			t.Errorf("the gateway's log holds %s", f)
		}
	})
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
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

// The scan itself can fail: a line with a full identity or name is caught.
func TestTheLogScanCatchesIdentities(t *testing.T) {
	for _, line := range []string{`{"msg":"x","id":"330102199001011234"}`, `{"msg":"x","name":"张三丰"}`} {
		w := &scanningWriter{}
		_, _ = w.Write([]byte(line))
		if len(w.found) != 1 {
			t.Errorf("%s: found %v", line, w.found)
		}
	}
	w := &scanningWriter{}
	_, _ = w.Write([]byte(`{"msg":"x","holder":{"name":"张*丰","id":"3301**********1234"},"request_id":"0123456789abcdef"}`))
	if len(w.found) != 0 {
		t.Errorf("masked forms flagged: %v", w.found)
	}
}
