package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/mapping"
)

// The demo starts a whole federation and every sample code it prints
// verifies at the Shanghai gateway as printed.
func TestDemoFederation(t *testing.T) {
	d := testDemo(t)
	var out bytes.Buffer
	d.print(&out)
	if !strings.Contains(out.String(), "/v1/verify") || len(d.codes) != 5 {
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
		_, b := call(t, "POST", d.node("310000").url+"/v1/verify", demoVerifierToken, `{"code":"`+c.code+`"}`)
		var vd struct {
			Result   mapping.Result
			Status   mapping.Status
			Format   string
			Conflict bool
			Degraded bool
		}
		_ = json.Unmarshal(b, &vd)
		w := want[c.format]
		if vd.Result != mapping.Valid || vd.Format != c.format || vd.Status != w.status || vd.Conflict != w.conflict || vd.Degraded != w.degraded {
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
