package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `hcgw — health-code mutual-recognition gateway

usage:
  hcgw demo    [--base-port 8090] [--dir DIR] [-v]
                                        a whole federation on loopback: hub + 4 provinces, sample codes
  hcgw serve   [--config FILE]          run the gateway (embedded SQLite by default)
  hcgw migrate [--config FILE]          create or update the database schema and exit
  hcgw keys generate --out FILE [--alg ES256|EdDSA]
  hcgw keys endorse  --root ROOT.jwk --key KEY.jwk --sub REGION --use codes,status,federation
                     [--scope R1,R2|*] [--days N] [--not-before RFC3339] [--jti ID] [--out FILE]
  hcgw keys revoke   --root ROOT.jwk --kid KID [--reason TEXT] [--out FILE]
  hcgw keys sign-rule --key KEY.jwk [--iss REGION] [--jti ID] [--out FILE] RULE.json
                                        sign an admission rule (the root as 000000, or a key with use rules)
  hcgw issue   --key KEY.jwk --region REGION --status green|yellow|red|grey --name NAME --id IDNO
               [--ttl 24h] [--vac N] [--nat negative|positive --nat-time UNIX] [--qr FILE.png]
  hcgw verify  (--config FILE | --anchor ROOT.pub.jwk --trust DIR) CODE|-
  hcgw dcc-conformance [--known FILE]... [--skew 0s] DIR
                                        EU DCC test data (COUNTRY/2DCode/raw/*.json) through the eu-dcc adapter
  hcgw rules-conformance [--known FILE]... DIR
                                        CertLogic test suites or rule sets (COUNTRY/RULE/rule.json, tests/*.json)
  hcgw version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a command line; it returns the process exit code: 0 ok,
// 1 failure (or, for verify, a code that is not valid), 2 usage.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(rest, stderr)
	case "demo":
		err = cmdDemo(rest, stdout, stderr)
	case "migrate":
		err = cmdMigrate(rest, stdout)
	case "keys":
		err = cmdKeys(rest, stdout)
	case "issue":
		err = cmdIssue(rest, stdout)
	case "verify":
		return cmdVerify(rest, stdin, stdout, stderr)
	case "dcc-conformance":
		return cmdDCCConformance(rest, stdout, stderr)
	case "rules-conformance":
		return cmdRulesConformance(rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "hcgw", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "hcgw: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		if ue, ok := err.(usageError); ok {
			fmt.Fprintf(stderr, "hcgw %s: %s\n", cmd, string(ue))
			return 2
		}
		fmt.Fprintf(stderr, "hcgw %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

type usageError string

func (e usageError) Error() string { return string(e) }
