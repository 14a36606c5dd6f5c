package sh_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

func TestDecode(t *testing.T) {
	w := newWorld(t)
	shKey := w.key(t, "sh")
	green := encode(t, shKey, claims("0"))
	red := encode(t, shKey, claims("2"))
	valid := fields(claims("0"))
	stranger := testkit.Key(t, jwa.EdDSA) // Ed25519, endorsed by nobody

	tests := map[string]struct {
		code   string
		reason mapping.Reason
		status mapping.Status // when valid
	}{
		"a green code signed by Shanghai's key is green":  {code: green, status: mapping.Green},
		"a yellow code is yellow":                         {code: encode(t, shKey, claims("1")), status: mapping.Yellow},
		"a red code is red":                               {code: red, status: mapping.Red},
		"a grey code is grey":                             {code: encode(t, shKey, claims("9")), status: mapping.Grey},
		"an unknown state is grey, never green":           {code: encode(t, shKey, claims("7")), status: mapping.Grey},
		"an unknown alphanumeric state is grey":           {code: encode(t, shKey, claims("G")), status: mapping.Grey},
		"a state of eight characters is read (and grey)":  {code: encode(t, shKey, claims("00000000")), status: mapping.Grey},
		"a one-character name is its own mask":            {code: encode(t, shKey, with(claims("0"), func(c *sh.Claims) { c.Name = "张" })), status: mapping.Green},
		"a 64-character cid and a seven-day ttl are read": {code: encode(t, shKey, with(claims("0"), func(c *sh.Claims) { c.CodeID, c.TTL = strings.Repeat("a-_Z9", 12)+"abcd", sh.MaxTTL })), status: mapping.Green},
		"a one-second ttl is read (the verifier expires)": {code: encode(t, shKey, with(claims("2"), func(c *sh.Claims) { c.TTL = 1 })), status: mapping.Red},
		"a code issued in the future is read (the verifier decides)": {
			code: encode(t, shKey, with(claims("0"), func(c *sh.Claims) { c.Issued = testkit.GoldenTime.Add(time.Hour).Unix() })), status: mapping.Green},

		"a tampered signature is a bad signature":                      {code: flipSig(green), reason: mapping.BadSignature},
		"a tampered state field (red made green) is a bad signature":   {code: replaceField(red, 2, "0"), reason: mapping.BadSignature},
		"a tampered ttl is a bad signature":                            {code: replaceField(green, 4, "604800"), reason: mapping.BadSignature},
		"a tampered cid is a bad signature":                            {code: replaceField(green, 1, "sh-code-2"), reason: mapping.BadSignature},
		"a tampered masked name is a bad signature":                    {code: replaceField(green, 5, "李*四"), reason: mapping.BadSignature},
		"a signature by rogue (not Shanghai's key) is a bad signature": {code: signRaw(t, w.key(t, "rogue"), valid...), reason: mapping.BadSignature},
		"a signature by an unendorsed Ed25519 key is a bad signature":  {code: signRaw(t, stranger, valid...), reason: mapping.BadSignature},
		"a signature by Zhejiang's key is a bad signature":             {code: signRaw(t, w.key(t, "zj"), valid...), reason: mapping.BadSignature},
		"a signature by the hub's Ed25519 key is a bad signature (no trial outside 310000)": {
			code: signRaw(t, w.key(t, "hub"), valid...), reason: mapping.BadSignature},
		"a signature by Beijing's Ed25519 key is a bad signature": {code: signRaw(t, w.key(t, "bj"), valid...), reason: mapping.BadSignature},
		"a signature of zero bytes of the right length is a bad signature": {
			code: strings.Join(valid, "|") + "|" + testkit.B64(make([]byte, 64)), reason: mapping.BadSignature},
		"a code signed by the revoked Shanghai key is revoked_key": {code: encode(t, w.key(t, "sh-revoked"), claims("0")), reason: mapping.RevokedKey},
		"a code issued before its key's endorsement is key_not_valid": {
			code:   encode(t, shKey, with(claims("0"), func(c *sh.Claims) { c.Issued = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC).Unix() })),
			reason: mapping.KeyNotValid},

		"seven fields are malformed":                        {code: strings.Join(valid, "|"), reason: mapping.Malformed},
		"nine fields are malformed":                         {code: green + "|x", reason: mapping.Malformed},
		"a bare prefix is malformed":                        {code: sh.Prefix, reason: mapping.Malformed},
		"an empty cid is malformed":                         {code: signRaw(t, shKey, set(valid, 1, "")...), reason: mapping.Malformed},
		"an empty state is malformed":                       {code: signRaw(t, shKey, set(valid, 2, "")...), reason: mapping.Malformed},
		"an empty name is malformed":                        {code: signRaw(t, shKey, set(valid, 5, "")...), reason: mapping.Malformed},
		"an empty id is malformed":                          {code: signRaw(t, shKey, set(valid, 6, "")...), reason: mapping.Malformed},
		"an empty signature is malformed":                   {code: strings.Join(valid, "|") + "|", reason: mapping.Malformed},
		"a cid of 65 characters is malformed":               {code: signRaw(t, shKey, set(valid, 1, strings.Repeat("a", 65))...), reason: mapping.Malformed},
		"a cid with a dot is malformed":                     {code: signRaw(t, shKey, set(valid, 1, "sh.code")...), reason: mapping.Malformed},
		"a state with a space is malformed":                 {code: signRaw(t, shKey, set(valid, 2, "0 ")...), reason: mapping.Malformed},
		"a state of nine characters is malformed":           {code: signRaw(t, shKey, set(valid, 2, "000000000")...), reason: mapping.Malformed},
		"a non-numeric issued is malformed":                 {code: signRaw(t, shKey, set(valid, 3, "yesterday")...), reason: mapping.Malformed},
		"a negative issued is malformed":                    {code: signRaw(t, shKey, set(valid, 3, "-1795420740")...), reason: mapping.Malformed},
		"a plus-signed issued is malformed":                 {code: signRaw(t, shKey, set(valid, 3, "+1795420740")...), reason: mapping.Malformed},
		"an issued with a leading zero is malformed":        {code: signRaw(t, shKey, set(valid, 3, "0"+valid[3])...), reason: mapping.Malformed},
		"an issued with a leading space is malformed":       {code: signRaw(t, shKey, set(valid, 3, " "+valid[3])...), reason: mapping.Malformed},
		"an issued in exponent form is malformed":           {code: signRaw(t, shKey, set(valid, 3, "1.79542074e9")...), reason: mapping.Malformed},
		"an issued of 0 is malformed":                       {code: signRaw(t, shKey, set(valid, 3, "0")...), reason: mapping.Malformed},
		"an issued beyond int64 is malformed":               {code: signRaw(t, shKey, set(valid, 3, "9223372036854775808")...), reason: mapping.Malformed},
		"an issued after year 9999 is malformed":            {code: signRaw(t, shKey, set(valid, 3, "253402300800")...), reason: mapping.Malformed},
		"an expiry after year 9999 is malformed":            {code: signRaw(t, shKey, set(valid, 3, "253402300000")...), reason: mapping.Malformed},
		"a non-numeric ttl is malformed":                    {code: signRaw(t, shKey, set(valid, 4, "1h")...), reason: mapping.Malformed},
		"a negative ttl is malformed":                       {code: signRaw(t, shKey, set(valid, 4, "-3600")...), reason: mapping.Malformed},
		"a ttl with a leading zero is malformed":            {code: signRaw(t, shKey, set(valid, 4, "03600")...), reason: mapping.Malformed},
		"a ttl of 0 is malformed":                           {code: signRaw(t, shKey, set(valid, 4, "0")...), reason: mapping.Malformed},
		"a ttl of seven days and one second is malformed":   {code: signRaw(t, shKey, set(valid, 4, "604801")...), reason: mapping.Malformed},
		"an unmasked name is malformed, whatever signs it":  {code: signRaw(t, shKey, set(valid, 5, fullName)...), reason: mapping.Malformed},
		"a two-character full name is malformed":            {code: signRaw(t, shKey, set(valid, 5, "张三")...), reason: mapping.Malformed},
		"a masked name with a leading space is malformed":   {code: signRaw(t, shKey, set(valid, 5, " "+maskedName)...), reason: mapping.Malformed},
		"an unmasked id is malformed, whatever signs it":    {code: signRaw(t, shKey, set(valid, 6, fullID)...), reason: mapping.Malformed},
		"a masked id with a lower-case x is malformed":      {code: signRaw(t, shKey, set(valid, 6, "3101**********123x")...), reason: mapping.Malformed},
		"a half-masked id is malformed":                     {code: signRaw(t, shKey, set(valid, 6, "310101******011234")...), reason: mapping.Malformed},
		"a signature in standard base64 is malformed":       {code: strings.Join(valid, "|") + "|" + strings.Repeat("+/", 43), reason: mapping.Malformed},
		"a padded signature is malformed":                   {code: strings.Join(valid, "|") + "|" + testkit.B64(make([]byte, 64)) + "==", reason: mapping.Malformed},
		"a signature with stray bits in its last character": {code: strings.Join(valid, "|") + "|" + strings.Repeat("A", 85) + "B", reason: mapping.Malformed},
		"a signature of 63 bytes is malformed":              {code: strings.Join(valid, "|") + "|" + testkit.B64(make([]byte, 63)), reason: mapping.Malformed},
		"a signature of 65 bytes is malformed":              {code: strings.Join(valid, "|") + "|" + testkit.B64(make([]byte, 65)), reason: mapping.Malformed},
		"a trailing newline is malformed":                   {code: green + "\n", reason: mapping.Malformed},
		"a newline inside the signature is malformed":       {code: green[:len(green)-10] + "\r\n" + green[len(green)-10:], reason: mapping.Malformed},
		"invalid UTF-8 in the name is malformed":            {code: signRaw(t, shKey, set(valid, 5, "\xe5\xbc*\xe4\xb8\x89")...), reason: mapping.Malformed},
		"invalid UTF-8 in the signature is malformed":       {code: green[:len(green)-1] + "\xff", reason: mapping.Malformed},
		"a code over 4096 bytes is malformed":               {code: green + strings.Repeat("A", 4096), reason: mapping.Malformed},
		"a lower-case prefix is malformed":                  {code: "ssm2" + strings.TrimPrefix(green, "SSM2"), reason: mapping.Malformed},
		"another version's prefix is malformed":             {code: "SSM3" + strings.TrimPrefix(green, "SSM2"), reason: mapping.Malformed},
		"the empty string is malformed":                     {code: "", reason: mapping.Malformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := w.dec.Decode(tc.code, w.env)
			if tc.reason != mapping.ReasonNone {
				if c != nil || err == nil {
					t.Fatalf("decoded %+v, want %s", c, tc.reason)
				}
				var p *mapping.Problem
				if !errors.As(err, &p) || p.Reason != tc.reason {
					t.Fatalf("error %v, want %s", err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if c.Status != tc.status {
				t.Errorf("status %s, want %s", c.Status, tc.status)
			}
			if c.Kid != shKey.Kid() {
				t.Errorf("kid %s, want Shanghai's %s", c.Kid, shKey.Kid())
			}
		})
	}
}

func TestDecodeFillsTheNationalModel(t *testing.T) {
	w := newWorld(t)
	k := w.key(t, "sh")
	c, err := w.dec.Decode(encode(t, k, claims("1")), w.env)
	if err != nil {
		t.Fatal(err)
	}
	issued := testkit.GoldenTime.Add(-time.Minute)
	want := adapters.Code{Format: sh.Format, Iss: sh.Region, Org: sh.Region, ID: "sh-code-1", Signed: true, Kid: k.Kid(),
		Status: mapping.Yellow, StatusAt: issued, IssuedAt: issued, Expires: issued.Add(time.Hour),
		Holder: mapping.Holder{Name: maskedName, ID: maskedID}}
	if fmt.Sprintf("%#v", *c) != fmt.Sprintf("%#v", want) {
		t.Fatalf("decoded\n%#v\nwant\n%#v", *c, want)
	}
	if c.IssuedAt.Location() != time.UTC || c.Expires.Location() != time.UTC {
		t.Error("times are not UTC")
	}
}

// registryWith builds a registry anchored in the golden root holding the
// given endorsement and revocation tokens.
func registryWith(t *testing.T, w *world, tokens ...string) adapters.Env {
	t.Helper()
	reg := trust.NewRegistry(trust.Anchors{w.g.Root.Kid(): w.g.Root.Public()}, nil)
	n, bad, err := reg.AddAny(t.Context(), tokens)
	if err != nil || len(bad) > 0 || n != len(tokens) {
		t.Fatalf("registry: added %d of %d, refused %v, err %v", n, len(tokens), bad, err)
	}
	return adapters.Env{Trust: reg.Snapshot(), Skew: 60 * time.Second}
}

func endorse(t *testing.T, w *world, k trust.Signer, sub string, use ...trust.Use) string {
	t.Helper()
	tok, err := trust.SignEndorsement(w.g.Root, trust.EndorsementSpec{Key: k.Public(), Sub: sub, Use: use,
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC),
		IssuedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), JTI: "t-" + k.Kid()[:8]})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestKeySearch(t *testing.T) {
	w := newWorld(t)
	code := encode(t, w.key(t, "sh"), claims("0"))
	ed := testkit.Key(t, jwa.EdDSA)
	es := testkit.Key(t, jwa.ES256)
	codeByEd := encode(t, ed, claims("0"))

	tests := map[string]struct {
		env    adapters.Env
		code   string
		reason mapping.Reason
	}{
		"a registry with no key of 310000 at all says unknown_issuer": {
			env: registryWith(t, w, endorse(t, w, w.key(t, "zj"), "330000", trust.UseCodes),
				endorse(t, w, w.key(t, "bj"), "110000", trust.UseCodes)),
			code: code, reason: mapping.UnknownIssuer},
		"an empty registry says unknown_issuer": {env: registryWith(t, w), code: code, reason: mapping.UnknownIssuer},
		"no registry at all says unknown_issuer (fail closed)": {
			env: adapters.Env{Skew: time.Minute}, code: code, reason: mapping.UnknownIssuer},
		"310000 with only an ES256 key has no Ed25519 key: unknown_issuer": {
			env: registryWith(t, w, endorse(t, w, es, "310000", trust.UseCodes)), code: code, reason: mapping.UnknownIssuer},
		"another Ed25519 key of 310000 does not verify Shanghai's code: bad_signature": {
			env: registryWith(t, w, endorse(t, w, ed, "310000", trust.UseCodes)), code: code, reason: mapping.BadSignature},
		"a 310000 key endorsed for status answers only cannot sign codes": {
			env: registryWith(t, w, endorse(t, w, ed, "310000", trust.UseStatus)), code: codeByEd, reason: mapping.ScopeViolation},
		"the second of two Ed25519 keys of 310000 is found": {
			env:  registryWith(t, w, endorse(t, w, w.key(t, "sh"), "310000", trust.UseCodes), endorse(t, w, ed, "310000", trust.UseCodes)),
			code: codeByEd},
		"a key in force wins over a revoked one (the golden registry holds both)": {env: w.env, code: code},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := w.dec.Decode(tc.code, tc.env)
			if got := mapping.ReasonOf(err); got != tc.reason {
				t.Fatalf("reason %q (%v), want %q", got, err, tc.reason)
			}
			if tc.reason == mapping.ReasonNone && (c == nil || c.Status != mapping.Green) {
				t.Fatalf("decoded %+v", c)
			}
		})
	}
}

func TestNew(t *testing.T) {
	other, err := mapping.ParseTable("sh-v1.yaml", []byte("format: sh-v1\nregion: \"330000\"\nstatus:\n  \"0\": green\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		tables mapping.Tables
		ok     bool
	}{
		"the shipped tables give an adapter":           {tables: nil, ok: true},
		"no sh-v1 table is refused":                    {tables: mapping.Tables{}},
		"an sh-v1 table for another region is refused": {tables: mapping.Tables{sh.Format: other}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.tables == nil {
				a := newAdapter(t)
				if a.Format() != sh.Format || len(a.Prefixes()) != 1 || a.Prefixes()[0] != sh.Prefix {
					t.Fatalf("format %s prefixes %q", a.Format(), a.Prefixes())
				}
				return
			}
			a, err := sh.New(tc.tables)
			if tc.ok != (err == nil) || (err == nil) != (a != nil) {
				t.Fatalf("adapter %v, err %v", a, err)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	w := newWorld(t)
	k := w.key(t, "sh")
	tests := map[string]struct {
		signer trust.Signer
		claims sh.Claims
		ok     bool
	}{
		"full values are masked and signed":          {signer: k, claims: claims("0"), ok: true},
		"already masked values are accepted":         {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.Name, c.ID = maskedName, maskedID }), ok: true},
		"an ES256 key is refused (sh-v1 is Ed25519)": {signer: w.key(t, "zj"), claims: claims("0")},
		"no signer is refused":                       {claims: claims("0")},
		"an empty code id is refused":                {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.CodeID = "" })},
		"a code id with a bar is refused":            {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.CodeID = "a|b" })},
		"a state with a bar is refused":              {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.State = "0|1" })},
		"issued 0 is refused":                        {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.Issued = 0 })},
		"a ttl of 0 is refused":                      {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.TTL = 0 })},
		"a ttl over seven days is refused":           {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.TTL = sh.MaxTTL + 1 })},
		"an empty name is refused":                   {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.Name = "" })},
		"a name ending in a bar is refused":          {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.Name = "张三|" })},
		"a name with a bar inside is masked away":    {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.Name = "张|三" }), ok: true},
		"an id with a bar is refused":                {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.ID = "3101|0119900101123" })},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, err := sh.Encode(tc.signer, tc.claims)
			if !tc.ok {
				if err == nil {
					t.Fatalf("encoded %q", code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := "SSM2|sh-code-1|0|" + fmt.Sprint(tc.claims.Issued) + "|3600|" + maskedName + "|" + maskedID + "|"
			if !strings.HasPrefix(code, want) {
				t.Fatalf("code %q, want it to start with %q", code, want)
			}
			if _, err := w.dec.Decode(code, w.env); err != nil {
				t.Fatalf("does not decode: %v", err)
			}
		})
	}
}

// Ed25519 is deterministic: the same claims and key give the same code, so
// the golden vectors can be regenerated without churn.
func TestEncodeIsDeterministic(t *testing.T) {
	w := newWorld(t)
	a, b := encode(t, w.key(t, "sh"), claims("0")), encode(t, w.key(t, "sh"), claims("0"))
	if a != b {
		t.Fatalf("%q != %q", a, b)
	}
}

// TestNoFullIdentityLeaves feeds the full name and identity number through
// every path (codes carrying them in any field, claims Encode refuses) and
// looks for them, and for their parts, in everything that comes back.
func TestNoFullIdentityLeaves(t *testing.T) {
	w := newWorld(t)
	k := w.key(t, "sh")
	valid := fields(claims("0"))
	codes := []string{
		encode(t, k, claims("0")),
		encode(t, k, claims("9")),
		signRaw(t, k, set(valid, 5, fullName)...),
		signRaw(t, k, set(valid, 6, fullID)...),
		signRaw(t, k, set(set(valid, 5, fullName), 6, fullID)...),
		signRaw(t, k, set(valid, 2, fullID)...),
		signRaw(t, k, set(valid, 3, fullID)...),
		signRaw(t, k, set(valid, 4, fullID)...),
		signRaw(t, k, set(valid, 1, fullName)...),
		signRaw(t, k, set(valid, 2, fullName)...),
		strings.Join(valid, "|") + "|" + fullID,
		strings.Join(set(valid, 5, fullName), "|") + "|" + fullName,
		strings.Join(set(valid, 5, fullName), "|"),
		strings.Join(set(valid, 6, fullID), "|") + "|x|y",
		signRaw(t, w.key(t, "sh-revoked"), set(valid, 5, fullName)...),
		encode(t, w.key(t, "sh-revoked"), claims("0")),
		signRaw(t, w.key(t, "rogue"), valid...),
	}
	secrets := []string{fullName, fullID, "小", "19900101", "0101199001"}
	check := func(t *testing.T, what string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(what, s) {
				t.Fatalf("%q leaks %q", what, s)
			}
		}
	}
	for i, code := range codes {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			c, err := w.dec.Decode(code, w.env)
			if err != nil {
				check(t, err.Error())
				check(t, fmt.Sprintf("%#v", err))
			}
			if c != nil {
				check(t, fmt.Sprintf("%#v", *c))
				check(t, c.Holder.Name+c.Holder.ID+c.ID+c.Kid)
			}
		})
	}
	for _, c := range []sh.Claims{
		with(claims("0"), func(c *sh.Claims) { c.CodeID = fullID + "!" }),
		with(claims("0"), func(c *sh.Claims) { c.State = fullID }),
		with(claims("0"), func(c *sh.Claims) { c.Name = fullName + "\n" + fullID }),
		with(claims("0"), func(c *sh.Claims) { c.ID = fullID + "!" }),
		with(claims("0"), func(c *sh.Claims) { c.ID = fullName }),
	} {
		_, err := sh.Encode(k, c)
		if err == nil {
			t.Fatalf("encoded %+v", c)
		}
		check(t, err.Error())
	}
}
