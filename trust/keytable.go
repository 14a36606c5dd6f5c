package trust

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"runtime"
	"sync/atomic"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/trust/p256"
)

// An ES256 key (an endorsed issuer's, or an EU document signer's) that
// verifies often gets a table of its multiples (package p256), which makes
// its checks cheaper than crypto/ecdsa's. A table costs memory and a build,
// so it is built only on a key's tableAfter-th verification, and only while
// fewer than the process's budget (SetKeyTables) are alive. A key without
// one verifies with crypto/ecdsa, with the same answers.

// DefaultKeyTables is the budget when none is set: the keys of every
// province and the hub several times over.
const DefaultKeyTables = 64

var (
	keyTableBudget atomic.Int64
	keyTablesLive  atomic.Int64
	tableAfter     atomic.Uint32 // SetTableAfter
	keyTablesBuilt atomic.Int64
)

func init() {
	keyTableBudget.Store(DefaultKeyTables)
	tableAfter.Store(16)
}

// SetKeyTables sets how many keys may hold a table at once (config
// trust.key_tables); 0 builds none, so every signature goes to
// crypto/ecdsa. Tables already built stay until their key is collected.
func SetKeyTables(n int) { keyTableBudget.Store(int64(max(n, 0))) }

// SetTableAfter sets on which verification a key builds its table (16
// unless set; 1 to 65,535, the period of the retry below) and returns the
// previous value. For tests of other packages: 1 takes the tabled path
// from a key's first use, 65,535 keeps a short test on crypto/ecdsa.
func SetTableAfter(uses int) int {
	old := tableAfter.Swap(uint32(min(max(uses, 1), 0xffff)))
	return int(old)
}

// KeyTablesBuilt is how many tables this process has built (tests).
func KeyTablesBuilt() int64 { return keyTablesBuilt.Load() }

// KeyTables reports how many keys hold a table (for metrics and tests).
func KeyTables() int { return int(keyTablesLive.Load()) }

// keyTable is a key's table, once built.
type keyTable struct {
	uses atomic.Uint32
	t    atomic.Pointer[p256.Table]
}

func reserveKeyTable() bool {
	for {
		live := keyTablesLive.Load()
		if live >= keyTableBudget.Load() {
			return false
		}
		if keyTablesLive.CompareAndSwap(live, live+1) {
			return true
		}
	}
}

// earnTable is the table of k, owned by owner (whose collection gives its
// place back), building it on the use that earns it. Exactly one caller
// sees the count reach tableAfter, so one builds; a key refused for the
// budget asks again every 65,536 uses, when another key's table may have
// been collected.
func earnTable[T any](owner *T, kt *keyTable, k *ecdsa.PublicKey) *p256.Table {
	if t := kt.t.Load(); t != nil {
		return t
	}
	if n := kt.uses.Add(1); n&0xffff != tableAfter.Load() || !reserveKeyTable() {
		return nil
	}
	t, err := p256.NewTable(k)
	if err != nil {
		keyTablesLive.Add(-1)
		return nil
	}
	kt.t.Store(t)
	keyTablesBuilt.Add(1)
	runtime.AddCleanup(owner, func(struct{}) { keyTablesLive.Add(-1) }, struct{}{})
	return t
}

// verify reports whether sig is pub's signature of input with its pinned
// algorithm.
func (pub *PublicKey) verify(input, sig []byte) bool {
	if k, ok := pub.Raw.(*ecdsa.PublicKey); ok && pub.Alg == jwa.ES256 {
		return verifyES256(pub, &pub.table, k, input, sig)
	}
	return verifySignature(pub.Alg, pub.Raw, input, sig)
}

// VerifyES256 reports whether sig (R ‖ S, as COSE writes ES256, RFC 9053
// §2.1) is d's ES256 signature of content. A signer of another algorithm
// never verifies here.
func (d *DSC) VerifyES256(content, sig []byte) bool {
	k, ok := d.Public.(*ecdsa.PublicKey)
	return ok && d.Alg == AlgES256 && verifyES256(d, &d.table, k, content, sig)
}

// verifyES256 checks with the key's table once it has earned one,
// otherwise with the standard library (verifySignature), which also
// refuses a signature of another length or a key of another curve.
func verifyES256[T any](owner *T, kt *keyTable, k *ecdsa.PublicKey, input, sig []byte) bool {
	if len(sig) == 64 {
		if t := earnTable(owner, kt, k); t != nil {
			digest := sha256.Sum256(input)
			return t.Verify(digest[:], sig)
		}
	}
	return verifySignature(jwa.ES256, k, input, sig)
}
