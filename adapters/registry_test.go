package adapters_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
)

// fakeAdapter detects by its prefixes and decodes nothing.
type fakeAdapter struct {
	format   string
	prefixes []string
}

func (a fakeAdapter) Format() string     { return a.format }
func (a fakeAdapter) Prefixes() []string { return a.prefixes }
func (a fakeAdapter) Decode(string, adapters.Env) (*adapters.Code, error) {
	return nil, fault.Fail(fault.Malformed, "fake")
}

func fake(format string, prefixes ...string) adapters.Adapter {
	return fakeAdapter{format: format, prefixes: prefixes}
}

func TestDetect(t *testing.T) {
	reg, err := adapters.NewRegistry(
		nic.New(),
		fake("hc-v1", "HC:"),
		fake("hc-zj-v1", "HC:ZJ:"), // extends HC: and wins where both match
		fake("zj-v1", "https://zj.example/c?", "ZJ1:"),
		fake("sh-v1", "SH"),
		fake("sh-long-v1", "SHANGHAI:"),
		fake("utf8-v1", "粤康码:"),
	)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		code   string
		format string // "" means no adapter
	}{
		"a national code goes to nic-v1":                      {code: "NIC1:eyJ.eyJ.sig", format: nic.Format},
		"a bare prefix is detected (decoding will refuse it)": {code: "NIC1:", format: nic.Format},
		"the longer of two matching prefixes wins":            {code: "HC:ZJ:abc", format: "hc-zj-v1"},
		"the shorter prefix matches when the longer does not": {code: "HC:SH:abc", format: "hc-v1"},
		"a partial match of the longer prefix falls back":     {code: "HC:Z", format: "hc-v1"},
		"an adapter's second prefix is detected":              {code: "ZJ1:payload", format: "zj-v1"},
		"a URL prefix is detected":                            {code: "https://zj.example/c?id=1", format: "zj-v1"},
		"a two-letter prefix inside a longer one's path":      {code: "SHA:x", format: "sh-v1"},
		"the long prefix sharing the first letters wins":      {code: "SHANGHAI:x", format: "sh-long-v1"},
		"a multi-byte prefix is detected":                     {code: "粤康码:123", format: "utf8-v1"},
		"the first byte of a multi-byte prefix is no match":   {code: "粤", format: ""},
		"no prefix matches":                                   {code: "XYZ:abc", format: ""},
		"the empty string matches nothing":                    {code: "", format: ""},
		"a code shorter than every prefix matches nothing":    {code: "NIC", format: ""},
		"prefixes are case-sensitive":                         {code: "nic1:eyJ", format: ""},
		"a prefix not at the start does not count":            {code: " NIC1:eyJ", format: ""},
		"a URL of another host is no match":                   {code: "https://evil.example/c?zj.example", format: ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a, ok := reg.Detect(tc.code)
			if tc.format == "" {
				if ok || a != nil {
					t.Fatalf("detected %v", a)
				}
				return
			}
			if !ok || a == nil || a.Format() != tc.format {
				t.Fatalf("detected %v (ok %v), want %s", a, ok, tc.format)
			}
		})
	}
}

func TestAnEmptyRegistryDetectsNothing(t *testing.T) {
	reg, err := adapters.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"", "NIC1:x", "\x00"} {
		if a, ok := reg.Detect(code); ok || a != nil {
			t.Errorf("Detect(%q) = %v", code, a)
		}
	}
	if len(reg.All()) != 0 {
		t.Errorf("All() = %v", reg.All())
	}
}

func TestRegisterRefuses(t *testing.T) {
	tests := map[string][]adapters.Adapter{
		"the same format twice":                {fake("a-v1", "A:"), fake("a-v1", "B:")},
		"the same prefix in two adapters":      {fake("a-v1", "A:"), fake("b-v1", "A:")},
		"the same prefix twice in one adapter": {fake("a-v1", "A:", "A:")},
		"an adapter without prefixes":          {fake("a-v1")},
		"an empty prefix":                      {fake("a-v1", "A:", "")},
		"nic-v1 registered twice":              {nic.New(), nic.New()},
		"a second adapter claiming NIC1:":      {nic.New(), fake("other", nic.Prefix)},
	}
	for name, as := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := adapters.NewRegistry(as...); err == nil {
				t.Fatal("NewRegistry accepted")
			}
			reg, err := adapters.NewRegistry(as[:len(as)-1]...)
			if err != nil {
				t.Fatal(err)
			}
			if err := reg.Register(as[len(as)-1]); err == nil {
				t.Fatal("Register accepted")
			}
		})
	}
}

func TestRegisterKeepsOrderAndFormats(t *testing.T) {
	a, b := fake("a-v1", "A:"), fake("b-v1", "B:", "BB:")
	reg, err := adapters.NewRegistry(a, b)
	if err != nil {
		t.Fatal(err)
	}
	// A prefix extending an existing one is allowed.
	if err := reg.Register(fake("ab-v1", "A:B")); err != nil {
		t.Fatal(err)
	}
	all := reg.All()
	if len(all) != 3 || all[0].Format() != "a-v1" || all[1].Format() != "b-v1" || all[2].Format() != "ab-v1" {
		t.Errorf("All() out of registration order: %v", all)
	}
	if got, ok := reg.ByFormat("b-v1"); !ok || got.Format() != "b-v1" {
		t.Errorf("ByFormat(b-v1) = %v, %v", got, ok)
	}
	if got, ok := reg.ByFormat("zz-v1"); ok || got != nil {
		t.Errorf("ByFormat(zz-v1) = %v", got)
	}
	if got, ok := reg.Detect("A:Bxyz"); !ok || got.Format() != "ab-v1" {
		t.Errorf("Detect(A:Bxyz) = %v", got)
	}
}

// BenchmarkDetect shows that detection costs the same with 10 and with 100
// adapters: it walks the code's prefix, not the list of adapters.
func BenchmarkDetect(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("adapters=%d", n), func(b *testing.B) {
			as := make([]adapters.Adapter, n)
			for i := range as {
				// Distinct prefixes of one length, sharing a first byte, so
				// the trie fans out where a linear scan would compare most.
				as[i] = fake(fmt.Sprintf("fmt-%03d", i), fmt.Sprintf("P%03d:", i))
			}
			reg, err := adapters.NewRegistry(as...)
			if err != nil {
				b.Fatal(err)
			}
			// The last registered adapter: the worst case for a list.
			code := fmt.Sprintf("P%03d:", n-1) + strings.Repeat("x", 300)
			want := fmt.Sprintf("fmt-%03d", n-1)
			b.ReportAllocs()
			for b.Loop() {
				a, ok := reg.Detect(code)
				if !ok || a.Format() != want {
					b.Fatalf("detected %v", a)
				}
			}
		})
	}
}
