package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// docs/configuration.md must list every key with its variable and default,
// so that the reference cannot fall behind the code.
func TestTheReferenceListsEveryKey(t *testing.T) {
	doc, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Skipf("no reference to check: %v", err)
	}
	rows := map[string]string{} // key path → its table row
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "| `") {
			key, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
			rows[key] = line
		}
	}
	c := Default()
	vars, _ := envVars(&c)
	for _, v := range vars {
		row, ok := rows[v.path]
		if !ok {
			t.Errorf("docs/configuration.md has no row for %s", v.path)
			continue
		}
		if !strings.Contains(row, "`"+v.name+"`") {
			t.Errorf("the row of %s does not name %s", v.path, v.name)
		}
		if def := docDefault(v.v.Interface()); def != "" && !strings.Contains(row, "`"+def+"`") {
			t.Errorf("the row of %s does not give its default `%s`", v.path, def)
		}
	}
	for _, k := range []string{"clients[].name", "clients[].role", "clients[].token_sha256", "peers[].region", "peers[].url"} {
		if _, ok := rows[k]; !ok {
			t.Errorf("docs/configuration.md has no row for %s", k)
		}
	}
}

// docDefault is how the reference writes a default; "" when it is empty.
func docDefault(v any) string {
	switch v := v.(type) {
	case []string, []Anchor:
		return ""
	case string:
		if v == "" {
			return `""`
		}
		if v == DefaultRegion {
			return `"` + v + `"`
		}
		return v
	}
	s := fmt.Sprint(v)
	// time.Duration prints 1m0s, 168h0m0s; the reference writes 60s, 168h.
	for _, r := range [][2]string{{"1m0s", "60s"}, {"5m0s", "5m"}, {"168h0m0s", "168h"}, {"720h0m0s", "720h"}} {
		if s == r[0] {
			return r[1]
		}
	}
	return s
}
