package adaptertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Skew is the clock-skew allowance of every test env.
const Skew = 60 * time.Second

// Tables loads the shipped mapping tables (configs/mappings).
func Tables(t testing.TB) mapping.Tables {
	t.Helper()
	ts, err := mapping.LoadTables(configs.Mappings())
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// Adapter builds an adapter with newAdapter on the shipped mapping tables.
func Adapter(t testing.TB, newAdapter func(mapping.Tables) (adapters.Adapter, error)) adapters.Adapter {
	t.Helper()
	a, err := newAdapter(Tables(t))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// World is the committed golden trust material (testdata/keys,
// testdata/trust) and one adapter built on the shipped tables.
type World struct {
	G   *testkit.Golden
	Dec adapters.Adapter
	Env adapters.Env // the golden registry
}

// NewWorld loads the golden material and builds the adapter.
func NewWorld(t testing.TB, newAdapter func(mapping.Tables) (adapters.Adapter, error)) *World {
	t.Helper()
	g := testkit.LoadGolden(t)
	return &World{G: g, Dec: Adapter(t, newAdapter), Env: adapters.Env{Trust: g.Registry.Snapshot(), Skew: Skew}}
}

// Key returns the golden key of that name (testdata/keys/<name>.jwk).
func (w *World) Key(t testing.TB, name string) trust.Signer {
	t.Helper()
	k := w.G.Keys[name]
	if k == nil {
		t.Fatalf("no golden key %q", name)
	}
	return k
}

// TrustEnv is an env whose registry, anchored in the golden root, holds
// exactly the given endorsement and revocation tokens: a registry that lacks
// a region, or holds a key made for one test.
func TrustEnv(t testing.TB, g *testkit.Golden, tokens ...string) adapters.Env {
	t.Helper()
	reg := trust.NewRegistry(trust.Anchors{g.Root.Kid(): g.Root.Public()}, nil)
	if n, bad, err := reg.AddAny(context.Background(), tokens); err != nil || len(bad) > 0 || n != len(tokens) {
		t.Fatalf("registry: added %d of %d, refused %v, err %v", n, len(tokens), bad, err)
	}
	return adapters.Env{Trust: reg.Snapshot(), Skew: Skew}
}

// GoldenTokens reads the golden endorsements named (testdata/trust/<name>.jws).
func GoldenTokens(t testing.TB, g *testkit.Golden, names ...string) []string {
	t.Helper()
	var toks []string
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(g.Dir, "trust", name+".jws"))
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, string(b))
	}
	return toks
}

// Endorse signs, with the golden root, an endorsement of k to sign codes
// for region sub during the day around the golden time.
func Endorse(t testing.TB, g *testkit.Golden, k trust.Signer, sub, jti string) string {
	t.Helper()
	tok, err := trust.SignEndorsement(g.Root, trust.EndorsementSpec{Key: k.Public(), Sub: sub,
		Use: []trust.Use{trust.UseCodes}, NotBefore: testkit.GoldenTime.Add(-24 * time.Hour),
		NotAfter: testkit.GoldenTime.Add(24 * time.Hour), IssuedAt: testkit.GoldenTime.Add(-24 * time.Hour), JTI: jti})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Replace returns s with its first old replaced by new, failing if s has
// no old: cases alter a hand-written payload byte for byte.
func Replace(t testing.TB, s, old, new string) []byte {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("payload %s has no %s", s, old)
	}
	return []byte(strings.Replace(s, old, new, 1))
}

// SameCode fails unless got is want in %#v form, which shows every field,
// the times' locations included.
func SameCode(t testing.TB, got *adapters.Code, want adapters.Code) {
	t.Helper()
	if g, w := fmt.Sprintf("%#v", *got), fmt.Sprintf("%#v", want); g != w {
		t.Fatalf("decoded\n%s\nwant\n%s", g, w)
	}
}
