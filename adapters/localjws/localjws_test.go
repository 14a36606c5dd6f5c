package localjws_test

import (
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/gd"
	"github.com/hcgw/hcgw/adapters/localjws"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

// Each format's own package (adapters/gd, adapters/bj) runs the decoder's
// cases through the shared suite; this file checks only what no format's
// tests reach: a Spec that a province package could get wrong (here gd-v1's,
// altered).

func TestSpecIsChecked(t *testing.T) {
	ts := adaptertest.Tables(t)
	key := testkit.Key(t, jwa.ES256)
	claims := localjws.Claims{Name: adaptertest.FullName, ID: adaptertest.FullID, Status: "10",
		StatusTime: adaptertest.StatusTime.Unix(), Expires: adaptertest.Expires.Unix(), CodeID: "gd-code-1"}
	tests := map[string]struct {
		change  func(*localjws.Spec)
		wantErr string // "": the spec is good
	}{
		"a complete spec builds and encodes":            {change: func(*localjws.Spec) {}},
		"a spec without a prefix is refused":            {change: func(s *localjws.Spec) { s.Prefix = "" }, wantErr: "no prefix"},
		"a spec without an algorithm is refused":        {change: func(s *localjws.Spec) { s.Alg = "" }, wantErr: "no alg"},
		"a spec without a typ is refused":               {change: func(s *localjws.Spec) { s.Typ = "" }, wantErr: "no typ"},
		"a spec without a province is refused":          {change: func(s *localjws.Spec) { s.Province = "" }, wantErr: "no province"},
		"a spec without a wire status claim is refused": {change: func(s *localjws.Spec) { s.Wire.Status = "" }, wantErr: `no local field for "status"`},
		"a spec writing two fields to one claim is refused": {
			change: func(s *localjws.Spec) { s.Wire.Expires = s.Wire.StatusTime }, wantErr: "both name"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := gd.Spec()
			tc.change(&s)
			a, err := localjws.New(s, ts)
			code, eerr := provsim.EncodeLocalJWS(s, key, claims)
			if tc.wantErr == "" {
				if err != nil || a == nil || eerr != nil || !strings.HasPrefix(code, s.Prefix) {
					t.Fatalf("New: %v, %v; Encode: %q, %v", a, err, code, eerr)
				}
				return
			}
			for _, e := range []error{err, eerr} {
				if e == nil || !strings.Contains(e.Error(), tc.wantErr) {
					t.Errorf("err %v, want one mentioning %s", e, tc.wantErr)
				}
			}
		})
	}
}

// TestTableIsChecked: a mapping table that lacks a field the adapter reads,
// or names one local field for two national ones, refuses the adapter.
func TestTableIsChecked(t *testing.T) {
	for name, tc := range map[string]struct {
		fields  string
		wantErr string
	}{
		"a table without the status field": {"  name: xm\n  id: zjhm\n  status_time: sj\n  expires: yxq\n  code_id: id\n", `no local field for "status"`},
		"a table naming one field twice":   {"  name: xm\n  id: zjhm\n  status: mzt\n  status_time: sj\n  expires: sj\n  code_id: id\n", `both name local field "sj"`},
	} {
		t.Run(name, func(t *testing.T) {
			table, err := mapping.ParseTable("gd-v1.yaml", []byte("format: gd-v1\nregion: \"440000\"\nfields:\n"+tc.fields+"status:\n  \"10\": green\n"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = localjws.New(gd.Spec(), mapping.Tables{"gd-v1": table})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "gd-v1.yaml") {
				t.Fatalf("New: %v, want an error naming gd-v1.yaml and %s", err, tc.wantErr)
			}
		})
	}
}
