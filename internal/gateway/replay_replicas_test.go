package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/mapping"
)

// TestAReplayIsRefusedByAnotherReplica: two replicas of Zhejiang on one
// MariaDB; a signed status request one answered is refused by the other
// (DESIGN §7 replay protection, across replicas: issue #21).
func TestAReplayIsRefusedByAnotherReplica(t *testing.T) {
	dsn := testdb.FreshMySQL(t)
	f := newFed(t, []string{shR, zjR}, nil, "", nil)
	platform := federation.NewMemorySource()
	platform.Set("known", mapping.LiveStatus{Status: mapping.Green, At: time.Now(), Expires: time.Now().Add(time.Minute)})
	var urls []string
	for i := 0; i < 2; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		yaml := fmt.Sprintf(`listen: %s
region: %q
database: {driver: mysql, dsn: %q}
trust: {anchors: [%s], endorsements_dir: %s}
keys: [%s]
`, ln.Addr(), zjR, dsn, filepath.Join(f.dir, "root.jwk"), filepath.Join(f.dir, "trust"), filepath.Join(f.dir, zjR+".jwk"))
		cfg, err := config.Parse("replica.yaml", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		g, err := gateway.New(context.Background(), cfg, gateway.Options{Logger: testLogger(t), Platform: platform})
		if err != nil {
			t.Fatal(err)
		}
		g.UseListener(ln)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- g.Serve(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		urls = append(urls, "http://"+ln.Addr().String())
	}
	req := f.signedRequest(shR, zjR, "known")
	if st, b := post(t, urls[0], req); st != 200 {
		t.Fatalf("replica 1: %d %s", st, b)
	}
	if st, b := post(t, urls[1], req); st != 409 || !bytes.Contains(b, []byte(fault.Replayed.Code())) {
		t.Fatalf("replica 2 answered the replay %d %s, want 409 replayed", st, b)
	}
	if st, b := post(t, urls[0], req); st != 409 {
		t.Fatalf("replica 1 again: %d %s", st, b)
	}
	// A fresh request is answered by either.
	if st, b := post(t, urls[1], f.signedRequest(shR, zjR, "known")); st != 200 {
		t.Fatalf("replica 2, a fresh request: %d %s", st, b)
	}
}
