package testkit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/trust"
)

// GoldenTime is the validation time of every golden vector under
// testdata/vectors.
var GoldenTime = Now

// RepoRoot finds the module root (the folder holding go.mod) above the
// test's working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Golden is the committed test trust material of testdata/: the test root,
// provincial keys by name (gd, gd-revoked, sh, sh-revoked, bj, zj, hub,
// rogue, other-root) and a registry holding testdata/trust.
type Golden struct {
	Dir      string // testdata
	Root     trust.Signer
	Keys     map[string]trust.Signer
	Registry *trust.Registry
}

// LoadGolden loads testdata/keys and testdata/trust.
func LoadGolden(t testing.TB) *Golden {
	t.Helper()
	g := &Golden{Dir: filepath.Join(RepoRoot(t), "testdata"), Keys: map[string]trust.Signer{}}
	files, err := filepath.Glob(filepath.Join(g.Dir, "keys", "*.jwk"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".jwk")
		if strings.HasSuffix(name, ".pub") {
			continue
		}
		s, err := trust.LoadPrivateJWK(f)
		if err != nil {
			t.Fatal(err)
		}
		g.Keys[name] = s
	}
	g.Root = g.Keys["root"]
	g.Registry = trust.NewRegistry(trust.Anchors{g.Root.Kid(): g.Root.Public()}, nil)
	if _, err := g.Registry.LoadDir(context.Background(), filepath.Join(g.Dir, "trust")); err != nil {
		t.Fatal(err)
	}
	return g
}

// GoldenClock returns GoldenTime.
func GoldenClock() time.Time { return GoldenTime }
