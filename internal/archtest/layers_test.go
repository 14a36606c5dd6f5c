// Package archtest holds the test that keeps the packages in their layers
// (docs/ARCHITECTURE.md): every import of a production package is one its
// layer allows, and no production package imports tooling or test kits.
package archtest

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/hcgw/hcgw/"

// allowed lists, for each package (or subtree: the longest prefix wins),
// the packages (or subtrees) of this module it may import. Lower layers
// first; a package not named here is refused, so a new one must be placed.
var allowed = map[string][]string{
	// The model and the leaves: nothing of hcgw below them.
	"fault":   {},
	"mapping": {"fault"}, "certlogic": {}, "audit": {}, "config": {}, "configs": {}, "qr": {"fault"}, "web": {},
	"adapters/eudcc/base45": {}, "trust/p256": {},
	// Trust and storage.
	"trust":            {"fault", "certlogic", "mapping", "trust/p256"},
	"store":            {"fault", "audit", "mapping"},
	"internal/metrics": {"fault", "mapping"},
	// The formats, the federation protocol and the admission decision:
	// side by side, none above verify.
	"adapters":   {"fault", "adapters", "mapping", "trust"},
	"federation": {"fault", "mapping", "trust"},
	"admission":  {"fault", "certlogic", "mapping", "trust"},
	// The verification, and the issuance of this gateway's own codes.
	"verify":  {"fault", "adapters", "admission", "audit", "certlogic", "federation", "mapping", "trust"},
	"issuing": {"fault", "adapters/nic", "mapping", "trust"},
	// HTTP.
	"httpapi": {"fault", "adapters", "audit", "federation", "issuing", "mapping", "qr", "trust", "verify", "web"},
	// The composition root: everything in production, nothing of tooling.
	"internal/gateway": {"fault", "adapters", "admission", "audit", "certlogic", "config", "configs", "federation", "httpapi",
		"internal/metrics", "issuing", "mapping", "qr", "store", "trust", "verify", "web"},
	// Tooling and test kits: anything in production, never each other's
	// callers' concern.
	"internal/conformance": {"fault", "adapters", "certlogic", "configs", "mapping", "qr", "trust", "verify"},
	"internal/testkit":     {"fault", "mapping", "trust"},
	"internal/adaptertest": {"fault", "adapters", "configs", "internal/testkit", "mapping", "trust", "verify"},
	"internal/testdb":      {},
	// The provinces' side, simulated: their encoders and the simulated
	// platform (the demo, the bench and tests).
	"internal/provsim": {"fault", "adapters", "federation", "mapping", "store", "trust"},
	// The commands.
	"cmd": {""}, // everything
}

// rule is the longest prefix of pkg that allowed names.
func rule(pkg string) (string, bool) {
	best, found := "", false
	for p := range allowed {
		if (pkg == p || strings.HasPrefix(pkg, p+"/")) && len(p) >= len(best) {
			best, found = p, true
		}
	}
	return best, found
}

func within(imp, prefix string) bool {
	return prefix == "" || imp == prefix || strings.HasPrefix(imp, prefix+"/")
}

// violations checks a graph of package → its imports (paths relative to
// the module; imports outside it are not given).
func violations(graph map[string][]string) []string {
	var out []string
	for pkg, imps := range graph {
		r, ok := rule(pkg)
		if !ok {
			out = append(out, fmt.Sprintf("%s: no layer (add it to allowed and docs/ARCHITECTURE.md)", pkg))
			continue
		}
		for _, imp := range imps {
			ok := false
			for _, a := range allowed[r] {
				if within(imp, a) {
					ok = true
					break
				}
			}
			if !ok {
				out = append(out, fmt.Sprintf("%s imports %s, which its layer (%s) may not", pkg, imp, r))
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestTheLayersHold reads the module's import graph (production imports,
// not tests') with go list and checks every edge.
func TestTheLayersHold(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	graph := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkg := strings.TrimPrefix(p.ImportPath, module)
		if strings.HasPrefix(pkg, "internal/archtest") {
			continue
		}
		graph[pkg] = nil
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module) {
				graph[pkg] = append(graph[pkg], strings.TrimPrefix(imp, module))
			}
		}
	}
	if len(graph) < 20 {
		t.Fatalf("go list found only %d packages", len(graph))
	}
	for _, v := range violations(graph) {
		t.Error(v)
	}
}

// TestTheCheckCatchesAWrongImport: the check itself can fail.
func TestTheCheckCatchesAWrongImport(t *testing.T) {
	for name, tc := range map[string]struct {
		graph map[string][]string
		want  int
	}{
		"an adapter importing verify":         {map[string][]string{"adapters/zj": {"mapping", "verify"}}, 1},
		"an adapter importing issuing":        {map[string][]string{"adapters/nic": {"mapping", "issuing"}}, 1},
		"issuing importing verify":            {map[string][]string{"issuing": {"adapters/nic", "verify"}}, 1},
		"the model importing trust":           {map[string][]string{"mapping": {"trust"}}, 1},
		"production importing a test kit":     {map[string][]string{"verify": {"internal/testkit"}}, 1},
		"httpapi importing the gateway":       {map[string][]string{"httpapi": {"internal/gateway"}}, 1},
		"a package with no layer":             {map[string][]string{"newthing": {}}, 1},
		"a format importing another format":   {map[string][]string{"adapters/gd": {"adapters/localjws", "adapters"}}, 0},
		"the commands importing tooling":      {map[string][]string{"cmd/hcgw": {"internal/conformance/dcc"}}, 0},
		"the gateway importing the conformer": {map[string][]string{"internal/gateway": {"internal/conformance/rules"}}, 1},
		"an adapter importing the simulator":  {map[string][]string{"adapters/sh": {"internal/provsim"}}, 1},
		"the gateway importing the simulator": {map[string][]string{"internal/gateway": {"internal/provsim"}}, 1},
		"the demo importing the simulator":    {map[string][]string{"cmd/hcgw": {"internal/provsim"}}, 0},
	} {
		t.Run(name, func(t *testing.T) {
			if got := violations(tc.graph); len(got) != tc.want {
				t.Fatalf("violations %v, want %d", got, tc.want)
			}
		})
	}
}
