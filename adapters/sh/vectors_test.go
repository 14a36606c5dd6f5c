package sh_test

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors/sh-v1.json and the FuzzDecode seed corpus")

// goldenVerifier is a gateway holding the golden trust material, no peer and
// no recorder, at the golden time.
func goldenVerifier(t testing.TB) *verify.Verifier {
	t.Helper()
	return adaptertest.Verifier(t, sh.Region, newAdapter(t))
}

// generateVectors makes the cases with their intended verdicts.
func generateVectors(t *testing.T) []adaptertest.Vector {
	w := newWorld(t)
	k := w.Key(t, "sh")
	green := encode(t, k, claims("0"))
	red := encode(t, k, claims("2"))
	valid := fields(claims("0"))
	ok, bad := adaptertest.Valid, adaptertest.Refused
	return []adaptertest.Vector{
		ok("green", green, mapping.Green),
		ok("yellow", encode(t, k, claims("1")), mapping.Yellow),
		ok("red", red, mapping.Red),
		ok("grey", encode(t, k, claims("9")), mapping.Grey),
		ok("unknown_state", encode(t, k, claims("7")), mapping.Grey),
		ok("one_character_name", encode(t, k, with(claims("0"), func(c *sh.Claims) { c.Name = "张" })), mapping.Green),
		bad("tampered_signature", flipSig(green), fault.BadSignature),
		bad("tampered_state", replaceField(red, 2, "0"), fault.BadSignature),
		bad("rogue_key", signRaw(t, w.Key(t, "rogue"), valid...), fault.BadSignature),
		bad("hub_key", signRaw(t, w.Key(t, "hub"), valid...), fault.BadSignature),
		bad("revoked_key", encode(t, w.Key(t, "sh-revoked"), claims("0")), fault.RevokedKey),
		bad("issued_before_key_window", encode(t, k, with(claims("0"), func(c *sh.Claims) {
			c.Issued = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
		})), fault.KeyNotValid),
		bad("expired", encode(t, k, with(claims("0"), func(c *sh.Claims) {
			c.Issued = testkit.GoldenTime.Add(-2 * time.Hour).Unix()
		})), fault.Expired),
		bad("expired_at_the_second", encode(t, k, with(claims("0"), func(c *sh.Claims) {
			c.Issued = testkit.GoldenTime.Add(-time.Hour).Unix()
		})), fault.Expired),
		bad("not_yet_valid", encode(t, k, with(claims("0"), func(c *sh.Claims) {
			c.Issued = testkit.GoldenTime.Add(10 * time.Minute).Unix()
		})), fault.NotYetValid),
		ok("issued_within_clock_skew", encode(t, k, with(claims("0"), func(c *sh.Claims) {
			c.Issued = testkit.GoldenTime.Add(30 * time.Second).Unix()
		})), mapping.Green),
		bad("malformed_seven_fields", strings.Join(valid, "|"), fault.Malformed),
		bad("malformed_nine_fields", green+"|x", fault.Malformed),
		bad("malformed_unmasked_name", signRaw(t, k, set(valid, 5, fullName)...), fault.Malformed),
		bad("malformed_unmasked_id", signRaw(t, k, set(valid, 6, fullID)...), fault.Malformed),
		bad("malformed_bad_integer", signRaw(t, k, set(valid, 3, "0"+valid[3])...), fault.Malformed),
		bad("malformed_ttl_over_seven_days", signRaw(t, k, set(valid, 4, "604801")...), fault.Malformed),
		bad("malformed_short_signature", strings.Join(valid, "|")+"|"+testkit.B64(make([]byte, 63)), fault.Malformed),
		bad("oversized", green+strings.Repeat("A", 5000-len(green)), fault.Malformed),
		bad("lower_case_prefix", "ssm2"+strings.TrimPrefix(green, "SSM2"), fault.UnrecognizedFormat),
	}
}

// TestGenerateVectors rewrites the golden vectors and the fuzz seed corpus
// (go test ./adapters/sh -run TestGenerateVectors -update). Each case is
// checked against the verifier before anything is written.
func TestGenerateVectors(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite " + sh.Format + ".json")
	}
	cases := generateVectors(t)
	adaptertest.GenerateVectors(t, goldenVerifier(t), sh.Format, cases, nil)
	adaptertest.WriteCorpus(t, "FuzzDecode", seeds(cases))
}

// TestVectors runs every committed vector through a verifier, so that the
// vectors never drift from the behaviour. The file covers at least what
// DESIGN promises checkpoint vendors.
func TestVectors(t *testing.T) {
	adaptertest.RunVectors(t, goldenVerifier(t), sh.Format, []string{"green", "yellow", "red", "grey", "unknown_state",
		"tampered_signature", "tampered_state", "rogue_key", "revoked_key", "expired", "not_yet_valid",
		"malformed_seven_fields", "malformed_unmasked_name", "malformed_bad_integer", "oversized"}, nil)
}
