package eudcc_test

import (
	"bytes"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/veraison/go-cose"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/eudcc"
	"github.com/hcgw/hcgw/adapters/eudcc/base45"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// TestDecode runs every case twice: with the document signers checking
// through crypto/ecdsa (go-cose's way), and through their tables from the
// first use (trust/p256), with the same answers.
func TestDecode(t *testing.T) {
	for _, after := range []int{0xffff, 1} {
		t.Run(map[int]string{0xffff: "crypto/ecdsa", 1: "key tables"}[after], func(t *testing.T) {
			defer trust.SetTableAfter(trust.SetTableAfter(after))
			built := trust.KeyTablesBuilt()
			testDecode(t)
			if n := trust.KeyTablesBuilt() - built; (after == 1) != (n > 0) {
				t.Fatalf("%d tables built, tables from use %d", n, after)
			}
		})
	}
}

func testDecode(t *testing.T) {
	de := newSigner(t, signerSpec{country: "DE"})
	ps := newSigner(t, signerSpec{rsa: true, country: "FR"})
	testsOnly := newSigner(t, signerSpec{ekus: []asn1.ObjectIdentifier{ekuTest}})
	vaccOnly := newSigner(t, signerSpec{ekus: []asn1.ObjectIdentifier{ekuVaccination}})
	anon := newSigner(t, signerSpec{}) // no country in its certificate
	stranger := newSigner(t, signerSpec{country: "DE"})
	revoked := newSigner(t, signerSpec{country: "DE"})
	w := newWorld(t, de, ps, testsOnly, vaccOnly, anon, revoked)

	root := testkit.NewRoot(t)
	reg := trust.NewRegistry(root.Anchors(), nil)
	for _, s := range []*signer{de, revoked} {
		if _, err := reg.AddDSCs(s.dsc); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := reg.AddRevocation(t.Context(), root.Revoke(revoked.dsc.Kid)); err != nil {
		t.Fatal(err)
	}
	revEnv := adapters.Env{Trust: reg.Snapshot(), Skew: time.Minute, Now: now}

	signed := func(s *signer, iss string, dcc map[string]any, o signOpts) string {
		return qr(t, s.sign(t, claims(t, iss, issued, expires, dcc), o))
	}
	full := vaccination(2, 2)
	sampled := now.Add(-6 * time.Hour)
	type tc struct {
		code   string
		env    *adapters.Env
		reason fault.Kind
		status mapping.Status
		check  func(t *testing.T, c *adapters.Code)
	}
	tests := map[string]tc{
		"a complete vaccination is green": {code: signed(de, "DE", full, signOpts{}), status: mapping.Green, check: func(t *testing.T, c *adapters.Code) {
			want := mapping.Cert{Type: "vaccination", State: eudcc.StateVaccinationComplete, Country: "AT", BirthYear: "1998",
				Dose: 2, Doses: 2, Product: "EU/1/20/1528", Date: "2026-03-01"}
			if *c.Cert != want {
				t.Errorf("cert %+v, want %+v", *c.Cert, want)
			}
			if c.Format != eudcc.Format || c.Iss != "eu:DE" || c.Org != "eu:DE" || !c.Signed || c.Kid != de.dsc.Kid {
				t.Errorf("code %+v", c)
			}
			if !c.IssuedAt.Equal(issued) || !c.Expires.Equal(expires) || !c.StatusAt.Equal(issued) {
				t.Errorf("times %s %s %s", c.IssuedAt, c.Expires, c.StatusAt)
			}
			if c.Holder.Name != "M"+strings.Repeat("*", 26)+"e" || c.Holder.ID != "" {
				t.Errorf("holder %#v", c.Holder)
			}
			if c.Vac == nil || *c.Vac != 2 || c.NAT != nil {
				t.Errorf("vac %v nat %v", c.Vac, c.NAT)
			}
			if c.ID != "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B" {
				t.Errorf("id %q", c.ID)
			}
		}},
		"a booster is green":                      {code: signed(de, "DE", vaccination(3, 2), signOpts{}), status: mapping.Green},
		"a first dose of two is grey":             {code: signed(de, "DE", vaccination(1, 2), signOpts{}), status: mapping.Grey},
		"a dose outside the schema is grey":       {code: signed(de, "DE", vaccination(0, 2), signOpts{}), status: mapping.Grey},
		"PS256 with an RSA signer":                {code: signed(ps, "FR", full, signOpts{}), status: mapping.Green},
		"untagged COSE":                           {code: signed(de, "DE", full, signOpts{untagged: true}), status: mapping.Green},
		"COSE tagged as a CWT":                    {code: signed(de, "DE", full, signOpts{cwtTag: true}), status: mapping.Green},
		"the kid in the unprotected header only":  {code: signed(de, "DE", full, signOpts{noKid: true, unprotKid: de.kid}), status: mapping.Green},
		"a wrong unprotected kid does not matter": {code: signed(de, "DE", full, signOpts{unprotKid: revoked.kid}), status: mapping.Green},
		"a negative NAAT is green": {code: signed(de, "DE", test("260415000", sampled), signOpts{}), status: mapping.Green, check: func(t *testing.T, c *adapters.Code) {
			if c.Cert.Type != "test" || c.Cert.TestType != "naat" || c.Cert.Result != "negative" || c.Cert.SampledAt != sampled.Format(time.RFC3339) || c.Cert.BirthYear != "1998" {
				t.Errorf("cert %+v", *c.Cert)
			}
			if c.NAT == nil || c.NAT.Result != mapping.NATNegative || c.NAT.Time != sampled.Unix() || !c.StatusAt.Equal(sampled) {
				t.Errorf("nat %+v status at %s", c.NAT, c.StatusAt)
			}
		}},
		"a positive test is grey":          {code: signed(de, "DE", test("260373001", sampled), signOpts{}), status: mapping.Grey},
		"an unknown test result is grey":   {code: signed(de, "DE", test("123", sampled), signOpts{}), status: mapping.Grey},
		"a test sampled in the future":     {code: signed(de, "DE", test("260415000", now.Add(time.Hour)), signOpts{}), reason: fault.NotYetValid},
		"a valid recovery is green":        {code: signed(de, "DE", recovery("2026-02-01", "2026-06-01"), signOpts{}), status: mapping.Green},
		"a recovery not yet valid is grey": {code: signed(de, "DE", recovery("2026-06-02", "2026-12-01"), signOpts{}), status: mapping.Grey},
		"a lapsed recovery is grey":        {code: signed(de, "DE", recovery("2026-01-01", "2026-05-31"), signOpts{}), status: mapping.Grey},
		"a recovery with no validation time is grey": {code: signed(de, "DE", recovery("2026-02-01", "2026-06-01"), signOpts{}),
			env: &adapters.Env{Trust: w.env.Trust, Skew: time.Minute}, status: mapping.Grey},
		"the issuer country from the signer when iss is not one": {code: signed(de, "Ministry of Health", full, signOpts{}), status: mapping.Green,
			check: func(t *testing.T, c *adapters.Code) {
				if c.Org != "eu:DE" {
					t.Errorf("org %q", c.Org)
				}
			}},
		"no country anywhere": {code: signed(anon, "", full, signOpts{}), status: mapping.Green, check: func(t *testing.T, c *adapters.Code) {
			if c.Org != eudcc.OrgUnknownCountry {
				t.Errorf("org %q", c.Org)
			}
		}},
		"a test from a test-only signer": {code: signed(testsOnly, "SE", test("260415000", sampled), signOpts{}), status: mapping.Green},

		"another country's certificate":                {code: signed(de, "FR", full, signOpts{}), reason: fault.ScopeViolation},
		"a vaccination from a test-only signer":        {code: signed(testsOnly, "SE", full, signOpts{}), reason: fault.ScopeViolation},
		"a vaccination from a vaccination-only signer": {code: signed(vaccOnly, "SE", full, signOpts{}), status: mapping.Green},
		"a test from a vaccination-only signer":        {code: signed(vaccOnly, "SE", test("260415000", sampled), signOpts{}), reason: fault.ScopeViolation},
		"two vaccinations in one certificate":          {code: signed(de, "DE", twoEntries(), signOpts{}), reason: fault.Malformed},
		"a vaccination and a test":                     {code: signed(de, "DE", mixed(sampled), signOpts{}), reason: fault.Malformed},
		"no entry":                                     {code: signed(de, "DE", map[string]any{"ver": "1.3.0", "nam": name()}, signOpts{}), reason: fault.Malformed},
		"an unknown kid":                               {code: signed(stranger, "DE", full, signOpts{}), reason: fault.UnknownKey},
		"a kid of the wrong length":                    {code: signed(de, "DE", full, signOpts{kid: de.kid[:7]}), reason: fault.UnknownKey},
		"no kid at all":                                {code: signed(de, "DE", full, signOpts{noKid: true}), reason: fault.Malformed},
		"a wrong protected kid wins":                   {code: signed(de, "DE", full, signOpts{kid: stranger.kid, unprotKid: de.kid}), reason: fault.UnknownKey},
		"another key under the signer's kid":           {code: signed(de, "DE", full, signOpts{signWithAs: stranger}), reason: fault.BadSignature},
		"ES256 signed, header says PS256":              {code: signed(de, "DE", full, signOpts{alg: cose.AlgorithmPS256}), reason: fault.BadSignature},
		"PS256 signed, header says ES256":              {code: signed(ps, "FR", full, signOpts{alg: cose.AlgorithmES256}), reason: fault.BadSignature},
		"ES256 signed, header says EdDSA":              {code: signed(de, "DE", full, signOpts{alg: cose.AlgorithmEdDSA}), reason: fault.BadSignature},
		"a critical header":                            {code: signed(de, "DE", full, signOpts{crit: true}), reason: fault.Malformed},
		"a revoked signer":                             {code: signed(revoked, "DE", full, signOpts{}), env: &revEnv, reason: fault.RevokedKey},
		"a signer's other certificate, unrevoked":      {code: signed(de, "DE", full, signOpts{}), env: &revEnv, status: mapping.Green},
		"issued before the signer's window": {code: qr(t, de.sign(t, claims(t, "DE", dscFrom.Add(-time.Hour), expires, full), signOpts{})),
			reason: fault.KeyNotValid},
		"expiring after the signer": {code: qr(t, de.sign(t, claims(t, "DE", issued, dscTo.Add(time.Hour), full), signOpts{})),
			reason: fault.KeyNotValid},
		"a tampered payload": {code: qr(t, bytes.Replace(de.sign(t, claims(t, "DE", issued, expires, full), signOpts{}),
			[]byte("Gabriele"), []byte("Gabriela"), 1)), reason: fault.BadSignature},

		"not compressed":                  {code: eudcc.Prefix + base45.Encode(de.sign(t, claims(t, "DE", issued, expires, full), signOpts{})), reason: fault.Malformed},
		"bytes after the zlib stream":     {code: eudcc.Prefix + base45.Encode(append(deflate(t, de.sign(t, claims(t, "DE", issued, expires, full), signOpts{})), 0)), reason: fault.Malformed},
		"a decompression bomb":            {code: eudcc.Prefix + base45.Encode(deflate(t, make([]byte, eudcc.MaxInflated+1))), reason: fault.Malformed},
		"lower-case Base45":               {code: strings.ToLower(signed(de, "DE", full, signOpts{})), reason: fault.UnrecognizedFormat},
		"Base45 with a lower-case letter": {code: eudcc.Prefix + "a" + strings.TrimPrefix(signed(de, "DE", full, signOpts{}), eudcc.Prefix)[1:], reason: fault.Malformed},
		"the prefix alone":                {code: eudcc.Prefix, reason: fault.Malformed},
		"HC2":                             {code: "HC2:" + strings.TrimPrefix(signed(de, "DE", full, signOpts{}), eudcc.Prefix), reason: fault.UnrecognizedFormat},
		"a CBOR map instead of COSE":      {code: qr(t, claims(t, "DE", issued, expires, full)), reason: fault.Malformed},
		"COSE without iat": {code: qr(t, de.sign(t, mustCBOR(t, map[any]any{int64(4): expires.Unix(), int64(-260): map[any]any{int64(1): full}}), signOpts{})),
			reason: fault.Malformed},
		"COSE without hcert": {code: qr(t, de.sign(t, mustCBOR(t, map[any]any{int64(4): expires.Unix(), int64(6): issued.Unix()}), signOpts{})),
			reason: fault.Malformed},
		"a certificate whose dose is text": {code: signed(de, "DE", withEntry(full, "v", "dn", "two"), signOpts{}), reason: fault.Malformed},
	}
	for name, c := range tests {
		t.Run(name, func(t *testing.T) {
			env := w.env
			if c.env != nil {
				env = *c.env
			}
			code, err := w.dec.Decode(c.code, env)
			if got := fault.ReasonOf(err); got != c.reason {
				t.Fatalf("reason %q (%v), want %q", got, err, c.reason)
			}
			if err != nil {
				var p *fault.Error
				if code != nil || !errors.As(err, &p) {
					t.Fatalf("code %v with error %v", code, err)
				}
				return
			}
			if code.Status != c.status {
				t.Fatalf("status %s, want %s (state %s)", code.Status, c.status, code.Cert.State)
			}
			checkDecoded(t, code)
			if c.check != nil {
				c.check(t, code)
			}
		})
	}
}

// checkDecoded asserts what every decoded certificate guarantees.
func checkDecoded(t testing.TB, c *adapters.Code) {
	t.Helper()
	if c.Format != eudcc.Format || !c.Signed || c.Cert == nil || !c.Status.Valid() {
		t.Fatalf("code %+v", c)
	}
	if c.Org != c.Iss || !(c.Org == eudcc.OrgUnknownCountry || strings.HasPrefix(c.Org, eudcc.OrgPrefix) && len(c.Org) == 5) {
		t.Fatalf("issuer %q org %q", c.Iss, c.Org)
	}
	if mapping.ValidRegion(c.Org) {
		t.Fatalf("a foreign issuer %q looks like a region", c.Org)
	}
	if c.Holder.ID != "" || c.Holder.Name != "" && !mapping.IsMaskedName(c.Holder.Name) {
		t.Fatalf("holder %#v", c.Holder)
	}
	if len(c.Cert.BirthYear) != 0 && len(c.Cert.BirthYear) != 4 {
		t.Fatalf("birth year %q", c.Cert.BirthYear)
	}
}

// Nothing of the holder but the masked name and the year of birth reaches
// the JSON of a decoded certificate.
func TestDecodedCertificateLeaksNothing(t *testing.T) {
	de := newSigner(t, signerSpec{country: "DE"})
	w := newWorld(t, de)
	for _, dcc := range []map[string]any{vaccination(2, 2), test("260415000", now.Add(-time.Hour)), recovery("2026-02-01", "2026-06-01")} {
		c, err := w.dec.Decode(qr(t, de.sign(t, claims(t, "DE", issued, expires, dcc), signOpts{})), w.env)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(struct {
			H mapping.Holder
			C *mapping.Cert
		}{c.Holder, c.Cert})
		for _, secret := range []string{"Musterfrau", "Gößinger", "MUSTERFRAU", "Gabriele", "GABRIELE", "02-26", "1998-02"} {
			if bytes.Contains(out, []byte(secret)) {
				t.Errorf("%s leaks %q", out, secret)
			}
		}
		// The rules' payload keeps the statements and drops the name.
		payload, err := json.Marshal(c.Payload)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"Musterfrau", "Gößinger", "MUSTERFRAU", "Gabriele", "GABRIELE", `"nam"`} {
			if bytes.Contains(payload, []byte(secret)) {
				t.Errorf("the rules' payload %s holds %q", payload, secret)
			}
		}
		if _, ok := c.Payload[c.Cert.Type[:1]].([]any); !ok {
			t.Errorf("the rules' payload %s lacks its %s entry", payload, c.Cert.Type)
		}
	}
}

func TestHolderName(t *testing.T) {
	de := newSigner(t, signerSpec{country: "DE"})
	w := newWorld(t, de)
	long := strings.Repeat("x", 70)
	tests := map[string]struct {
		nam  map[string]any
		want string
	}{
		"family and given name":                 {name(), "M" + strings.Repeat("*", 26) + "e"},
		"the transliteration when fn is broken": {map[string]any{"fn": "Bad\u202eName", "fnt": "DUPONT", "gnt": "JEAN<PIERRE"}, "D" + strings.Repeat("*", 16) + "E"},
		"a given name alone":                    {map[string]any{"gn": "Ann"}, "A*n"},
		"a family name alone (schema 1.3)":      {map[string]any{"fnt": "LEE"}, "L*E"},
		"a name too long to mask falls back":    {map[string]any{"fn": long, "gn": "Bo", "fnt": "X", "gnt": "Y"}, "X*Y"},
		"nothing to mask":                       {map[string]any{}, ""},
	}
	for n, tc := range tests {
		t.Run(n, func(t *testing.T) {
			dcc := vaccination(2, 2)
			dcc["nam"] = tc.nam
			c, err := w.dec.Decode(qr(t, de.sign(t, claims(t, "DE", issued, expires, dcc), signOpts{})), w.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Holder.Name != tc.want {
				t.Fatalf("name %q, want %q", c.Holder.Name, tc.want)
			}
		})
	}
}

func TestNewRequiresANationalTable(t *testing.T) {
	if _, err := eudcc.New(mapping.Tables{}); err == nil {
		t.Fatal("no table accepted")
	}
	tb, err := mapping.ParseTable("eu-dcc.yaml", []byte("format: eu-dcc\nregion: \"310000\"\nstatus: {vaccination-complete: green}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eudcc.New(mapping.Tables{"eu-dcc": tb}); err == nil || !strings.Contains(err.Error(), "national policy") {
		t.Fatalf("a provincial table: %v", err)
	}
}

func twoEntries() map[string]any {
	d := vaccination(1, 2)
	v := d["v"].([]any)
	d["v"] = append(v, v[0])
	return d
}

func mixed(sampled time.Time) map[string]any {
	d := vaccination(2, 2)
	d["t"] = test("260415000", sampled)["t"]
	return d
}

func withEntry(d map[string]any, kind, field string, v any) map[string]any {
	e := map[string]any{}
	for k, x := range d[kind].([]any)[0].(map[string]any) {
		e[k] = x
	}
	e[field] = v
	out := map[string]any{}
	for k, x := range d {
		out[k] = x
	}
	out[kind] = []any{e}
	return out
}
