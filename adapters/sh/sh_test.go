package sh_test

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

func TestDecode(t *testing.T) {
	w := newWorld(t)
	shKey := w.Key(t, "sh")
	green := encode(t, shKey, claims("0"))
	red := encode(t, shKey, claims("2"))
	valid := fields(claims("0"))
	stranger := testkit.Key(t, jwa.EdDSA) // Ed25519, endorsed by nobody

	w.RunDecode(t, map[string]adaptertest.DecodeCase{
		"a green code signed by Shanghai's key is green":  {Code: green, Status: mapping.Green},
		"a yellow code is yellow":                         {Code: encode(t, shKey, claims("1")), Status: mapping.Yellow},
		"a red code is red":                               {Code: red, Status: mapping.Red},
		"a grey code is grey":                             {Code: encode(t, shKey, claims("9")), Status: mapping.Grey},
		"an unknown state is grey, never green":           {Code: encode(t, shKey, claims("7")), Status: mapping.Grey},
		"an unknown alphanumeric state is grey":           {Code: encode(t, shKey, claims("G")), Status: mapping.Grey},
		"a state of eight characters is read (and grey)":  {Code: encode(t, shKey, claims("00000000")), Status: mapping.Grey},
		"a one-character name is its own mask":            {Code: encode(t, shKey, with(claims("0"), func(c *sh.Claims) { c.Name = "张" })), Status: mapping.Green},
		"a 64-character cid and a seven-day ttl are read": {Code: encode(t, shKey, with(claims("0"), func(c *sh.Claims) { c.CodeID, c.TTL = strings.Repeat("a-_Z9", 12)+"abcd", sh.MaxTTL })), Status: mapping.Green},
		"a one-second ttl is read (the verifier expires)": {Code: encode(t, shKey, with(claims("2"), func(c *sh.Claims) { c.TTL = 1 })), Status: mapping.Red},
		"a code issued in the future is read (the verifier decides)": {
			Code: encode(t, shKey, with(claims("0"), func(c *sh.Claims) { c.Issued = testkit.GoldenTime.Add(time.Hour).Unix() })), Status: mapping.Green},

		"a tampered signature is a bad signature":                      {Code: flipSig(green), Reason: fault.BadSignature},
		"a tampered state field (red made green) is a bad signature":   {Code: replaceField(red, 2, "0"), Reason: fault.BadSignature},
		"a tampered ttl is a bad signature":                            {Code: replaceField(green, 4, "604800"), Reason: fault.BadSignature},
		"a tampered cid is a bad signature":                            {Code: replaceField(green, 1, "sh-code-2"), Reason: fault.BadSignature},
		"a tampered masked name is a bad signature":                    {Code: replaceField(green, 5, "李*四"), Reason: fault.BadSignature},
		"a signature by rogue (not Shanghai's key) is a bad signature": {Code: signRaw(t, w.Key(t, "rogue"), valid...), Reason: fault.BadSignature},
		"a signature by an unendorsed Ed25519 key is a bad signature":  {Code: signRaw(t, stranger, valid...), Reason: fault.BadSignature},
		"a signature by Zhejiang's key is a bad signature":             {Code: signRaw(t, w.Key(t, "zj"), valid...), Reason: fault.BadSignature},
		"a signature by the hub's Ed25519 key is a bad signature (no trial outside 310000)": {
			Code: signRaw(t, w.Key(t, "hub"), valid...), Reason: fault.BadSignature},
		"a signature by Beijing's Ed25519 key is a bad signature": {Code: signRaw(t, w.Key(t, "bj"), valid...), Reason: fault.BadSignature},
		"a signature of zero bytes of the right length is a bad signature": {
			Code: strings.Join(valid, "|") + "|" + testkit.B64(make([]byte, 64)), Reason: fault.BadSignature},
		"a code signed by the revoked Shanghai key is revoked_key": {Code: encode(t, w.Key(t, "sh-revoked"), claims("0")), Reason: fault.RevokedKey},
		"a code issued before its key's endorsement is key_not_valid": {
			Code:   encode(t, shKey, with(claims("0"), func(c *sh.Claims) { c.Issued = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC).Unix() })),
			Reason: fault.KeyNotValid},

		"seven fields are malformed":                        {Code: strings.Join(valid, "|"), Reason: fault.Malformed},
		"nine fields are malformed":                         {Code: green + "|x", Reason: fault.Malformed},
		"a bare prefix is malformed":                        {Code: sh.Prefix, Reason: fault.Malformed},
		"an empty cid is malformed":                         {Code: signRaw(t, shKey, set(valid, 1, "")...), Reason: fault.Malformed},
		"an empty state is malformed":                       {Code: signRaw(t, shKey, set(valid, 2, "")...), Reason: fault.Malformed},
		"an empty name is malformed":                        {Code: signRaw(t, shKey, set(valid, 5, "")...), Reason: fault.Malformed},
		"an empty id is malformed":                          {Code: signRaw(t, shKey, set(valid, 6, "")...), Reason: fault.Malformed},
		"an empty signature is malformed":                   {Code: strings.Join(valid, "|") + "|", Reason: fault.Malformed},
		"a cid of 65 characters is malformed":               {Code: signRaw(t, shKey, set(valid, 1, strings.Repeat("a", 65))...), Reason: fault.Malformed},
		"a cid with a dot is malformed":                     {Code: signRaw(t, shKey, set(valid, 1, "sh.code")...), Reason: fault.Malformed},
		"a state with a space is malformed":                 {Code: signRaw(t, shKey, set(valid, 2, "0 ")...), Reason: fault.Malformed},
		"a state of nine characters is malformed":           {Code: signRaw(t, shKey, set(valid, 2, "000000000")...), Reason: fault.Malformed},
		"a non-numeric issued is malformed":                 {Code: signRaw(t, shKey, set(valid, 3, "yesterday")...), Reason: fault.Malformed},
		"a negative issued is malformed":                    {Code: signRaw(t, shKey, set(valid, 3, "-1795420740")...), Reason: fault.Malformed},
		"a plus-signed issued is malformed":                 {Code: signRaw(t, shKey, set(valid, 3, "+1795420740")...), Reason: fault.Malformed},
		"an issued with a leading zero is malformed":        {Code: signRaw(t, shKey, set(valid, 3, "0"+valid[3])...), Reason: fault.Malformed},
		"an issued with a leading space is malformed":       {Code: signRaw(t, shKey, set(valid, 3, " "+valid[3])...), Reason: fault.Malformed},
		"an issued in exponent form is malformed":           {Code: signRaw(t, shKey, set(valid, 3, "1.79542074e9")...), Reason: fault.Malformed},
		"an issued of 0 is malformed":                       {Code: signRaw(t, shKey, set(valid, 3, "0")...), Reason: fault.Malformed},
		"an issued beyond int64 is malformed":               {Code: signRaw(t, shKey, set(valid, 3, "9223372036854775808")...), Reason: fault.Malformed},
		"an issued after year 9999 is malformed":            {Code: signRaw(t, shKey, set(valid, 3, "253402300800")...), Reason: fault.Malformed},
		"an expiry after year 9999 is malformed":            {Code: signRaw(t, shKey, set(valid, 3, "253402300000")...), Reason: fault.Malformed},
		"a non-numeric ttl is malformed":                    {Code: signRaw(t, shKey, set(valid, 4, "1h")...), Reason: fault.Malformed},
		"a negative ttl is malformed":                       {Code: signRaw(t, shKey, set(valid, 4, "-3600")...), Reason: fault.Malformed},
		"a ttl with a leading zero is malformed":            {Code: signRaw(t, shKey, set(valid, 4, "03600")...), Reason: fault.Malformed},
		"a ttl of 0 is malformed":                           {Code: signRaw(t, shKey, set(valid, 4, "0")...), Reason: fault.Malformed},
		"a ttl of seven days and one second is malformed":   {Code: signRaw(t, shKey, set(valid, 4, "604801")...), Reason: fault.Malformed},
		"an unmasked name is malformed, whatever signs it":  {Code: signRaw(t, shKey, set(valid, 5, fullName)...), Reason: fault.Malformed},
		"a two-character full name is malformed":            {Code: signRaw(t, shKey, set(valid, 5, "张三")...), Reason: fault.Malformed},
		"a masked name with a leading space is malformed":   {Code: signRaw(t, shKey, set(valid, 5, " "+maskedName)...), Reason: fault.Malformed},
		"an unmasked id is malformed, whatever signs it":    {Code: signRaw(t, shKey, set(valid, 6, fullID)...), Reason: fault.Malformed},
		"a masked id with a lower-case x is malformed":      {Code: signRaw(t, shKey, set(valid, 6, "3101**********123x")...), Reason: fault.Malformed},
		"a half-masked id is malformed":                     {Code: signRaw(t, shKey, set(valid, 6, "310101******011234")...), Reason: fault.Malformed},
		"a signature in standard base64 is malformed":       {Code: strings.Join(valid, "|") + "|" + strings.Repeat("+/", 43), Reason: fault.Malformed},
		"a padded signature is malformed":                   {Code: strings.Join(valid, "|") + "|" + testkit.B64(make([]byte, 64)) + "==", Reason: fault.Malformed},
		"a signature with stray bits in its last character": {Code: strings.Join(valid, "|") + "|" + strings.Repeat("A", 85) + "B", Reason: fault.Malformed},
		"a signature of 63 bytes is malformed":              {Code: strings.Join(valid, "|") + "|" + testkit.B64(make([]byte, 63)), Reason: fault.Malformed},
		"a signature of 65 bytes is malformed":              {Code: strings.Join(valid, "|") + "|" + testkit.B64(make([]byte, 65)), Reason: fault.Malformed},
		"a trailing newline is malformed":                   {Code: green + "\n", Reason: fault.Malformed},
		"a newline inside the signature is malformed":       {Code: green[:len(green)-10] + "\r\n" + green[len(green)-10:], Reason: fault.Malformed},
		"invalid UTF-8 in the name is malformed":            {Code: signRaw(t, shKey, set(valid, 5, "\xe5\xbc*\xe4\xb8\x89")...), Reason: fault.Malformed},
		"invalid UTF-8 in the signature is malformed":       {Code: green[:len(green)-1] + "\xff", Reason: fault.Malformed},
		"a code over 4096 bytes is malformed":               {Code: green + strings.Repeat("A", 4096), Reason: fault.Malformed},
		"a lower-case prefix is malformed":                  {Code: "ssm2" + strings.TrimPrefix(green, "SSM2"), Reason: fault.Malformed},
		"another version's prefix is malformed":             {Code: "SSM3" + strings.TrimPrefix(green, "SSM2"), Reason: fault.Malformed},
		"the empty string is malformed":                     {Code: "", Reason: fault.Malformed},
	}, func(t *testing.T, _ string, c *adapters.Code) {
		if c.Kid != shKey.Kid() {
			t.Errorf("kid %s, want Shanghai's %s", c.Kid, shKey.Kid())
		}
	})
}

func TestDecodeFillsTheNationalModel(t *testing.T) {
	w := newWorld(t)
	k := w.Key(t, "sh")
	code := encode(t, k, claims("1"))
	c, err := w.Dec.Decode(code, w.Env)
	if err != nil {
		t.Fatal(err)
	}
	issued := testkit.GoldenTime.Add(-time.Minute)
	want := adapters.Code{Format: sh.Format, Iss: sh.Region, Org: sh.Region, ID: "sh-code-1", Signed: true, Kid: k.Kid(),
		Status: mapping.Yellow, StatusAt: issued, IssuedAt: issued, Expires: issued.Add(time.Hour),
		Holder: mapping.Holder{Name: maskedName, ID: maskedID}, Digest: sha256.Sum256([]byte(code))}
	adaptertest.SameCode(t, c, want)
	if c.IssuedAt.Location() != time.UTC || c.Expires.Location() != time.UTC {
		t.Error("times are not UTC")
	}
}

// registryWith is an env whose registry, anchored in the golden root, holds
// the given endorsement and revocation tokens.
func registryWith(t *testing.T, w *adaptertest.World, tokens ...string) *adapters.Env {
	t.Helper()
	env := adaptertest.TrustEnv(t, w.G, tokens...)
	return &env
}

func endorse(t *testing.T, w *adaptertest.World, k trust.Signer, sub string, use ...trust.Use) string {
	t.Helper()
	tok, err := trust.SignEndorsement(w.G.Root, trust.EndorsementSpec{Key: k.Public(), Sub: sub, Use: use,
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC),
		IssuedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), JTI: "t-" + k.Kid()[:8]})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestKeySearch(t *testing.T) {
	w := newWorld(t)
	code := encode(t, w.Key(t, "sh"), claims("0"))
	ed := testkit.Key(t, jwa.EdDSA)
	es := testkit.Key(t, jwa.ES256)
	codeByEd := encode(t, ed, claims("0"))

	w.RunDecode(t, map[string]adaptertest.DecodeCase{
		"a registry with no key of 310000 at all says unknown_issuer": {
			Env: registryWith(t, w, endorse(t, w, w.Key(t, "zj"), "330000", trust.UseCodes),
				endorse(t, w, w.Key(t, "bj"), "110000", trust.UseCodes)),
			Code: code, Reason: fault.UnknownIssuer},
		"an empty registry says unknown_issuer": {Env: registryWith(t, w), Code: code, Reason: fault.UnknownIssuer},
		"no registry at all says unknown_issuer (fail closed)": {
			Env: &adapters.Env{Skew: time.Minute}, Code: code, Reason: fault.UnknownIssuer},
		"310000 with only an ES256 key has no Ed25519 key: unknown_issuer": {
			Env: registryWith(t, w, endorse(t, w, es, "310000", trust.UseCodes)), Code: code, Reason: fault.UnknownIssuer},
		"another Ed25519 key of 310000 does not verify Shanghai's code: bad_signature": {
			Env: registryWith(t, w, endorse(t, w, ed, "310000", trust.UseCodes)), Code: code, Reason: fault.BadSignature},
		"a 310000 key endorsed for status answers only cannot sign codes": {
			Env: registryWith(t, w, endorse(t, w, ed, "310000", trust.UseStatus)), Code: codeByEd, Reason: fault.ScopeViolation},
		"the second of two Ed25519 keys of 310000 is found": {
			Env:  registryWith(t, w, endorse(t, w, w.Key(t, "sh"), "310000", trust.UseCodes), endorse(t, w, ed, "310000", trust.UseCodes)),
			Code: codeByEd, Status: mapping.Green},
		"a key in force wins over a revoked one (the golden registry holds both)": {Env: &w.Env, Code: code, Status: mapping.Green},
	}, nil)
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
	k := w.Key(t, "sh")
	tests := map[string]struct {
		signer trust.Signer
		claims sh.Claims
		ok     bool
	}{
		"full values are masked and signed":          {signer: k, claims: claims("0"), ok: true},
		"already masked values are accepted":         {signer: k, claims: with(claims("0"), func(c *sh.Claims) { c.Name, c.ID = maskedName, maskedID }), ok: true},
		"an ES256 key is refused (sh-v1 is Ed25519)": {signer: w.Key(t, "zj"), claims: claims("0")},
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
			code, err := provsim.EncodeSH(tc.signer, tc.claims)
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
			if _, err := w.Dec.Decode(code, w.Env); err != nil {
				t.Fatalf("does not decode: %v", err)
			}
		})
	}
}

// Ed25519 is deterministic: the same claims and key give the same code, so
// the golden vectors can be regenerated without churn.
func TestEncodeIsDeterministic(t *testing.T) {
	w := newWorld(t)
	a, b := encode(t, w.Key(t, "sh"), claims("0")), encode(t, w.Key(t, "sh"), claims("0"))
	if a != b {
		t.Fatalf("%q != %q", a, b)
	}
}

// TestNoFullIdentityLeaves feeds the full name and identity number through
// every path (codes carrying them in any field, claims Encode refuses) and
// looks for them, and for their parts, in everything that comes back.
func TestNoFullIdentityLeaves(t *testing.T) {
	w := newWorld(t)
	k := w.Key(t, "sh")
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
		signRaw(t, w.Key(t, "sh-revoked"), set(valid, 5, fullName)...),
		encode(t, w.Key(t, "sh-revoked"), claims("0")),
		signRaw(t, w.Key(t, "rogue"), valid...),
	}
	secrets := []string{fullName, fullID, "小", "19900101", "0101199001"}
	for i, code := range codes {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			c, err := w.Dec.Decode(code, w.Env)
			adaptertest.NoLeak(t, secrets, adaptertest.Texts(t, c, err)...)
		})
	}
	for _, c := range []sh.Claims{
		with(claims("0"), func(c *sh.Claims) { c.CodeID = fullID + "!" }),
		with(claims("0"), func(c *sh.Claims) { c.State = fullID }),
		with(claims("0"), func(c *sh.Claims) { c.Name = fullName + "\n" + fullID }),
		with(claims("0"), func(c *sh.Claims) { c.ID = fullID + "!" }),
		with(claims("0"), func(c *sh.Claims) { c.ID = fullName }),
	} {
		_, err := provsim.EncodeSH(k, c)
		if err == nil {
			t.Fatalf("encoded %+v", c)
		}
		adaptertest.NoLeak(t, secrets, err.Error())
	}
}
