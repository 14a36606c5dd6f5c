package verify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/hcgw/hcgw/admission"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// The floor: one raw signature check, the cost no verification can avoid.
func BenchmarkRawES256Verify(b *testing.B) {
	w := newWorld(b)
	k := w.zjKey.Priv.(*ecdsa.PrivateKey)
	h := sha256.Sum256([]byte("hcgw"))
	sig, _ := ecdsa.SignASN1(nil, k, h[:])
	b.ReportAllocs()
	for b.Loop() {
		if !ecdsa.VerifyASN1(&k.PublicKey, h[:], sig) {
			b.Fatal("verify")
		}
	}
}

func BenchmarkRawEd25519Verify(b *testing.B) {
	w := newWorld(b)
	k := w.zjEd.Priv.(ed25519.PrivateKey)
	msg := []byte("hcgw")
	sig := ed25519.Sign(k, msg)
	pub := k.Public().(ed25519.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("verify")
		}
	}
}

// BenchmarkVerify is the whole in-process verify path (detect, decode,
// signature, claims, authorisation, verdict, record handed to the writer).
func BenchmarkVerify(b *testing.B) {
	t := b
	w := newWorld(t)
	w.v.Recorder = nopRecorder{}
	for _, tc := range []struct {
		name string
		code string
	}{
		{"ES256", code(t, w.zjKey, greenClaims())},
		{"EdDSA", code(t, w.zjEd, greenClaims())},
		{"unrecognized", "not a health code"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				if _, err := w.v.Verify(ctx, verify.Request{Code: tc.code}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	t := b
	w := newWorld(t)
	w.v.Recorder = nopRecorder{}
	c := code(t, w.zjKey, greenClaims())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			vd, err := w.v.Verify(context.Background(), verify.Request{Code: c})
			if err != nil || vd.Result != fault.Valid {
				b.Fatal(vd, err)
			}
		}
	})
}

// BenchmarkAdmission is a whole verification without rules and with the
// demo's scene rules in force (issue #17's budget: at most 5 µs and 10
// allocations more): the same ES256 code with a test, at the hospital.
func BenchmarkAdmission(b *testing.B) {
	c := testkit.Claims(zj, mapping.Green)
	c.NAT = &mapping.NAT{Result: "negative", Time: testkit.Now.Add(-30 * time.Hour).Unix()}
	for _, tc := range []struct {
		name  string
		world func(testing.TB) *world
		want  admission.Decision
		rules int
	}{
		{"no rules", newWorld, admission.Admit, 0},
		{"demo rules", rulesWorld, admission.Admit, 1},
	} {
		b.Run(tc.name, func(b *testing.B) {
			w := tc.world(b)
			w.v.Recorder = nopRecorder{}
			req := verify.Request{Code: code(b, w.zjKey, c), Scene: "hospital"}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				vd, err := w.v.Verify(ctx, req)
				if err != nil || vd.Admission.Decision != tc.want || len(vd.Admission.Rules) != tc.rules {
					b.Fatal(vd.Admission, err)
				}
			}
		})
	}
}
