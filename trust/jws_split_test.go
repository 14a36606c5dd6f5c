package trust

import (
	"encoding/base64"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// refSplitCompactMax is splitCompactMax as it was: every part scanned for a
// byte outside base64url before anything is decoded, no header cache. The
// decode-first splitCompactMax must give exactly its results.
func refSplitCompactMax(token string, max int) (Header, []byte, []byte, error) {
	var h Header
	if len(token) > max {
		return h, nil, nil, fault.Fail(fault.Malformed, "JWS longer than %d bytes", max)
	}
	first := strings.IndexByte(token, '.')
	last := strings.LastIndexByte(token, '.')
	if first <= 0 || last == first || last == len(token)-1 {
		return h, nil, nil, fault.Fail(fault.Malformed, "not a compact JWS (three non-empty parts)")
	}
	for _, part := range [3][2]int{{0, first}, {first + 1, last}, {last + 1, len(token)}} {
		if i := mapping.NotBase64URL(token[part[0]:part[1]]); i >= 0 {
			if at := part[0] + i; token[at] != '.' {
				return h, nil, nil, fault.Fail(fault.Malformed, "JWS has a character outside base64url at offset %d", at)
			}
			return h, nil, nil, fault.Fail(fault.Malformed, "not a compact JWS (three non-empty parts)")
		}
	}
	hb, err := b64.DecodeString(token[:first])
	if err != nil {
		return h, nil, nil, fault.Fail(fault.Malformed, "JWS header is not base64url")
	}
	var raw headerJSON
	if err := mapping.DecodeStrict(hb, &raw, headerStrict); err != nil {
		return h, nil, nil, err
	}
	h = Header{Alg: raw.Alg, Kid: raw.Kid, Typ: raw.Typ, Crit: raw.Crit != nil}
	if raw.B64 != nil && string(raw.B64) != "true" {
		return h, nil, nil, fault.Fail(fault.Malformed, "JWS with unencoded payload (b64) is not accepted")
	}
	payload, err := b64.DecodeString(token[first+1 : last])
	if err != nil {
		return h, nil, nil, fault.Fail(fault.Malformed, "JWS payload is not base64url")
	}
	sig, err := b64.DecodeString(token[last+1:])
	if err != nil {
		return h, nil, nil, fault.Fail(fault.Malformed, "JWS signature is not base64url")
	}
	return h, payload, sig, nil
}

// sameSplit fails t unless splitCompactMax and refSplitCompactMax agree on
// token, twice (the second time with the header possibly cached).
func sameSplit(t *testing.T, token string) error {
	t.Helper()
	var first error
	for round := 0; round < 2; round++ {
		h, p, s, err := splitCompactMax(token, MaxCompactJWS)
		rh, rp, rs, rerr := refSplitCompactMax(token, MaxCompactJWS)
		if !reflect.DeepEqual(err, rerr) || h != rh || !reflect.DeepEqual(p, rp) || !reflect.DeepEqual(s, rs) {
			t.Fatalf("token %q, round %d:\nsplit %+v %q %x %v\nref   %+v %q %x %v", token, round, h, p, s, err, rh, rp, rs, rerr)
		}
		if round == 0 {
			first = err
		}
	}
	return first
}

var splitEnc = base64.RawURLEncoding.EncodeToString

// TestSplitCompactStrayBytes: a CR, an LF or any other byte outside
// base64url anywhere in any part is refused at its offset, before the
// header is read; a '.' in the middle makes more than three parts; the
// error of each case is the one the scan-first reading gave.
func TestSplitCompactStrayBytes(t *testing.T) {
	hdr := splitEnc([]byte(`{"alg":"ES256","kid":"split-k1","typ":"nic+jwt"}`))
	pay := splitEnc([]byte(`{"v":1,"iss":"330000"}`))
	sig := splitEnc(make([]byte, 64))
	valid := hdr + "." + pay + "." + sig
	// at inserts s at offset i of valid.
	at := func(i int, s string) string { return valid[:i] + s + valid[i:] }
	h0, p0 := len(hdr), len(hdr)+1+len(pay) // offsets of the two dots
	offset := func(i int) string {
		return "JWS has a character outside base64url at offset " + strconv.Itoa(i)
	}
	const notCompact = "not a compact JWS (three non-empty parts)"
	badJSON := splitEnc([]byte(`{"alg"`))
	spareBits := "e31" // "{}" with a spare bit set: refused by the strict decoder
	tests := []struct {
		name, token, want string
	}{
		{"valid", valid, ""},
		{"LF first in the header", at(0, "\n"), offset(0)},
		{"CR inside the header", at(5, "\r"), offset(5)},
		{"CRLF at the end of the header", at(h0, "\r\n"), offset(h0)},
		{"LF first in the payload", at(h0+1, "\n"), offset(h0 + 1)},
		{"CR inside the payload", at(h0+4, "\r"), offset(h0 + 4)},
		{"LF at the end of the payload", at(p0, "\n"), offset(p0)},
		{"LF first in the signature", at(p0+1, "\n"), offset(p0 + 1)},
		{"CR inside the signature", at(p0+9, "\r"), offset(p0 + 9)},
		{"LF at the end of the signature", valid + "\n", offset(len(valid))},
		{"CRLF at the end of the signature", valid + "\r\n", offset(len(valid))},
		// Four base64url bytes and an LF: a length no base64url has, but the
		// decoder reads it as four.
		{"a five-byte signature with an LF", hdr + "." + pay + ".AAAA\n", offset(p0 + 5)},
		{"a five-byte payload with a CR", hdr + ".AA\rAA." + sig, offset(h0 + 3)},
		{"LFs only in the payload", hdr + ".\n\n\n\n." + sig, offset(h0 + 1)},
		{"a dot inside the payload", at(h0+3, "."), notCompact},
		{"a dot at the start of the payload", at(h0+1, "."), notCompact},
		{"a dot and an LF in the payload", at(h0+3, ".\n"), notCompact},
		{"an LF before a dot in the payload", at(h0+3, "\n."), offset(h0 + 3)},
		{"a header byte is found before a dot", at(h0+3, ".")[:2] + " " + at(h0+3, ".")[2:], offset(2)},
		{"a dot in the payload is found before a signature byte", at(h0+3, ".") + "=", notCompact},
		{"padding in the header", hdr[:len(hdr)-1] + "=" + valid[h0:], offset(h0 - 1)},
		{"padding at the end", valid + "==", offset(len(valid))},
		{"a plus in the payload", at(h0+2, "+"), offset(h0 + 2)},
		{"a slash in the signature", at(p0+2, "/"), offset(p0 + 2)},
		{"a space in the signature", at(p0+2, " "), offset(p0 + 2)},
		{"a tab in the header", at(1, "\t"), offset(1)},
		{"a NUL in the payload", at(h0+1, "\x00"), offset(h0 + 1)},
		{"a non-ASCII byte in the signature", at(p0+1, "\xff"), offset(p0 + 1)},
		{"a multi-byte character in the header", at(3, "é"), offset(3)},
		{"an LF in the payload comes before bad header JSON", badJSON + "." + pay[:3] + "\n" + pay[3:] + "." + sig, offset(len(badJSON) + 4)},
		{"an LF in the signature comes before a header's spare bits", spareBits + "." + pay + ".\n" + sig, offset(len(spareBits) + 1 + len(pay) + 1)},
		{"bad header JSON", badJSON + "." + pay + "." + sig, ""}, // DecodeStrict's words; compared with the reference
		{"spare bits in the header", spareBits + "." + pay + "." + sig, "JWS header is not base64url"},
		{"spare bits in the payload", hdr + ".e31." + sig, "JWS payload is not base64url"},
		{"a payload of a length base64url has not", hdr + ".AAAAA." + sig, "JWS payload is not base64url"},
		{"spare bits in the signature", hdr + "." + pay + ".e31", "JWS signature is not base64url"},
		{"a signature of a length base64url has not", hdr + "." + pay + ".A", "JWS signature is not base64url"},
		{"an empty payload", hdr + ".." + sig, ""},
		{"one dot", hdr + "." + pay, notCompact},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := sameSplit(t, tc.token)
			if tc.want == "" {
				if tc.name == "bad header JSON" {
					if err == nil {
						t.Fatal("bad header JSON accepted")
					}
					return
				}
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			p, ok := err.(*fault.Error)
			if !ok || p.Kind != fault.Malformed || p.Message != tc.want {
				t.Fatalf("error %#v, want a malformed fault %q", err, tc.want)
			}
		})
	}
}

// TestSplitCompactHeaderCachedByIsRule: a header with an LF that isRule
// decoded (it reads headers without the scan) is not taken from the cache
// by splitCompactMax as if it were base64url.
func TestSplitCompactHeaderCachedByIsRule(t *testing.T) {
	hdr := splitEnc([]byte(`{"alg":"ES256","kid":"split-cached","typ":"nic+jwt"}`))
	seg := hdr[:4] + "\n" + hdr[4:]
	if _, err := decodeHeader(seg); err != nil {
		t.Fatalf("decodeHeader(%q): %v", seg, err)
	}
	token := seg + "." + splitEnc([]byte(`{}`)) + "." + splitEnc(make([]byte, 64))
	err := sameSplit(t, token)
	if p, ok := err.(*fault.Error); !ok || p.Message != "JWS has a character outside base64url at offset 4" {
		t.Fatalf("error %v", err)
	}
}

// FuzzSplitCompactAgainstScan holds the decode-first splitCompactMax to the
// scan-first reading, on tokens around real ones with stray bytes.
func FuzzSplitCompactAgainstScan(f *testing.F) {
	hdr := splitEnc([]byte(`{"alg":"ES256","kid":"fuzz-k1","typ":"nic+jwt"}`))
	valid := hdr + "." + splitEnc([]byte(`{"v":1}`)) + "." + splitEnc(make([]byte, 64))
	for _, s := range []string{
		valid, "\n" + valid, valid[:7] + "\r" + valid[7:], valid + "\r\n", hdr + ".AA\rAA.AAAA", hdr + ".e30.AAAA\n",
		hdr + ".e3.0.AAAA", hdr + ".e30.e31", "e31.e30.AAAA", "e30=.e30.AAAA", splitEnc([]byte(`{"alg"`)) + ".e\n30.AAAA",
		hdr + "..AAAA", ".e30.AAAA", "e30.e30.", "e30.e30", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) { sameSplit(t, token) })
}

// TestLastDot: lastDot and sigDot find the last '.' as
// strings.LastIndexByte does, for any number of dots and, for sigDot, a
// signature of any length (one not from the token included).
func TestLastDot(t *testing.T) {
	for _, token := range []string{
		"", ".", "..", "...", "a", "a.", ".a", "a.b", "a.b.c", "a.b.c.d", "a..b", "a.b..", "..a", "ab.cd.ef.gh.ij",
		"e30.e30.AAAA", "e30.e30.AAAA.", "e30.e3.0.AAAA", "e30.e30.AA.AA", "\n.\r.\n",
	} {
		want := strings.LastIndexByte(token, '.')
		if got := lastDot(token, strings.IndexByte(token, '.')); got != want {
			t.Errorf("lastDot(%q) = %d, want %d", token, got, want)
		}
		for n := 0; n <= len(token)+2; n++ {
			if got := sigDot(token, make([]byte, n)); got != want {
				t.Errorf("sigDot(%q, %d bytes) = %d, want %d", token, n, got, want)
			}
		}
	}
}
