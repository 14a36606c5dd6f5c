package main

import (
	"os"
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
