package gateway_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// TestVerifyByIdentityDocument: a traveller without a phone shows an
// identity card at Shanghai; every region is asked (through the hub) within
// one deadline, and the answer is a verdict of the usual shape (DESIGN §12).
// The number is never answered, recorded or logged in full.
func TestVerifyByIdentityDocument(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "holder.key")
	secret := []byte("federation-wide holder key secret, 32+ bytes, test only")
	_ = os.WriteFile(secretFile, secret, 0o600)
	f := newFed(t, []string{hub, shR, zjR, gdR}, map[string][]string{hub: {shR, zjR, gdR}, shR: {hub}, zjR: {hub}, gdR: {hub}},
		"federation: {holder_key_file: "+secretFile+", retries: 0, breaker_failures: 1000}\nserver: {id_lookup_rate: 1, id_lookup_burst: 6}\n", nil)
	const (
		twoRegions = "330102199001011234" // known at Zhejiang (yellow) and Guangdong (green)
		nowhere    = "110105194912310011" // known nowhere
		unasked    = "440102199203034560" // known at Zhejiang, never asked before the hub goes
	)
	hk, err := federation.HolderKey(secret, twoRegions)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	f.nodes[zjR].platform.Set(hk, mapping.LiveStatus{Status: mapping.Yellow, At: now, Expires: now.Add(time.Minute)})
	f.nodes[gdR].platform.Set(hk, mapping.LiveStatus{Status: mapping.Green, At: now.Add(-time.Minute), Expires: now.Add(time.Minute)})
	hk2, _ := federation.HolderKey(secret, unasked)
	f.nodes[zjR].platform.Set(hk2, mapping.LiveStatus{Status: mapping.Green, At: now, Expires: now.Add(time.Minute)})

	// After every case: no database file of any gateway holds a number
	// asked for, nor its first 17 digits (the log is scanned by testLogger).
	t.Cleanup(func() {
		files, _ := filepath.Glob(filepath.Join(f.dir, "*.db*"))
		if len(files) == 0 {
			t.Error("no database file to scan")
		}
		for _, file := range files {
			data, _ := os.ReadFile(file)
			for _, n := range []string{twoRegions, nowhere, unasked} {
				if bytes.Contains(data, []byte(n[:17])) {
					t.Errorf("%s holds identity number %s…", file, n[:4])
				}
			}
		}
	})
	// The bucket is full at the first lookup; every lookup after it is
	// counted so that the limit can be checked against the time that passed,
	// however slow the machine.
	var (
		firstLookup       time.Time
		accepted, refused int
	)
	byDocument := func(number string) (int, []byte) {
		if firstLookup.IsZero() {
			firstLookup = time.Now()
		}
		st, body := do(t, "POST", f.nodes[shR].url+"/v1/verify", verifierToken,
			`{"id_document":{"type":"resident_id","number":"`+number+`"},"scene":"rail","checkpoint":"SH-GATE-9"}`)
		switch st {
		case 200:
			accepted++
		case 429:
			refused++
		}
		return st, body
	}
	verdict := func(number string) verify.Verdict {
		t.Helper()
		st, body := byDocument(number)
		var vd verify.Verdict
		if st != 200 || json.Unmarshal(body, &vd) != nil {
			t.Fatalf("%d %s", st, body)
		}
		if bytes.Contains(body, []byte(number)) || bytes.Contains(body, []byte(number[:17])) {
			t.Fatalf("the answer holds the number: %s", body)
		}
		return vd
	}

	t.Run("a holder known in two regions with different statuses is the most severe, in conflict", func(t *testing.T) {
		vd := verdict(twoRegions)
		if vd.Result != fault.Valid || vd.Status != mapping.Yellow || !vd.Conflict || vd.Issuer != zjR ||
			vd.Format != verify.FormatIDDocument || vd.Source != verify.SourceOnline || vd.Degraded {
			t.Fatalf("verdict %+v", vd)
		}
		if vd.Holder == nil || vd.Holder.ID != "3301**********1234" {
			t.Fatalf("holder %+v", vd.Holder)
		}
		if vd.Admission.Decision != "deny" || !vd.Admission.Default {
			t.Fatalf("admission %+v: yellow is refused by the default acceptance", vd.Admission)
		}
		st, rec := do(t, "GET", f.nodes[shR].url+"/v1/records/"+vd.RecordID, adminToken, "")
		var r struct {
			Format     string `json:"format"`
			CodeSHA256 string `json:"code_sha256"`
		}
		if st != 200 || json.Unmarshal(rec, &r) != nil || r.Format != verify.FormatIDDocument || len(r.CodeSHA256) != 64 {
			t.Fatalf("record %d %s", st, rec)
		}
		if bytes.Contains(rec, []byte(twoRegions)) || bytes.Contains(rec, []byte(twoRegions[:17])) ||
			!bytes.Contains(rec, []byte(`"holder":{"name":"","id":"3301**********1234"}`)) ||
			!bytes.Contains(rec, []byte(`"code_id":""`)) || !bytes.Contains(rec, []byte(`"org":"330000"`)) {
			t.Fatalf("the record %s", rec)
		}
	})

	t.Run("a holder known nowhere is unverified, status unknown", func(t *testing.T) {
		vd := verdict(nowhere)
		if vd.Result != fault.Unverified || vd.Reason != fault.StatusUnknown || vd.Status != mapping.Grey ||
			vd.Format != verify.FormatIDDocument || vd.Holder == nil || vd.Holder.ID != "1101**********0011" {
			t.Fatalf("verdict %+v", vd)
		}
	})

	t.Run("a wrong check digit is a bad request that does not repeat the number", func(t *testing.T) {
		const wrong = "330102199001011235"
		st, body := byDocument(wrong)
		if st != 400 || !bytes.Contains(body, []byte(`"bad_request"`)) || !bytes.Contains(body, []byte("check character")) ||
			bytes.Contains(body, []byte(wrong[:17])) {
			t.Fatalf("%d %s", st, body)
		}
	})

	for name, body := range map[string]string{
		"a code and a document":     `{"code":"NIC1:x","id_document":{"type":"resident_id","number":"` + nowhere + `"}}`,
		"another document type":     `{"id_document":{"type":"passport","number":"E12345678"}}`,
		"a document without number": `{"id_document":{"type":"resident_id"}}`,
		"a document at /v1/convert": "convert",
	} {
		t.Run("refused: "+name, func(t *testing.T) {
			path := "/v1/verify"
			if body == "convert" {
				path, body = "/v1/convert", `{"id_document":{"type":"resident_id","number":"`+nowhere+`"}}`
			}
			st, out := do(t, "POST", f.nodes[shR].url+path, verifierToken, body)
			if st != 400 || bytes.Contains(out, []byte(nowhere[:17])) {
				t.Fatalf("%d %s", st, out)
			}
		})
	}

	t.Run("an answer asked again comes from the status cache", func(t *testing.T) {
		if vd := verdict(twoRegions); vd.Status != mapping.Yellow || vd.Source != verify.SourceCache {
			t.Fatalf("verdict %+v", vd)
		}
	})

	t.Run("no region reachable is unverified, issuer unavailable", func(t *testing.T) {
		f.nodes[hub].stop()
		vd := verdict(unasked)
		if vd.Result != fault.Unverified || vd.Reason != fault.IssuerUnavailable || vd.Status != mapping.Grey {
			t.Fatalf("verdict %+v", vd)
		}
	})

	t.Run("lookups are limited per client", func(t *testing.T) {
		// Rapid lookups until one is refused: at 1/s, a refusal comes
		// within a few, unless each lookup took a second.
		for i := 0; refused == 0 && i < 20; i++ {
			st, body := byDocument(nowhere)
			if st != 200 && (st != 429 || !bytes.Contains(body, []byte(`"rate_limited"`))) {
				t.Fatalf("%d %s", st, body)
			}
		}
		if refused == 0 {
			t.Fatalf("%d lookups against 1/s with a burst of 6, none refused", accepted)
		}
		// A token bucket of 6 at 1/s lets through at most 6 + 1 per second
		// since the first lookup.
		if allowed := 6 + int(time.Since(firstLookup)/time.Second) + 1; accepted > allowed {
			t.Fatalf("%d lookups accepted in %v, the bucket allows %d", accepted, time.Since(firstLookup), allowed)
		}
		// Codes are not lookups: the same client still verifies a code
		// (signed, so valid offline with the hub stopped).
		if vd := f.verify(shR, f.code(zjR, mapping.Green, mapping.Green)); vd.Result != fault.Valid {
			t.Fatalf("a code after the lookups: %+v", vd)
		}
	})
}
