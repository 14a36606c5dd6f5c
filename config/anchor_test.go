package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAnchorForms(t *testing.T) {
	tests := map[string]struct {
		yaml string
		want []Anchor
	}{
		"a path": {
			"trust:\n  anchors:\n    - testdata/keys/root.pub.jwk\n",
			[]Anchor{{Path: "testdata/keys/root.pub.jwk"}},
		},
		"a quoted path that looks like a number": {
			"trust:\n  anchors: [\"42\"]\n",
			[]Anchor{{Path: "42"}},
		},
		"an inline JWK in flow style": {
			"trust:\n  anchors:\n    - {kty: OKP, crv: Ed25519, x: abc}\n",
			[]Anchor{{JWK: map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "abc"}}},
		},
		"an inline JWK in block style": {
			"trust:\n  anchors:\n    - kty: EC\n      crv: P-256\n      x: a\n      y: b\n",
			[]Anchor{{JWK: map[string]any{"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}}},
		},
		"both forms in one list": {
			"trust:\n  anchors:\n    - a.jwk\n    - {kty: OKP, x: b}\n",
			[]Anchor{{Path: "a.jwk"}, {JWK: map[string]any{"kty": "OKP", "x": "b"}}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := Parse("f.yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			want := Default()
			want.Trust.Anchors = tc.want
			assertSameConfig(t, c, &want)
		})
	}
}

func TestAnchorBytes(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.jwk")
	if err := os.WriteFile(big, []byte(`{"kty":"OKP","x":"`+strings.Repeat("a", maxJWKFile)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		anchor  Anchor
		want    string // the JSON, when no error
		wantErr string
	}{
		"a path gives the file's content": {
			anchor: Anchor{Path: "testdata/keys/root.pub.jwk"},
			want:   `{"kty":"OKP","crv":"Ed25519","x":"v-IPIbc0S1fDO547B0LNwc6_I4Zr7_sgWJTfYihhXDI"}` + "\n",
		},
		"an inline JWK gives its JSON encoding, members sorted": {
			anchor: Anchor{JWK: map[string]any{"x": "abc", "kty": "OKP", "crv": "Ed25519"}},
			want:   `{"crv":"Ed25519","kty":"OKP","x":"abc"}`,
		},
		"a missing file is named": {
			anchor:  Anchor{Path: "testdata/keys/missing.jwk"},
			wantErr: "anchor file testdata/keys/missing.jwk: no such file or directory",
		},
		"a file that is not JSON is named": {
			anchor:  Anchor{Path: "testdata/keys/not-json.jwk"},
			wantErr: "anchor file testdata/keys/not-json.jwk: not a JSON object: invalid character 'h' in literal true (expecting 'r')",
		},
		"a folder is refused": {
			anchor:  Anchor{Path: "testdata/keys"},
			wantErr: "anchor file testdata/keys: not a regular file",
		},
		"a huge file is refused without reading it all": {
			anchor:  Anchor{Path: big},
			wantErr: "anchor file " + big + ": larger than 65536 bytes",
		},
		"an inline JWK that JSON cannot encode": {
			anchor:  Anchor{JWK: map[string]any{"kty": "OKP", "n": map[any]any{1: 2}}},
			wantErr: "inline anchor JWK cannot be encoded as JSON: json: unsupported type: map[interface {}]interface {}",
		},
		"an empty anchor": {
			anchor:  Anchor{},
			wantErr: "anchor has neither a path nor an inline JWK",
		},
		"an anchor with both forms": {
			anchor:  Anchor{Path: "a", JWK: map[string]any{"kty": "OKP"}},
			wantErr: "anchor has both a path and an inline JWK",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := tc.anchor.Bytes()
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
