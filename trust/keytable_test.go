package trust

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"runtime"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/trust/p256"
)

// tabledKey is a PublicKey of raw whose table is built already, when raw is
// a P-256 key NewTable accepts (it is not counted in the budget).
func tabledKey(t testing.TB, alg jwa.SignatureAlgorithm, raw any) *PublicKey {
	t.Helper()
	pub := &PublicKey{Kid: "tabled", Alg: alg, Raw: raw}
	if k, ok := raw.(*ecdsa.PublicKey); ok {
		if tab, err := p256.NewTable(k); err == nil {
			pub.table.t.Store(tab)
		}
	}
	return pub
}

func flipByte(sig []byte, i int) []byte {
	c := append([]byte(nil), sig...)
	c[i] ^= 0x10
	return c
}

func newES256Key(t *testing.T) (*ecdsa.PrivateKey, *PublicKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k, &PublicKey{Kid: "k", Alg: jwa.ES256, Raw: &k.PublicKey}
}

// withBudget runs f with the process's table budget set to n, restoring it
// after; the package's tests do not run in parallel with each other here.
func withBudget(t *testing.T, n int) {
	t.Helper()
	old := keyTableBudget.Load()
	SetKeyTables(n)
	t.Cleanup(func() { keyTableBudget.Store(old) })
}

// TestAKeyEarnsItsTableByUse: the table is built on the tableAfter-th
// verification, counted once, and every answer before and after is the
// right one, forgeries included.
func TestAKeyEarnsItsTableByUse(t *testing.T) {
	withBudget(t, DefaultKeyTables)
	k, pub := newES256Key(t)
	input := []byte("header.payload")
	good := es256(t, k, input)
	forged := flipByte(good, 50)
	live := KeyTables()
	after := SetTableAfter(16)
	defer SetTableAfter(after)
	for i := uint32(1); i <= 16+4; i++ {
		sig := good
		if i%2 == 0 {
			sig = forged
		}
		if got := pub.verify(input, sig); got != (i%2 == 1) {
			t.Fatalf("verification %d: %v", i, got)
		}
		hasTable := pub.table.t.Load() != nil
		if hasTable != (i >= 16) {
			t.Fatalf("after %d verifications: table %v, want it from the 16th", i, hasTable)
		}
	}
	if KeyTables() != live+1 {
		t.Fatalf("%d tables live, want %d", KeyTables(), live+1)
	}
}

// TestTheTableBudgetHolds: with a budget of one, of two busy keys only the
// first gets a table, and the other's answers stay right; budget 0 builds
// none. A collected key gives its place back.
func TestTheTableBudgetHolds(t *testing.T) {
	input := []byte("header.payload")
	busy := func(k *ecdsa.PrivateKey, pub *PublicKey) {
		sig := es256(t, k, input)
		for range tableAfter.Load() + 1 {
			if !pub.verify(input, sig) || pub.verify(input, flipByte(sig, 3)) {
				t.Fatal("a wrong answer")
			}
		}
	}
	// Other tests' keys may hold tables until collected: wait until the
	// count stays put, and budget relative to it.
	settle := func() int {
		t.Helper()
		last, same := -1, 0
		for deadline := time.Now().Add(5 * time.Second); same < 3 && time.Now().Before(deadline); {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
			if n := KeyTables(); n == last {
				same++
			} else {
				last, same = n, 0
			}
		}
		return last
	}
	base := settle()

	withBudget(t, 0)
	k0, p0 := newES256Key(t)
	busy(k0, p0)
	if p0.table.t.Load() != nil {
		t.Fatal("a table with a budget of 0")
	}

	SetKeyTables(base + 1)
	k1, p1 := newES256Key(t)
	k2, p2 := newES256Key(t)
	busy(k1, p1)
	busy(k2, p2)
	if p1.table.t.Load() == nil || p2.table.t.Load() != nil || KeyTables() != base+1 {
		t.Fatalf("room for one: first %v, second %v, %d live of %d", p1.table.t.Load() != nil, p2.table.t.Load() != nil, KeyTables(), base+1)
	}
	runtime.KeepAlive(p1)
	if settle() != base {
		t.Fatalf("the first key collected: %d tables live, want %d", KeyTables(), base)
	}
	runtime.KeepAlive(p2)
}

// TestAKeyWithoutATableGivesItsPlaceBack: a key NewTable refuses (off the
// curve: CheckPublicKey keeps such keys out of the registry, this is the
// last guard) is never tabled, leaves the count as it was, and verifies
// nothing.
func TestAKeyWithoutATableGivesItsPlaceBack(t *testing.T) {
	withBudget(t, DefaultKeyTables)
	k, _ := newES256Key(t)
	off := &ecdsa.PublicKey{Curve: elliptic.P256(), X: k.X, Y: new(big.Int).Add(k.Y, big.NewInt(1))}
	pub := &PublicKey{Kid: "off", Alg: jwa.ES256, Raw: off}
	input := []byte("header.payload")
	sig := es256(t, k, input)
	live := KeyTables()
	for i := range tableAfter.Load() + 2 {
		if pub.verify(input, sig) {
			t.Fatalf("verification %d: a key off the curve verified", i)
		}
	}
	if pub.table.t.Load() != nil || KeyTables() != live {
		t.Fatalf("table %v, %d live, want none and %d", pub.table.t.Load() != nil, KeyTables(), live)
	}
}

func TestSetTableAfterBounds(t *testing.T) {
	old := SetTableAfter(16)
	defer SetTableAfter(old)
	for _, c := range [][2]int{{0, 1}, {-5, 1}, {1, 1}, {300, 300}, {1 << 20, 0xffff}} {
		SetTableAfter(c[0])
		if got := int(tableAfter.Load()); got != c[1] {
			t.Errorf("SetTableAfter(%d): %d, want %d", c[0], got, c[1])
		}
	}
}
