package gd_test

import (
	"flag"
	"testing"

	"github.com/hcgw/hcgw/adapters/gd"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/mapping"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors/"+gd.Format+".json")

// vectors builds the golden cases with the verdict each must get at the
// golden time: gd-v1's status and key cases among the suite's. The
// expectations are written here, not read off the verifier: the generator
// refuses to write a file the verifier disagrees with.
func vectors(t testing.TB, w *adaptertest.JWS) []adaptertest.Vector {
	t.Helper()
	gdKey, bjKey := w.Key(t, "gd"), w.Key(t, "bj")
	encode := func(status string) string { return w.Encode(t, gdKey, w.Claims(status)) }
	payload := []byte(w.Payload)
	valid, refused := adaptertest.Valid, adaptertest.Refused
	return w.Vectors(t, []adaptertest.Vector{
		valid("green", encode("10"), mapping.Green),
		valid("yellow", encode("20"), mapping.Yellow),
		valid("red", encode("30"), mapping.Red),
		valid("grey", encode("00"), mapping.Grey),
		valid("unknown_status_is_grey", encode("99"), mapping.Grey),
	}, []adaptertest.Vector{
		refused("other_regions_key", w.Raw(t, bjKey, w.Header(bjKey), payload), fault.ScopeViolation),
	})
}

// TestGenerateVectors rewrites the golden file with -update. ECDSA
// signatures are randomised, so every run writes different codes with the
// same verdicts: regenerate only when the cases change.
func TestGenerateVectors(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite " + adaptertest.VectorPath(t, gd.Format))
	}
	w := newWorld(t)
	w.GenerateVectors(t, vectors(t, w))
}

// TestVectors runs the committed golden file through the whole verifier, so
// the file can never drift from behaviour.
func TestVectors(t *testing.T) { newWorld(t).RunVectors(t) }
