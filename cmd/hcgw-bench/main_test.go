package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestMain lets the bench start this test binary as its bare service and
// its load generator ("hcgw-bench bare", "hcgw-bench load"), as it starts
// the hcgw-bench binary.
func TestMain(m *testing.M) {
	if os.Getenv(benchLoadEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}
