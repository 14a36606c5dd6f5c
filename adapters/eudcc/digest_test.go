package eudcc_test

import (
	"bytes"
	"compress/zlib"
	"crypto/elliptic"
	"math/big"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/hcgw/hcgw/adapters/eudcc"
	"github.com/hcgw/hcgw/adapters/eudcc/base45"
)

// TestOneCertificateOneDigest: the QR texts of one signed certificate that
// differ only where the signature does not reach (the compression, the
// envelope's tags, the unprotected header) or in the other half of its
// ECDSA signature, (r, n − s), all verify and have one Code.Digest, the
// record's code hash; another certificate has another.
func TestOneCertificateOneDigest(t *testing.T) {
	de := newSigner(t, signerSpec{country: "DE"})
	w := newWorld(t, de)
	payload := claims(t, "DE", issued, expires, vaccination(2, 2))
	tagged := de.sign(t, payload, signOpts{})
	var msg cbor.Tag
	if err := cbor.Unmarshal(tagged, &msg); err != nil || msg.Number != 18 {
		t.Fatalf("not a tagged COSE_Sign1: %v", err)
	}
	parts := msg.Content.([]any)
	prot, sig := parts[0].([]byte), parts[3].([]byte)
	other := bytes.Clone(sig)
	n := elliptic.P256().Params().N
	new(big.Int).Sub(n, new(big.Int).SetBytes(sig[32:])).FillBytes(other[32:])

	zlibAt := func(cose []byte, level int) string {
		var buf bytes.Buffer
		zw, err := zlib.NewWriterLevel(&buf, level)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = zw.Write(cose)
		_ = zw.Close()
		return eudcc.Prefix + base45.Encode(buf.Bytes())
	}
	untagged := mustCBOR(t, []any{prot, map[any]any{}, payload, sig})
	spellings := map[string]string{
		"as signed":                        qr(t, tagged),
		"stored, not compressed":           zlibAt(tagged, zlib.NoCompression),
		"untagged":                         qr(t, untagged),
		"wrapped in the CWT tag":           qr(t, append([]byte{0xd8, 0x3d}, tagged...)),
		"the kid repeated unprotected":     qr(t, rawSign1(t, prot, map[any]any{int64(4): de.kid}, payload, sig)),
		"the other half of the signature":  qr(t, rawSign1(t, prot, nil, payload, other)),
		"the other half, untagged, stored": zlibAt(mustCBOR(t, []any{prot, map[any]any{}, payload, other}), zlib.NoCompression),
	}
	seen := map[string]string{}
	var digest [32]byte
	for name, code := range spellings {
		if prev, dup := seen[code]; dup {
			t.Fatalf("%s and %s are one QR text: the case tests nothing", name, prev)
		}
		seen[code] = name
		c, err := w.dec.Decode(code, w.env)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Digest == ([32]byte{}) {
			t.Fatalf("%s: no digest", name)
		}
		if digest == ([32]byte{}) {
			digest = c.Digest
		} else if c.Digest != digest {
			t.Fatalf("%s: another digest than the others", name)
		}
	}
	c, err := w.dec.Decode(qr(t, de.sign(t, claims(t, "DE", issued, expires, vaccination(1, 2)), signOpts{})), w.env)
	if err != nil || c.Digest == digest {
		t.Fatalf("another certificate: %v, same digest %v", err, c != nil && c.Digest == digest)
	}
}
