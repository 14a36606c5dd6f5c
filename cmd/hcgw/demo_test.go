package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// The demo starts a whole federation and every sample code it prints
// verifies at the Shanghai gateway as printed.
func TestDemoFederation(t *testing.T) {
	d := testDemo(t)
	var out bytes.Buffer
	d.print(&out)
	if !strings.Contains(out.String(), "/v1/verify") || len(d.codes) != 8 {
		t.Fatalf("demo printout:\n%s", out.String())
	}
	want := map[string]struct {
		status   mapping.Status
		conflict bool
		degraded bool
	}{
		"zj-v1": {mapping.Green, false, false}, "gd-v1": {mapping.Yellow, true, false}, "sh-v1": {mapping.Green, false, false},
		"bj-v1": {mapping.Red, true, false}, "nic-v1": {mapping.Green, false, true},
	}
	for _, c := range d.codes {
		if c.format == "nic-v1" {
			continue // TestDemoSceneRules
		}
		_, b := call(t, "POST", d.node("310000").url+"/v1/verify", demoVerifierToken, `{"code":"`+c.code+`"}`)
		var vd struct {
			Result   fault.Result
			Status   mapping.Status
			Format   string
			Conflict bool
			Degraded bool
		}
		_ = json.Unmarshal(b, &vd)
		w := want[c.format]
		if vd.Result != fault.Valid || vd.Format != c.format || vd.Status != w.status || vd.Conflict != w.conflict || vd.Degraded != w.degraded {
			t.Errorf("%s at Shanghai: %s", c.format, b)
		}
	}
}

// testDemo starts the demo federation on free ports for one test and stops
// it (checking that it stopped cleanly) when the test ends.
func testDemo(t *testing.T) *demo {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	d, err := startDemo(ctx, t.TempDir(), 0, false, io.Discard)
	if err != nil {
		stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop()
		if err := d.wait(); err != nil {
			t.Error(err)
		}
	})
	return d
}

// The demo's Shanghai scene rules decide its two national codes' admission
// as the printout says, and the traveller without a phone is found in two
// provinces.
func TestDemoSceneRules(t *testing.T) {
	d := testDemo(t)
	sh := d.node("310000").url
	tested, untested := d.codes[len(d.codes)-2].code, d.codes[len(d.codes)-1].code
	admission := func(body string) (string, string) {
		t.Helper()
		st, b := call(t, "POST", sh+"/v1/verify", demoVerifierToken, body)
		var vd struct {
			Status    mapping.Status
			Conflict  bool
			Admission struct {
				Decision string
				Rules    []struct{ ID, Result string }
			}
		}
		if st != 200 || json.Unmarshal(b, &vd) != nil {
			t.Fatalf("%d %s", st, b)
		}
		ids := ""
		for _, r := range vd.Admission.Rules {
			ids += r.ID + ":" + r.Result + " "
		}
		return vd.Admission.Decision, strings.TrimSpace(ids)
	}
	for _, tc := range []struct {
		code, scene, want, rules string
	}{
		{tested, "hospital", "admit", "SH-HOSPITAL-01:passed"},
		{tested, "school", "admit", "SH-SCHOOL-01:passed"},
		{tested, "rail", "admit", "SH-RAIL-01:passed"},
		{untested, "hospital", "deny", "SH-HOSPITAL-01:failed"},
		{untested, "school", "deny", "SH-SCHOOL-01:failed"},
		{untested, "rail", "admit", "SH-RAIL-01:passed"},
		{untested, "cinema", "admit", ""},
		{d.codes[len(d.codes)-4].code, "venue", "deny", "SH-VENUE-01:failed"},
		{d.codes[len(d.codes)-3].code, "venue", "admit", "SH-VENUE-01:passed"},
		{untested, "venue", "admit", "SH-VENUE-01:passed"},
	} {
		if got, rules := admission(`{"code":"` + tc.code + `","scene":"` + tc.scene + `"}`); got != tc.want || rules != tc.rules {
			t.Errorf("%s at %s: %s (%s), want %s (%s)", tc.code[:12], tc.scene, got, rules, tc.want, tc.rules)
		}
	}
	st, b := call(t, "POST", sh+"/v1/verify", demoVerifierToken, `{"id_document":{"type":"resident_id","number":"`+demoElderID+`"}}`)
	if st != 200 || !strings.Contains(string(b), `"status":"yellow"`) || !strings.Contains(string(b), `"conflict":true`) ||
		!strings.Contains(string(b), `"format":"id-document"`) {
		t.Fatalf("the traveller without a phone: %d %s", st, b)
	}
	if st, b := call(t, "GET", sh+"/v1/rules", "", ""); st != 200 || strings.Count(string(b), `"region":"310000"`) != 4 {
		t.Fatalf("GET /v1/rules: %d %s", st, b)
	}
}
