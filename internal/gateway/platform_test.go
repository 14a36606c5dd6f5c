package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/mapping"
)

// The built-in simulated platform: statuses set through the admin API, in
// the database, answer this gateway's own online checks and data sharing.
func TestSimulatedPlatform(t *testing.T) {
	e := newEnv(t, "sqlite", "")
	secret := filepath.Join(e.dir, "holder.key")
	_ = os.WriteFile(secret, bytes.Repeat([]byte("k"), 32), 0o600)
	cfg, err := config.Parse("gw.yaml", append(e.cfgBytes, []byte("platform: {kind: simulated}\nfederation: {holder_key_file: "+secret+"}\n")...))
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = cfg
	// The simulated platform is tooling (internal/provsim): a command that
	// does not give it cannot start one.
	if _, err := gateway.New(context.Background(), cfg, gateway.Options{Logger: testLogger(t)}); err == nil || !strings.Contains(err.Error(), "platform.kind: simulated") {
		t.Fatalf("a gateway without the simulator started a simulated platform: %v", err)
	}
	r := start(t, e)
	if _, ok := r.g.Platform.(*provsim.Platform); !ok {
		t.Fatalf("platform %T", r.g.Platform)
	}
	st, b := r.call(t, "POST", "/v1/issue", adminToken, `{"status":"green","holder":{"name":"张三丰","id":"330102199001011234"}}`)
	var issued struct{ Code, JTI string }
	if st != 200 || json.Unmarshal(b, &issued) != nil {
		t.Fatalf("issue %d %s", st, b)
	}
	if st, b := r.call(t, "POST", "/v1/platform/codes", adminToken,
		`{"cid":"`+issued.JTI+`","status":"red","holder":{"name":"张三丰","id":"330102199001011234"}}`); st != 200 {
		t.Fatalf("set %d %s", st, b)
	}
	st, b = r.call(t, "POST", "/v1/verify", verifierToken, `{"code":"`+issued.Code+`"}`)
	var vd struct {
		Status   mapping.Status
		Source   string
		Conflict bool
	}
	if st != 200 || json.Unmarshal(b, &vd) != nil || vd.Status != mapping.Red || !vd.Conflict || vd.Source != "online" {
		t.Fatalf("verify %d %s", st, b)
	}
	st, b = r.call(t, "POST", "/v1/share/status", adminToken, `{"id":"330102199001011234","regions":["310000"]}`)
	if st != 200 || !bytes.Contains(b, []byte(`"status":"red"`)) || !bytes.Contains(b, []byte(`"region":"310000"`)) {
		t.Fatalf("share %d %s", st, b)
	}
	if rows, err := r.g.DB.GetPlatformCode(context.Background(), issued.JTI); err != nil || rows.HolderID != "3301**********1234" {
		t.Fatalf("stored %+v %v", rows, err)
	}
	for _, bad := range []string{`{"cid":"x","status":"blue","holder":{"name":"a","id":"330102199001011234"}}`,
		`{"cid":"","status":"red","holder":{"name":"a","id":"330102199001011234"}}`,
		`{"cid":"x","status":"red","holder":{"name":"a","id":"3301"}}`} {
		if st, b := r.call(t, "POST", "/v1/platform/codes", adminToken, bad); st != 400 {
			t.Fatalf("%s → %d %s", bad, st, b)
		}
	}
}

// platform.kind http needs a table of this gateway's own region.
func TestHTTPPlatformMustBeTheRegionsOwnFormat(t *testing.T) {
	e := newEnv(t, "sqlite", "")
	cfg, err := config.Parse("gw.yaml", append(e.cfgBytes, []byte("platform: {kind: http, url: \"http://127.0.0.1:1\", format: gd-v1}\n")...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gateway.New(context.Background(), cfg, gateway.Options{Logger: testLogger(t)}); err == nil {
		t.Fatal("a Shanghai gateway accepted Guangdong's format for its platform")
	}
	cfg.Platform.Format = "sh-v1"
	g, err := gateway.New(context.Background(), cfg, gateway.Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	_ = g.Close(context.Background())
}
