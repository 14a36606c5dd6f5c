package zj_test

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/adapters/zj"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/mapping"
)

const (
	token32 = "q7Xv2KpL9mN4rT8wZ1bC3dE5fG6hJ0kM"
	fullID  = "330102199001011234"
)

func newAdapter(t testing.TB) adapters.Adapter {
	t.Helper()
	return adaptertest.Adapter(t, zj.New)
}

func TestDecode(t *testing.T) {
	// zj-v1 consults none of the env; the world's is what a gateway passes.
	w := adaptertest.NewWorld(t, zj.New)
	w.RunDecode(t, map[string]adaptertest.DecodeCase{
		"a 32-character token is read":                 {Code: zj.Prefix + token32, Status: mapping.Grey},
		"a 16-character token is read":                 {Code: zj.Prefix + token32[:16], Status: mapping.Grey},
		"a 64-character token is read":                 {Code: zj.Prefix + token32 + token32, Status: mapping.Grey},
		"a token of dashes and underscores is read":    {Code: zj.Prefix + "----____----____", Status: mapping.Grey},
		"a 15-character token is malformed":            {Code: zj.Prefix + token32[:15], Reason: fault.Malformed},
		"a 65-character token is malformed":            {Code: zj.Prefix + token32 + token32 + "A", Reason: fault.Malformed},
		"a bare prefix is malformed":                   {Code: zj.Prefix, Reason: fault.Malformed},
		"a token with a dot is malformed":              {Code: zj.Prefix + token32[:20] + "." + token32[21:], Reason: fault.Malformed},
		"a token in standard base64 is malformed":      {Code: zj.Prefix + token32[:20] + "+/" + token32[22:], Reason: fault.Malformed},
		"a padded token is malformed":                  {Code: zj.Prefix + token32[:30] + "==", Reason: fault.Malformed},
		"a percent-encoded token is malformed":         {Code: zj.Prefix + token32[:20] + "%41" + token32[23:], Reason: fault.Malformed},
		"a token with a space is malformed":            {Code: zj.Prefix + token32[:16] + " " + token32[16:], Reason: fault.Malformed},
		"a non-ASCII token is malformed":               {Code: zj.Prefix + "张三" + token32[:16], Reason: fault.Malformed},
		"invalid UTF-8 in the token is malformed":      {Code: zj.Prefix + token32[:16] + "\xff", Reason: fault.Malformed},
		"a query string is malformed":                  {Code: zj.Prefix + token32 + "?lang=zh", Reason: fault.Malformed},
		"a bare question mark is malformed":            {Code: zj.Prefix + token32 + "?", Reason: fault.Malformed},
		"a fragment is malformed":                      {Code: zj.Prefix + token32 + "#top", Reason: fault.Malformed},
		"a trailing slash is malformed":                {Code: zj.Prefix + token32 + "/", Reason: fault.Malformed},
		"a second path segment is malformed":           {Code: zj.Prefix + token32[:16] + "/" + token32[16:], Reason: fault.Malformed},
		"a double slash before the token is malformed": {Code: zj.Prefix + "/" + token32, Reason: fault.Malformed},
		"a trailing newline is malformed":              {Code: zj.Prefix + token32 + "\n", Reason: fault.Malformed},
		"http instead of https is malformed here":      {Code: "http://hc.zj.example/q/" + token32, Reason: fault.Malformed},
		"an upper-case host is malformed here":         {Code: "https://HC.zj.example/q/" + token32, Reason: fault.Malformed},
		"another host is malformed here":               {Code: "https://hc.zj.example.evil/q/" + token32, Reason: fault.Malformed},
		"a port is malformed here":                     {Code: "https://hc.zj.example:443/q/" + token32, Reason: fault.Malformed},
		"the empty string is malformed here":           {Code: "", Reason: fault.Malformed},
	}, func(t *testing.T, code string, c *adapters.Code) {
		if c.ID != strings.TrimPrefix(code, zj.Prefix) || c.Signed {
			t.Fatalf("decoded %+v", c)
		}
	})
}

func TestDecodeFillsTheNationalModel(t *testing.T) {
	c, err := newAdapter(t).Decode(zj.Prefix+token32, adapters.Env{})
	if err != nil {
		t.Fatal(err)
	}
	want := adapters.Code{Format: zj.Format, Iss: zj.Region, Org: zj.Region, ID: token32, Signed: false, Status: mapping.Grey,
		Digest: sha256.Sum256([]byte(zj.Prefix + token32))}
	adaptertest.SameCode(t, c, want)
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
	table := adaptertest.Tables(t)[zj.Format]
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
		tok := provsim.NewZJToken()
		if len(tok) != 32 || seen[tok] {
			t.Fatalf("token %q (len %d, seen %v)", tok, len(tok), seen[tok])
		}
		seen[tok] = true
		code, err := provsim.EncodeZJ(tok)
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
			if code, err := provsim.EncodeZJ(tok); err == nil {
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
			if c != nil && c.Holder != (mapping.Holder{}) {
				t.Fatalf("a zj-v1 code has a holder: %#v", c.Holder)
			}
			adaptertest.NoLeak(t, secrets, adaptertest.Texts(t, c, err)...)
		})
	}
}
