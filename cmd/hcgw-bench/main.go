package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
)

const usage = `hcgw-bench — measure verification on this machine (loopback only)

usage:
  hcgw-bench [--duration 5s] [--clients 16,64] [--phases offline,compare,bare,batch,online] [--batch-size 1000]
             [--mysql DSN] [--issuer-latency 2ms] [--cpuprofile FILE] [--hcgw BINARY]
        --hcgw: the hcgw binary the bare phase runs as "hcgw serve"; by default it is built
        from this module's source with "go build" (run from inside the module)
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a command line; it returns the process exit code: 0 ok,
// 1 failure, 2 usage. The bench starts its own binary again as the bare
// service ("bare") and as a load generator in another process ("load").
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd, rest := "hcgw-bench", args
	var err error
	switch {
	case len(args) > 0 && args[0] == "bare":
		cmd, rest = "hcgw-bench bare", args[1:]
		err = cmdBenchBare(rest, stdin, stdout)
	case len(args) > 0 && args[0] == "load":
		cmd, rest = "hcgw-bench load", args[1:]
		err = cmdBenchLoad(rest, stdout)
	case len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help"):
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = cmdBench(rest, stdout, stderr)
	}
	if err != nil {
		if ue, ok := err.(usageError); ok {
			fmt.Fprintf(stderr, "%s: %s\n\n%s", cmd, string(ue), usage)
			return 2
		}
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return 1
	}
	return 0
}

type usageError string

func (e usageError) Error() string { return string(e) }

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	return nil
}

// benchToken is the verifier's bearer token of every gateway the bench
// starts; the configurations hold only its SHA-256.
const benchToken = "bench-verifier-token"

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
