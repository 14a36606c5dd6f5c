package base45

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// The seed corpora under testdata/fuzz/<target> hold the seeds below as
// files; run `go test ./adapters/eudcc/base45 -run TestFuzzCorpus
// -update-fuzz-corpus` to rewrite them after changing a seed.
var updateFuzzCorpus = flag.Bool("update-fuzz-corpus", false, "rewrite the seed files under testdata/fuzz")

var decodeSeeds = map[string]string{
	"empty":                      "",
	"rfc9285_ab":                 "BB8",
	"rfc9285_hello":              "%69 VD92EX0",
	"rfc9285_overflow_ggw":       "GGW",
	"final_pair_overflow":        "000V5",
	"lone_character":             "0",
	"lower_case":                 "bb8",
	"with_the_hc1_prefix":        "HC1:NCFOXN%TS3DH",
	"the_largest_group":          "FGW",
	"every_character":            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
	"utf8":                       "BB8é",
	"a_certificate_of_the_tests": "NCFOXN%TS3DHMRG2FUPNR9/MPV45NL-AH%TAIOOW%IHOT$E08WAWN0%W0AT4V22F/8X*G3M9JUPY0BX/KR96R/S09T./0LWTKD33236J3TA3M*4VV2 73-E3ND3DAJ-43%*48YIB73A*G3W19UEBY5:PI0EGSP4*2D$43B+2SEB7:I/2DY73CIBC:G 7376BXBJBAJ UNFMJCRN0H3PQN*E33H3OA70M3FMJIJN523S+0B/S7-SN2H N37J3JFTULJ5CB3ZCIATULV:SNS8F-67N%21Q21$48X2+36D-I/2DBAJDAJCNB-43SZ4RZ4E%5B/9OK53:UCT16DEZIE IE9.M CVCT1+9V*QERU1MK93P5 U02Y9.G9/G9F:QQ28R3U6/V.*NT*QM.SY$N-P1S29 34S0BYBRC.UYS1U%O6QKN*Q5-QFRMLNKNM8JI0EUGP$I/XK$M8-L9KDI:ZH2E4UR8 I185JTT3QFWDHK1QV+/UU-OJ1Q 7SP:8M1NWQTP3D/OADSM8BDHBN +0O7WNV7HJS%6G8WJP6GDZPXU8GY8U$I%0N%NST0GX-Q/$OMPG",
}

var encodeSeeds = map[string][]byte{
	"empty":        nil,
	"zero":         {0},
	"ff":           {0xff},
	"ffff":         {0xff, 0xff},
	"rfc9285_text": []byte("Hello!!"),
	"zlib_header":  {0x78, 0xda, 0xbb, 0xd4},
}

// TestFuzzCorpus writes (-update-fuzz-corpus) or checks the seed files.
func TestFuzzCorpus(t *testing.T) {
	files := map[string]string{}
	for n, s := range decodeSeeds {
		files[filepath.Join("FuzzDecode", n)] = fmt.Sprintf("string(%s)", strconv.Quote(s))
	}
	for n, b := range encodeSeeds {
		files[filepath.Join("FuzzEncode", n)] = fmt.Sprintf("[]byte(%s)", strconv.Quote(string(b)))
	}
	for rel, v := range files {
		p := filepath.Join("testdata", "fuzz", rel)
		want := "go test fuzz v1\n" + v + "\n"
		if *updateFuzzCorpus {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(p); err != nil || string(got) != want {
			t.Errorf("%s: missing or stale (run with -update-fuzz-corpus): %v", p, err)
		}
	}
}

// FuzzDecode: whatever the input, Decode returns bytes or a
// CorruptInputError, never both and never a panic; what it accepts encodes
// back to the same string (one spelling per byte string).
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Decode(s)
		if err != nil {
			if got != nil {
				t.Fatalf("bytes and an error: %x, %v", got, err)
			}
			if _, ok := err.(*CorruptInputError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if len(got) != DecodedLen(len(s)) {
			t.Fatalf("%d bytes from %d characters, DecodedLen says %d", len(got), len(s), DecodedLen(len(s)))
		}
		if enc := Encode(got); enc != s {
			t.Fatalf("%q decodes to %x, which encodes to %q", s, got, enc)
		}
	})
}

// FuzzEncode: every byte string survives Encode then Decode.
func FuzzEncode(f *testing.F) {
	for _, b := range encodeSeeds {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		enc := Encode(b)
		got, err := Decode(enc)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%x → %q → %x, %v", b, enc, got, err)
		}
	})
}
