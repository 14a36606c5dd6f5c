package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// The demo's correction (the README's curls): Guangdong's traveller, green
// on the code and yellow on the platform, files at Shanghai; Guangdong
// resolves; Shanghai's next scan is green.
func TestDemoCorrection(t *testing.T) {
	d := testDemo(t)
	shURL, gdURL := d.node("310000").url, d.node("440000").url
	var code string
	for _, c := range d.codes {
		if c.format == "gd-v1" {
			code = c.code
		}
	}
	status := func() string {
		t.Helper()
		st, b := call(t, "POST", shURL+"/v1/verify", demoVerifierToken, `{"code":"`+code+`","checkpoint":"SH-HQ-01"}`)
		var v struct{ Status string }
		if st != 200 || json.Unmarshal(b, &v) != nil {
			t.Fatalf("verify: %d %s", st, b)
		}
		return v.Status
	}
	if s := status(); s != "yellow" {
		t.Fatalf("before: %s", s)
	}
	st, b := call(t, "POST", shURL+"/v1/corrections", demoVerifierToken,
		`{"code":"`+code+`","claim":"status_wrong","detail":"核酸阴性，平台显示黄码","checkpoint":"SH-HQ-01"}`)
	var tk struct{ Ticket, Org, State string }
	if st != 201 || json.Unmarshal(b, &tk) != nil || tk.Org != "440000" || tk.State != "open" {
		t.Fatalf("file: %d %s", st, b)
	}
	if st, b := call(t, "GET", gdURL+"/v1/corrections?state=open", demoAdminToken, ""); st != 200 || !strings.Contains(string(b), tk.Ticket) {
		t.Fatalf("list: %d %s", st, b)
	}
	if st, b := call(t, "POST", gdURL+"/v1/corrections/"+tk.Ticket+"/resolve", demoAdminToken,
		`{"outcome":"corrected","status":"green","note":"已更正"}`); st != 200 {
		t.Fatalf("resolve: %d %s", st, b)
	}
	if st, b := call(t, "GET", shURL+"/v1/corrections/"+tk.Ticket, demoVerifierToken, ""); st != 200 || !strings.Contains(string(b), `"state":"corrected"`) {
		t.Fatalf("ticket: %d %s", st, b)
	}
	if s := status(); s != "green" {
		t.Fatalf("after: %s", s)
	}
}
