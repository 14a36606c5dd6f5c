package mapping

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseTable(t *testing.T) {
	good := "format: gd-v1\nregion: \"440000\"\nfields:\n  status: mzt\nstatus:\n  \"10\": green\n  \"30\": red\n"
	tests := map[string]struct {
		file, data string
		wantErr    string // substring; "" = must load
	}{
		"a complete table loads":                     {"gd-v1.yaml", good, ""},
		"a status outside the enum refuses the file": {"gd-v1.yaml", "format: gd-v1\nregion: \"440000\"\nstatus:\n  \"10\": blue\n", "gd-v1.yaml: line 4: local value \"10\" maps to \"blue\""},
		"a status of green-ish text is refused":      {"gd-v1.yaml", "format: gd-v1\nregion: \"440000\"\nstatus:\n  \"10\": Green\n", "line 4"},
		"a local value given twice is refused":       {"gd-v1.yaml", "format: gd-v1\nregion: \"440000\"\nstatus:\n  \"10\": green\n  \"10\": red\n", "line 5: local value \"10\" given twice"},
		"an unknown key names its line":              {"gd-v1.yaml", "format: gd-v1\nregion: \"440000\"\ncolours: {}\nstatus: {\"1\": red}\n", "line 3: unknown key \"colours\""},
		"an unknown national field is refused":       {"gd-v1.yaml", "format: gd-v1\nregion: \"440000\"\nfields: {colour: mzt}\nstatus: {\"1\": red}\n", "unknown national field \"colour\""},
		"a region that is not six digits":            {"gd-v1.yaml", "format: gd-v1\nregion: \"4400\"\nstatus: {\"1\": red}\n", "line 2: region \"4400\""},
		"a missing format":                           {"gd-v1.yaml", "region: \"440000\"\nstatus: {\"1\": red}\n", "format is missing"},
		"an empty status table":                      {"gd-v1.yaml", "format: gd-v1\nregion: \"440000\"\nstatus: {}\n", "status table is empty"},
		"a format that is not the file name":         {"bj-v1.yaml", good, "must match the file name"},
		"two documents":                              {"gd-v1.yaml", good + "---\nformat: x\n", "only one YAML document"},
		"not a mapping":                              {"gd-v1.yaml", "- a\n- b\n", "must be a mapping"},
		"broken YAML":                                {"gd-v1.yaml", "format: [\n", "mapping gd-v1.yaml"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tb, err := ParseTable(tc.file, []byte(tc.data))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if st, ok := tb.Map("10"); !ok || st != Green {
					t.Fatalf("10 → %s %v", st, ok)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestUnknownLocalValuesAreGreyNeverGreen(t *testing.T) {
	tb, err := ParseTable("x-v1.yaml", []byte("format: x-v1\nregion: \"110000\"\nstatus:\n  ok: green\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"", "OK", "ok ", "green", "10", "未见异常"} {
		if st, known := tb.Map(v); st != Grey || known {
			t.Errorf("%q → %s (known %v), want grey", v, st, known)
		}
	}
}

func TestLoadTables(t *testing.T) {
	fsys := fstest.MapFS{
		"a-v1.yaml":  {Data: []byte("format: a-v1\nregion: \"110000\"\nstatus: {x: red}\n")},
		"b-v1.yaml":  {Data: []byte("format: b-v1\nregion: \"120000\"\nstatus: {x: purple}\n")},
		"README.md":  {Data: []byte("ignored")},
		"c-v1.yaml":  {Data: []byte("format: c-v1\nregion: \"130000\"\nstatus: {y: yellow}\n")},
		"sub/d.yaml": {Data: []byte("not read")},
	}
	ts, err := LoadTables(fsys)
	if err == nil || !strings.Contains(err.Error(), "b-v1.yaml: line 3") {
		t.Fatalf("want the bad file named with its line, got %v", err)
	}
	if len(ts) != 2 || ts["a-v1"] == nil || ts["c-v1"] == nil {
		t.Fatalf("tables %v", ts)
	}
	if _, err := ts.Get("zz-v1"); err == nil {
		t.Fatal("missing table not reported")
	}
}
