package zj_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/adapters/zj"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
)

const (
	token32 = "q7Xv2KpL9mN4rT8wZ1bC3dE5fG6hJ0kM"
	fullID  = "330102199001011234"
)

func newAdapter(t testing.TB) adapters.Adapter {
	t.Helper()
	ts, err := mapping.LoadTables(configs.Mappings())
	if err != nil {
		t.Fatal(err)
	}
	a, err := zj.New(ts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// env is what a gateway would pass; zj-v1 consults none of it.
func env(t testing.TB) adapters.Env {
	g := testkit.LoadGolden(t)
	return adapters.Env{Trust: g.Registry.Snapshot(), Skew: 60 * time.Second}
}

func TestDecode(t *testing.T) {
	a := newAdapter(t)
	e := env(t)
	tests := map[string]struct {
		code   string
		reason mapping.Reason
	}{
		"a 32-character token is read":                 {code: zj.Prefix + token32},
		"a 16-character token is read":                 {code: zj.Prefix + token32[:16]},
		"a 64-character token is read":                 {code: zj.Prefix + token32 + token32},
		"a token of dashes and underscores is read":    {code: zj.Prefix + "----____----____"},
		"a 15-character token is malformed":            {code: zj.Prefix + token32[:15], reason: mapping.Malformed},
		"a 65-character token is malformed":            {code: zj.Prefix + token32 + token32 + "A", reason: mapping.Malformed},
		"a bare prefix is malformed":                   {code: zj.Prefix, reason: mapping.Malformed},
		"a token with a dot is malformed":              {code: zj.Prefix + token32[:20] + "." + token32[21:], reason: mapping.Malformed},
		"a token in standard base64 is malformed":      {code: zj.Prefix + token32[:20] + "+/" + token32[22:], reason: mapping.Malformed},
		"a padded token is malformed":                  {code: zj.Prefix + token32[:30] + "==", reason: mapping.Malformed},
		"a percent-encoded token is malformed":         {code: zj.Prefix + token32[:20] + "%41" + token32[23:], reason: mapping.Malformed},
		"a token with a space is malformed":            {code: zj.Prefix + token32[:16] + " " + token32[16:], reason: mapping.Malformed},
		"a non-ASCII token is malformed":               {code: zj.Prefix + "张三" + token32[:16], reason: mapping.Malformed},
		"invalid UTF-8 in the token is malformed":      {code: zj.Prefix + token32[:16] + "\xff", reason: mapping.Malformed},
		"a query string is malformed":                  {code: zj.Prefix + token32 + "?lang=zh", reason: mapping.Malformed},
		"a bare question mark is malformed":            {code: zj.Prefix + token32 + "?", reason: mapping.Malformed},
		"a fragment is malformed":                      {code: zj.Prefix + token32 + "#top", reason: mapping.Malformed},
		"a trailing slash is malformed":                {code: zj.Prefix + token32 + "/", reason: mapping.Malformed},
		"a second path segment is malformed":           {code: zj.Prefix + token32[:16] + "/" + token32[16:], reason: mapping.Malformed},
		"a double slash before the token is malformed": {code: zj.Prefix + "/" + token32, reason: mapping.Malformed},
		"a trailing newline is malformed":              {code: zj.Prefix + token32 + "\n", reason: mapping.Malformed},
		"http instead of https is malformed here":      {code: "http://hc.zj.example/q/" + token32, reason: mapping.Malformed},
		"an upper-case host is malformed here":         {code: "https://HC.zj.example/q/" + token32, reason: mapping.Malformed},
		"another host is malformed here":               {code: "https://hc.zj.example.evil/q/" + token32, reason: mapping.Malformed},
		"a port is malformed here":                     {code: "https://hc.zj.example:443/q/" + token32, reason: mapping.Malformed},
		"the empty string is malformed here":           {code: "", reason: mapping.Malformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := a.Decode(tc.code, e)
			if tc.reason != mapping.ReasonNone {
				var p *mapping.Problem
				if c != nil || !errors.As(err, &p) || p.Reason != tc.reason {
					t.Fatalf("decoded %+v, error %v, want %s", c, err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != strings.TrimPrefix(tc.code, zj.Prefix) || c.Signed || c.Status != mapping.Grey {
				t.Fatalf("decoded %+v", c)
			}
		})
	}
}

func TestDecodeFillsTheNationalModel(t *testing.T) {
	c, err := newAdapter(t).Decode(zj.Prefix+token32, adapters.Env{})
	if err != nil {
		t.Fatal(err)
	}
	want := adapters.Code{Format: zj.Format, Iss: zj.Region, Org: zj.Region, ID: token32, Signed: false, Status: mapping.Grey}
	if fmt.Sprintf("%#v", *c) != fmt.Sprintf("%#v", want) {
		t.Fatalf("decoded\n%#v\nwant\n%#v", *c, want)
	}
}

// Detection is by literal prefix: a URL that is not Zhejiang's https URL
// never reaches the adapter, and the registry calls it unrecognized.
func TestDetect(t *testing.T) {
	reg, err := adapters.NewRegistry(nic.New(), newAdapter(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		code     string
		detected bool
	}{
		"Zhejiang's https URL is detected":             {code: zj.Prefix + token32, detected: true},
		"a bare prefix is detected (and then refused)": {code: zj.Prefix, detected: true},
		"http instead of https is not detected":        {code: "http://hc.zj.example/q/" + token32},
		"an upper-case scheme is not detected":         {code: "HTTPS://hc.zj.example/q/" + token32},
		"another path is not detected":                 {code: "https://hc.zj.example/c/" + token32},
		"the prefix without its last slash is not":     {code: "https://hc.zj.example/q" + token32},
		"a look-alike host is not detected":            {code: "https://hc.zj.example.evil/q/" + token32},
		"a leading space is not detected":              {code: " " + zj.Prefix + token32},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a, ok := reg.Detect(tc.code)
			if ok != tc.detected || ok && a.Format() != zj.Format {
				t.Fatalf("detected %v (%v)", a, ok)
			}
		})
	}
}

func TestMap(t *testing.T) {
	a := newAdapter(t)
	m, ok := a.(interface{ MapStatus(string) mapping.Status })
	if !ok {
		t.Fatal("the adapter has no MapStatus")
	}
	ts, err := mapping.LoadTables(configs.Mappings())
	if err != nil {
		t.Fatal(err)
	}
	table := ts[zj.Format]
	tests := map[string]struct {
		local string
		want  mapping.Status
	}{
		"G is green":                          {local: "G", want: mapping.Green},
		"Y is yellow":                         {local: "Y", want: mapping.Yellow},
		"R is red":                            {local: "R", want: mapping.Red},
		"a lower-case g is grey, not green":   {local: "g", want: mapping.Grey},
		"GREEN is grey, not green":            {local: "GREEN", want: mapping.Grey},
		"G with a space is grey, not green":   {local: "G ", want: mapping.Grey},
		"an unknown value is grey":            {local: "B", want: mapping.Grey},
		"the empty value is grey":             {local: "", want: mapping.Grey},
		"a national value is not a local one": {local: "green", want: mapping.Grey},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := m.MapStatus(tc.local); got != tc.want {
				t.Errorf("MapStatus %s, want %s", got, tc.want)
			}
			if got := zj.Map(table, tc.local); got != tc.want {
				t.Errorf("Map %s, want %s", got, tc.want)
			}
		})
	}
	if got := zj.Map(nil, "G"); got != mapping.Grey {
		t.Errorf("no table maps G to %s, want grey", got)
	}
}

func TestNew(t *testing.T) {
	other, err := mapping.ParseTable("zj-v1.yaml", []byte("format: zj-v1\nregion: \"310000\"\nstatus:\n  G: green\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, ts := range map[string]mapping.Tables{
		"no zj-v1 table is refused":                   {},
		"a zj-v1 table for another region is refused": {zj.Format: other},
	} {
		t.Run(name, func(t *testing.T) {
			if a, err := zj.New(ts); err == nil || a != nil {
				t.Fatalf("adapter %v, err %v", a, err)
			}
		})
	}
	a := newAdapter(t)
	if a.Format() != zj.Format || len(a.Prefixes()) != 1 || a.Prefixes()[0] != zj.Prefix {
		t.Fatalf("format %s prefixes %q", a.Format(), a.Prefixes())
	}
}

func TestEncodeAndNewToken(t *testing.T) {
	a := newAdapter(t)
	seen := map[string]bool{}
	for range 100 {
		tok := zj.NewToken()
		if len(tok) != 32 || seen[tok] {
			t.Fatalf("token %q (len %d, seen %v)", tok, len(tok), seen[tok])
		}
		seen[tok] = true
		code, err := zj.Encode(tok)
		if err != nil || code != zj.Prefix+tok {
			t.Fatalf("Encode(%q) = %q, %v", tok, code, err)
		}
		c, err := a.Decode(code, adapters.Env{})
		if err != nil || c.ID != tok {
			t.Fatalf("Decode(%q) = %+v, %v", code, c, err)
		}
	}
	for name, tok := range map[string]string{
		"an empty token is refused":          "",
		"a short token is refused":           token32[:15],
		"a long token is refused":            token32 + token32 + "A",
		"a token with a slash is refused":    token32[:16] + "/" + token32[16:],
		"a token with a query is refused":    token32 + "?x=1",
		"a token that is a URL is refused":   zj.Prefix + token32,
		"a token of Chinese text is refused": "张小三张小三张小三",
	} {
		t.Run(name, func(t *testing.T) {
			if code, err := zj.Encode(tok); err == nil {
				t.Fatalf("encoded %q", code)
			}
		})
	}
}

// TestNoFullIdentityLeaves: zj-v1 carries no holder; whatever a URL smuggles
// in (a name, an identity number) must not come back in a Code or an error.
func TestNoFullIdentityLeaves(t *testing.T) {
	a := newAdapter(t)
	secrets := []string{"张小三", fullID, "19900101"}
	codes := []string{
		zj.Prefix + token32 + "?name=张小三&id=" + fullID,
		zj.Prefix + "张小三" + fullID,
		zj.Prefix + fullID + "-" + "张小三",
		zj.Prefix + fullID + "/" + fullID,
		zj.Prefix + fullID + fullID + fullID + fullID,
		"https://hc.zj.example/q?id=" + fullID,
		"张小三|" + fullID,
		zj.Prefix + token32,
	}
	for i, code := range codes {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			c, err := a.Decode(code, adapters.Env{})
			var out string
			if err != nil {
				out = err.Error() + fmt.Sprintf("%#v", err)
			}
			if c != nil {
				out += fmt.Sprintf("%#v", *c)
				if c.Holder != (mapping.Holder{}) {
					t.Fatalf("a zj-v1 code has a holder: %#v", c.Holder)
				}
			}
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Fatalf("%q leaks %q", out, s)
				}
			}
		})
	}
}
