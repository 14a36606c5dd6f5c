package gateway_test

import (
	"strings"
	"testing"

	"github.com/hcgw/hcgw/mapping"
)

// After a known sequence of verifications, /metrics counts exactly them.
func TestMetricsCountVerifications(t *testing.T) {
	e := newEnv(t, "sqlite", "")
	r := start(t, e)
	good := nicNow(t, e.own, "310000", mapping.Yellow)
	tampered := good[:len(good)-12] + "AAAA" + good[len(good)-8:]
	for _, code := range []string{good, good, good, tampered, "not a code"} {
		if st, b := r.call(t, "POST", "/v1/verify", verifierToken, `{"code":"`+code+`"}`); st != 200 {
			t.Fatalf("%d %s", st, b)
		}
	}
	st, b := r.call(t, "GET", "/metrics", "", "")
	if st != 200 {
		t.Fatalf("%d", st)
	}
	text := string(b)
	for _, want := range []string{
		`hcgw_verifications_total{issuer="310000",reason="",result="valid",source="offline"} 3`,
		`hcgw_verifications_total{issuer="",reason="bad_signature",result="invalid",source=""} 1`,
		`hcgw_verifications_total{issuer="",reason="unrecognized_format",result="invalid",source=""} 1`,
		`hcgw_audit_records_committed_total 5`,
		`hcgw_audit_queue_depth 0`,
		`hcgw_audit_commit_duration_seconds_count`,
		`hcgw_audit_record_wait_seconds_total`,
		`hcgw_trust_nearest_expiry_days 0.0`, // the test key's endorsement ends within the hour
		"\nhcgw_trust_key_tables ",           // a process-wide count: other tests' keys are in it
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "hcgw_") {
				t.Log(l)
			}
		}
	}
}
