// Command hcgw is the health-code mutual-recognition gateway: a provincial
// gateway or the national hub (serve), and the tools around it (keys,
// issue, verify, migrate, version).
//
// It owns flags and output; the work is the packages'. It may import any of
// them, and nothing imports it.
package main
