package bj_test

import (
	"flag"
	"testing"

	"github.com/hcgw/hcgw/adapters/bj"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/mapping"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors/"+bj.Format+".json")

// vectors builds the golden cases with the verdict each must get at the
// golden time: bj-v1's status and key cases among the suite's. The
// expectations are written here, not read off the verifier: the generator
// refuses to write a file the verifier disagrees with.
func vectors(t testing.TB, w *adaptertest.JWS) []adaptertest.Vector {
	t.Helper()
	bjKey, gdKey := w.Key(t, "bj"), w.Key(t, "gd")
	encode := func(status string) string { return w.Encode(t, bjKey, w.Claims(status)) }
	payload := []byte(w.Payload)
	valid, refused := adaptertest.Valid, adaptertest.Refused
	return w.Vectors(t, []adaptertest.Vector{
		valid("green", encode("未见异常"), mapping.Green),
		valid("yellow", encode("弹窗"), mapping.Yellow),
		valid("yellow_home_quarantine", encode("居家隔离"), mapping.Yellow),
		valid("yellow_nucleic_acid_abnormal", encode("核酸异常"), mapping.Yellow),
		valid("red", encode("红码"), mapping.Red),
		valid("grey", encode("未知"), mapping.Grey),
		valid("unknown_status_is_grey", encode("绿码"), mapping.Grey),
	}, []adaptertest.Vector{
		refused("other_regions_key", w.Raw(t, gdKey, w.Header(gdKey), payload), fault.ScopeViolation),
		refused("es256_signature_claiming_eddsa", w.Raw(t, gdKey, map[string]any{"alg": "EdDSA", "kid": bjKey.Kid(), "typ": bj.Typ},
			payload), fault.BadSignature),
	})
}

// TestGenerateVectors rewrites the golden file with -update. Ed25519
// signatures are deterministic, so the file changes only when the cases or
// the keys do.
func TestGenerateVectors(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite " + adaptertest.VectorPath(t, bj.Format))
	}
	w := newWorld(t)
	w.GenerateVectors(t, vectors(t, w))
}

// TestVectors runs the committed golden file through the whole verifier, so
// the file can never drift from behaviour.
func TestVectors(t *testing.T) { newWorld(t).RunVectors(t) }
