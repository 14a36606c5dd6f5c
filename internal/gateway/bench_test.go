package gateway_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// BenchmarkHTTPVerifySQLite is the whole gateway over loopback HTTP with
// records on (SQLite, audit.sync: true, group commit): what a checkpoint
// sees. Run with -cpu and -benchtime to vary; clients = GOMAXPROCS × 8.
func BenchmarkHTTPVerifySQLite(b *testing.B) {
	e := newEnv(b, "sqlite", "")
	r := start(b, e)
	if st, body := r.call(b, "POST", "/v1/trust/endorsements", adminToken, e.root.Endorse(e.zj, "330000", testkit.Spec{
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})); st != 201 {
		b.Fatalf("endorse %d %s", st, body)
	}
	code := nicNow(b, e.zj, "330000", mapping.Green)
	body := []byte(`{"code":"` + code + `","checkpoint":"bench"}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", r.base+"/v1/verify", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+verifierToken)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !bytes.Contains(out, []byte(`"result":"valid"`)) {
				b.Fatalf("%d %s", resp.StatusCode, out)
			}
		}
	})
}
