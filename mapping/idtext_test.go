package mapping_test

import (
	"testing"

	"github.com/hcgw/hcgw/mapping"
)

func TestIDText(t *testing.T) {
	tests := []struct {
		s   string
		max int
		ok  bool
		at  int
	}{
		{"aZ09_-", 6, true, -1},
		{"aZ09_-", 5, false, -1}, // too long
		{"", 6, false, -1},       // empty
		{"ab.c", 8, false, 2},
		{"ab+c", 8, false, 2},
		{"ab/c", 8, false, 2},
		{"abc=", 8, false, 3},
		{"a b", 8, false, 1},
		{"张三", 8, false, 0},
		{"%41", 8, false, 0},
	}
	for _, tc := range tests {
		if got := mapping.NotBase64URL(tc.s); got != tc.at {
			t.Errorf("NotBase64URL(%q) = %d, want %d", tc.s, got, tc.at)
		}
		if got := mapping.IDText(tc.s, tc.max); got != tc.ok {
			t.Errorf("IDText(%q, %d) = %v, want %v", tc.s, tc.max, got, tc.ok)
		}
	}
}

func TestClip(t *testing.T) {
	tests := map[string]struct {
		in   string
		n    int
		want string
	}{
		"short ASCII":            {"abc", 5, "abc"},
		"long ASCII":             {"abcdef", 3, "abc"},
		"counts characters":      {"欧阳锋锋", 3, "欧阳锋"},
		"fits in characters":     {"欧阳锋", 3, "欧阳锋"},
		"invalid UTF-8 mended":   {"a\xffb", 5, "a\uFFFDb"},
		"never half a character": {"锋锋", 1, "锋"},
	}
	for name, tc := range tests {
		if got := mapping.Clip(tc.in, tc.n); got != tc.want {
			t.Errorf("%s: Clip(%q, %d) = %q, want %q", name, tc.in, tc.n, got, tc.want)
		}
	}
}
