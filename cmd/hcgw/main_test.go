package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestMain lets hcgw bench start this test binary as its load generator
// ("hcgw bench-load"), as it starts the hcgw binary.
func TestMain(m *testing.M) {
	if os.Getenv(benchLoadEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// call makes one request to a gateway with a bearer token and returns the
// status and the body.
func call(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
