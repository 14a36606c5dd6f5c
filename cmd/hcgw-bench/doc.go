// Command hcgw-bench measures verification on this machine, over loopback
// only: the raw signature rates, the gateway over HTTP, a bare reference
// service beside a real "hcgw serve" process, the batch and the online
// paths (docs/PERFORMANCE.md). It is tooling, kept out of the hcgw binary.
//
// It may import any package of hcgw and runs hcgw as a child process;
// nothing imports it.
package main
