package eudcc_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/mapping"
)

// TestNoUVCIOfTheTestDataHoldsAnIdentityNumber measures the identity-number
// rule (docs/masking.md) on real certificate identifiers: every ci of the
// member states' test data is the code id of a certificate the gateway must
// accept, and none may be read as holding a resident identity number.
func TestNoUVCIOfTheTestDataHoldsAnIdentityNumber(t *testing.T) {
	seen := map[string]bool{}
	var collect func(v any)
	collect = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "ci" {
					seen[s] = true
				} else {
					collect(e)
				}
			}
		case []any:
			for _, e := range x {
				collect(e)
			}
		}
	}
	err := filepath.WalkDir(filepath.Join("..", "..", "testdata", "dgc-testdata"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var tf struct{ JSON any }
		if json.Unmarshal(b, &tf) == nil {
			collect(tf.JSON)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for ci := range seen {
		if mapping.HoldsIdentityNumber(ci) {
			held++
			t.Errorf("UVCI %q read as holding an identity number", ci)
		}
	}
	t.Logf("%d of %d distinct UVCIs read as holding an identity number", held, len(seen))
	if len(seen) < 300 {
		t.Fatalf("only %d UVCIs found: is the test data complete?", len(seen))
	}
}
