package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/hcgw/hcgw/store"
)

// TestTrustSeqs: the trust entries saved through either of two handles on
// one database are listed by their sequence, above a mark, and read back
// by it (what a replica polls for its peers' trust changes), in chunks
// past one IN list.
func TestTrustSeqs(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			dsn := be.fresh(t)
			a, b := open(t, be.driver, dsn), open(t, be.driver, dsn)
			ctx := context.Background()
			const n = 230 // more than one chunk of TrustEntriesBySeq
			for i := range n {
				db := a
				if i%2 == 1 {
					db = b
				}
				if err := db.SaveTrustEntry(ctx, entry(store.KindEndorsement, fmt.Sprintf("kid-%03d", i), "jti")); err != nil {
					t.Fatal(err)
				}
			}
			seqs, err := b.TrustSeqs(ctx, 0)
			if err != nil || len(seqs) != n || !slices.IsSorted(seqs) {
				t.Fatalf("%d sequences (sorted %v), %v; want %d", len(seqs), slices.IsSorted(seqs), err, n)
			}
			after, err := a.TrustSeqs(ctx, seqs[99])
			if err != nil || !slices.Equal(after, seqs[100:]) {
				t.Fatalf("after the 100th: %d sequences, %v", len(after), err)
			}
			if none, err := a.TrustSeqs(ctx, seqs[n-1]); err != nil || len(none) != 0 {
				t.Fatalf("after the last: %v %v", none, err)
			}
			ask := append([]int64{-5}, seqs...) // a sequence no row has is skipped
			got, err := a.TrustEntriesBySeq(ctx, ask)
			if err != nil || len(got) != n {
				t.Fatalf("%d entries, %v; want %d", len(got), err, n)
			}
			kids := map[string]bool{}
			for i, e := range got {
				if e.Seq != seqs[i] || e.Kind != store.KindEndorsement || e.JWS == "" {
					t.Fatalf("entry %d: %+v, want sequence %d", i, e, seqs[i])
				}
				kids[e.Kid] = true
			}
			if len(kids) != n {
				t.Fatalf("%d distinct kids", len(kids))
			}
			if empty, err := a.TrustEntriesBySeq(ctx, nil); err != nil || len(empty) != 0 {
				t.Fatalf("no sequences: %v %v", empty, err)
			}
		})
	}
}
