package p256_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"testing"

	"github.com/hcgw/hcgw/trust/p256"
)

// wycheproofFile is Project Wycheproof's ECDSA P-256 / SHA-256 vectors with
// IEEE P1363 (R||S) signatures; see testdata/wycheproof/README.md.
const wycheproofFile = "testdata/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json"

type wycheproofVectors struct {
	Algorithm     string `json:"algorithm"`
	Schema        string `json:"schema"`
	NumberOfTests int    `json:"numberOfTests"`
	TestGroups    []struct {
		Type      string `json:"type"`
		SHA       string `json:"sha"`
		PublicKey struct {
			Curve        string `json:"curve"`
			Uncompressed string `json:"uncompressed"`
		} `json:"publicKey"`
		Tests []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			Flags   []string `json:"flags"`
			Msg     string   `json:"msg"`
			Sig     string   `json:"sig"`
			Result  string   `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

// wycheproofKey is the group's uncompressed point 04||X||Y as a P-256 key.
// Anything that is not 65 bytes starting with 04 leaves X and Y nil, which
// NewTable refuses; a point off the curve is left for NewTable to refuse.
func wycheproofKey(uncompressed string) *ecdsa.PublicKey {
	pub := &ecdsa.PublicKey{Curve: elliptic.P256()}
	b, err := hex.DecodeString(uncompressed)
	if err != nil || len(b) != 65 || b[0] != 4 {
		return pub
	}
	pub.X = new(big.Int).SetBytes(b[1:33])
	pub.Y = new(big.Int).SetBytes(b[33:])
	return pub
}

// TestWycheproof: every vector gives Wycheproof's result ("acceptable" ones
// crypto/ecdsa's) and crypto/ecdsa's answer on the same inputs.
func TestWycheproof(t *testing.T) {
	data, err := os.ReadFile(wycheproofFile)
	if err != nil {
		t.Fatal(err)
	}
	var v wycheproofVectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if v.Algorithm != "ECDSA" || v.Schema != "ecdsa_p1363_verify_schema_v1.json" {
		t.Fatalf("%s: algorithm %q, schema %q: not ECDSA P1363 vectors", wycheproofFile, v.Algorithm, v.Schema)
	}

	counts := map[string]int{}
	ran, badKeys := 0, 0
	for gi, g := range v.TestGroups {
		if g.Type != "EcdsaP1363Verify" || g.SHA != "SHA-256" || g.PublicKey.Curve != "secp256r1" {
			t.Errorf("group %d: type %q, sha %q, curve %q: not P-256 / SHA-256 P1363", gi, g.Type, g.SHA, g.PublicKey.Curve)
			continue
		}
		pub := wycheproofKey(g.PublicKey.Uncompressed)
		table, keyErr := p256.NewTable(pub)
		if keyErr != nil {
			badKeys++
		}
		for _, tc := range g.Tests {
			ran++
			counts[tc.Result]++
			msg, err1 := hex.DecodeString(tc.Msg)
			sig, err2 := hex.DecodeString(tc.Sig)
			if err1 != nil || err2 != nil {
				t.Errorf("tcId %d (%s): bad hex: %v %v", tc.TcID, tc.Comment, err1, err2)
				continue
			}
			digest := sha256.Sum256(msg)

			// crypto/ecdsa on the same inputs (it too must refuse a key that
			// NewTable refuses; one without coordinates it is not asked).
			want := false
			if pub.X != nil {
				want = stdlib(pub, digest[:], sig)
			}
			got := false
			if table != nil {
				got = table.Verify(digest[:], sig)
			}

			switch tc.Result {
			case "valid":
				if keyErr != nil {
					t.Errorf("tcId %d (%s): NewTable refused the key (%v) of a valid signature; key %s", tc.TcID, tc.Comment, keyErr, g.PublicKey.Uncompressed)
				} else if !got {
					t.Errorf("tcId %d (%s): Verify false, want true (valid); msg %s sig %s", tc.TcID, tc.Comment, tc.Msg, tc.Sig)
				}
			case "invalid":
				if got {
					t.Errorf("tcId %d (%s): Verify true, want false (invalid); msg %s sig %s", tc.TcID, tc.Comment, tc.Msg, tc.Sig)
				}
			case "acceptable":
				// Either answer is allowed; Verify must give crypto/ecdsa's,
				// which the check below enforces.
			default:
				t.Errorf("tcId %d (%s): unknown result %q", tc.TcID, tc.Comment, tc.Result)
			}
			if got != want {
				t.Errorf("tcId %d (%s, %s): Verify %v, crypto/ecdsa %v; msg %s sig %s", tc.TcID, tc.Comment, tc.Result, got, want, tc.Msg, tc.Sig)
			}
		}
	}

	t.Logf("%d groups (%d keys refused), %d tests: %d valid, %d invalid, %d acceptable",
		len(v.TestGroups), badKeys, ran, counts["valid"], counts["invalid"], counts["acceptable"])
	if ran != v.NumberOfTests {
		t.Errorf("ran %d tests, the file says numberOfTests %d", ran, v.NumberOfTests)
	}
	if ran < 100 {
		t.Fatalf("only %d Wycheproof tests ran, want at least 100", ran)
	}
}
