package main

import (
	"bytes"
	"crypto/ecdsa"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The allocations per verification of the bare service and of hcgw
// (issue #22), measured the same way: over loopback HTTP, loaded by the
// bench's raw client, which reuses its buffers so that what is counted is
// the server's, every request a distinct code, 8 clients a core.
//
//	go test -run '^$' -bench . -benchmem ./cmd/hcgw-bench

// benchCodes is a bench with its pool of distinct codes, as request bodies.
func benchCodes(tb testing.TB) (*bench, [][]byte) {
	tb.Helper()
	b, err := newBench(time.Second, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.close)
	codes, err := b.codePool(4096)
	if err != nil {
		tb.Fatal(err)
	}
	bodies := make([][]byte, len(codes))
	for i, c := range codes {
		bodies[i] = []byte(`{"code":"` + c + `","checkpoint":"bench"}`)
	}
	return b, bodies
}

// loadHTTP verifies the codes at url until the benchmark is done; every
// answer must be 200 and valid.
func loadHTTP(b *testing.B, url string, bodies [][]byte) {
	addr, path, _ := strings.Cut(strings.TrimPrefix(url, "http://"), "/")
	path = "/" + path
	valid := []byte(`"result":"valid"`)
	var next atomic.Int64
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := newRawClient(addr)
		defer c.close()
		for pb.Next() {
			body := bodies[int(next.Add(1))%len(bodies)]
			status, out, err := c.do(path, benchToken, body)
			if err != nil || status != 200 || !bytes.Contains(out, valid) {
				b.Errorf("%d %q %v", status, out, err)
				return
			}
		}
	})
}

func BenchmarkBareHTTP(b *testing.B) {
	bn, bodies := benchCodes(b)
	srv := httptest.NewServer(bareHandler(bn.keys["330000"].Public().Raw.(*ecdsa.PublicKey)))
	defer srv.Close()
	loadHTTP(b, srv.URL+"/v1/verify", bodies)
}

func BenchmarkGatewayVerifyHTTP(b *testing.B) {
	bn, bodies := benchCodes(b)
	url, err := bn.gateway("310000", "sqlite", "file:"+filepath.Join(bn.dir, "alloc.db"), nil, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	loadHTTP(b, url+"/v1/verify", bodies)
}

// BenchmarkBareHandler is the bare service's handler alone, called with
// httptest's request and recorder (their allocations counted) instead of
// net/http's server and a connection.
func BenchmarkBareHandler(b *testing.B) {
	bn, bodies := benchCodes(b)
	h := bareHandler(bn.keys["330000"].Public().Raw.(*ecdsa.PublicKey))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "/v1/verify", bytes.NewReader(bodies[i%len(bodies)])))
		if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), bareValid) {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
