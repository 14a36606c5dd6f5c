package testkit

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

var reportMu sync.Mutex

// Report records one row of the reliability table (docs/RELIABILITY.md)
// when HCGW_RELIABILITY_REPORT names a file: the case, what was tried, how
// many, and the outcome. scripts/reliability.sh runs the suite with it and
// rewrites the table from the rows.
func Report(t testing.TB, name, tried string, count int, outcome string) {
	t.Helper()
	path := os.Getenv("HCGW_RELIABILITY_REPORT")
	if path == "" || t.Failed() {
		return
	}
	clean := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "/"), "\n", " ") }
	reportMu.Lock()
	defer reportMu.Unlock()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Errorf("reliability report: %v", err)
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "| %s (`%s`) | %s | %d | %s |\n", clean(name), t.Name(), clean(tried), count, clean(outcome))
}
