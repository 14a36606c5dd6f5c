package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

type opsView struct {
	Region string `json:"region"`
	Peers  []struct {
		Region   string   `json:"region"`
		URL      string   `json:"url"`
		Breaker  string   `json:"breaker"`
		P50      *float64 `json:"p50_ms"`
		P95      *float64 `json:"p95_ms"`
		Calls5m  int      `json:"calls_5m"`
		Errors5m int      `json:"errors_5m"`
	} `json:"peers"`
	Keys []struct {
		Kid      string  `json:"kid"`
		Region   string  `json:"region"`
		DaysLeft float64 `json:"days_left"`
	} `json:"keys"`
	Verdicts []struct {
		Result string `json:"result"`
		Reason string `json:"reason"`
		Count  int64  `json:"count"`
	} `json:"verdicts_last_hour"`
}

func getAs(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	return do(t, "GET", url, token, "")
}

// The hub's overview after known calls: each peer's breaker and recent
// calls as the federation client made them (the same calls /metrics
// counts), its keys, and the verdicts its database recorded.
func TestOpsOverviewOfTheHub(t *testing.T) {
	f := newFed(t, []string{hub, shR, zjR}, map[string][]string{hub: {shR, zjR}, shR: {hub}, zjR: {hub}}, "", nil)
	h := f.nodes[hub]

	f.verify(hub, f.code(zjR, mapping.Green, mapping.Green)) // ok
	f.verify(hub, f.code(zjR, mapping.Green, ""))            // unknown_code: a healthy answer
	f.nodes[zjR].stop()
	if vd := f.verify(hub, f.code(zjR, mapping.Green, mapping.Green)); !vd.Degraded { // error
		t.Fatalf("Zhejiang is down, yet %+v", vd)
	}
	if vd := f.verify(hub, "not a code"); vd.Reason != fault.UnrecognizedFormat {
		t.Fatalf("%+v", vd)
	}

	if st, b := getAs(t, h.url+"/v1/ops/overview", verifierToken); st != 403 {
		t.Fatalf("a verifier: %d %s", st, b)
	}
	var ov opsView
	var body []byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, b := getAs(t, h.url+"/v1/ops/overview", adminToken)
		if st != 200 {
			t.Fatalf("%d %s", st, b)
		}
		ov, body = opsView{}, b
		if err := json.Unmarshal(b, &ov); err != nil {
			t.Fatal(err)
		}
		n := int64(0)
		for _, v := range ov.Verdicts {
			n += v.Count
		}
		if n == 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // records are group-committed
	}
	t.Logf("%s", body)

	if ov.Region != hub || len(ov.Peers) != 2 {
		t.Fatalf("%s", body)
	}
	sh, zj := ov.Peers[0], ov.Peers[1]
	if sh.Region != shR || sh.URL != f.nodes[shR].url || sh.Breaker != "closed" || sh.Calls5m != 0 || sh.P50 != nil || sh.P95 != nil {
		t.Errorf("Shanghai, never asked: %+v", sh)
	}
	if zj.Region != zjR || zj.Breaker != "closed" || zj.Calls5m != 3 || zj.Errors5m != 1 || zj.P50 == nil || zj.P95 == nil ||
		*zj.P50 <= 0 || *zj.P95 < *zj.P50 {
		t.Errorf("Zhejiang, asked three times, once while down: %+v", zj)
	}
	want := map[string]int64{"valid/": 3, "invalid/unrecognized_format": 1}
	for _, v := range ov.Verdicts {
		if want[v.Result+"/"+v.Reason] != v.Count {
			t.Errorf("verdict %+v", v)
		}
		delete(want, v.Result+"/"+v.Reason)
	}
	if len(want) > 0 {
		t.Errorf("verdicts missing: %v", want)
	}
	if len(ov.Keys) != 3 {
		t.Errorf("keys %+v", ov.Keys)
	}
	for _, k := range ov.Keys {
		if k.DaysLeft < 0.9 || k.DaysLeft > 1 { // endorsed for 24 h
			t.Errorf("key %+v", k)
		}
	}

	// The hook feeds both: /metrics counts the same calls.
	_, m := getAs(t, h.url+"/metrics", "")
	for _, line := range []string{
		`hcgw_peer_call_duration_seconds_count{outcome="ok",peer="330000"} 1`,
		`hcgw_peer_call_duration_seconds_count{outcome="unknown_code",peer="330000"} 1`,
		`hcgw_peer_call_duration_seconds_count{outcome="error",peer="330000"} 1`,
	} {
		if !strings.Contains(string(m), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}
