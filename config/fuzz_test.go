package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic; every error
// must be a configuration error naming the file; and whatever it accepts must
// validate and survive a round trip through yaml.Marshal unchanged. The seed
// corpus is testdata/fuzz/FuzzParse plus the golden files.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			if c != nil {
				t.Fatalf("a configuration and an error: %v", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "config fuzz.yaml: ") {
					t.Fatalf("an error line does not name the file: %q", line)
				}
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate refuses: %v", err)
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("cannot marshal an accepted configuration: %v", err)
		}
		again, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("the marshalled configuration does not parse: %v\n%s", err, out)
		}
		// Inline JWKs are compared as the JSON the trust registry gets: YAML
		// writes 1.0 as 1, which is the same number in JSON.
		if len(again.Trust.Anchors) != len(c.Trust.Anchors) {
			t.Fatalf("%d anchors became %d in a round trip", len(c.Trust.Anchors), len(again.Trust.Anchors))
		}
		for i := range c.Trust.Anchors {
			a, errA := c.Trust.Anchors[i].Bytes()
			b, errB := again.Trust.Anchors[i].Bytes()
			if c.Trust.Anchors[i].JWK != nil && (errA != nil || errB != nil || !bytes.Equal(a, b)) {
				t.Fatalf("anchor %d changed in a round trip: %s %v → %s %v", i, a, errA, b, errB)
			}
			c.Trust.Anchors[i].JWK, again.Trust.Anchors[i].JWK = nil, nil
		}
		assertSameConfig(t, again, c)
	})
}
