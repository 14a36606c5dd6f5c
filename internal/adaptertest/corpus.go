package adaptertest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// CorpusDir is where go test keeps the seed corpus of a fuzz target, beside
// the package's tests: testdata/fuzz/<target>.
func CorpusDir(target string) string { return filepath.Join("testdata", "fuzz", target) }

// CorpusFile is s as a seed file in go test's corpus format.
func CorpusFile(s string) []byte {
	return fmt.Appendf(nil, "go test fuzz v1\nstring(%s)\n", strconv.Quote(s))
}

// WriteCorpus writes one file per seed, named by the seed's name, into the
// corpus of target.
func WriteCorpus(t testing.TB, target string, seeds map[string]string) {
	t.Helper()
	dir := CorpusDir(target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, s := range seeds {
		if err := os.WriteFile(filepath.Join(dir, name), CorpusFile(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// CheckCorpus keeps the corpus of target honest, in one subtest per seed:
// the seed's file exists, is a corpus file of one string, and holds the
// seed; then check, when there is one, looks at the seed. regenerate says
// how to rewrite the files (the flags to run the tests with).
func CheckCorpus(t *testing.T, target string, seeds map[string]string, regenerate string, check func(t *testing.T, name, seed string)) {
	dir := CorpusDir(target)
	for name, seed := range seeds {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatalf("seed file missing (run with %s): %v", regenerate, err)
			}
			rest, ok := bytes.CutPrefix(data, []byte("go test fuzz v1\nstring("))
			quoted, ok2 := bytes.CutSuffix(bytes.TrimRight(rest, "\n"), []byte(")"))
			if !ok || !ok2 {
				t.Fatal("not a go test fuzz v1 file of one string")
			}
			s, err := strconv.Unquote(string(quoted))
			if err != nil {
				t.Fatal(err)
			}
			if s != seed {
				t.Errorf("file differs from the seed (run with %s)", regenerate)
			}
			if check != nil {
				check(t, name, s)
			}
		})
	}
}
