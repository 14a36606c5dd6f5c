package eudcc

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"

	"github.com/veraison/go-cose"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/trust"
)

// cwtTag is the CBOR tag of a CWT (RFC 8392), which some issuers wrap around
// the COSE_Sign1 tag: d8 3d.
var cwtTag = []byte{0xd8, 0x3d}

// Sign1 is a decoded, not yet verified COSE_Sign1 message.
type Sign1 struct {
	msg cose.Sign1Message
	alg cose.Algorithm
	kid []byte
}

// ParseCOSE decodes a COSE_Sign1 message: tagged (18), untagged, or tagged
// as a CWT (61) around the tag 18. The protected header must name the
// algorithm and may not carry critical parameters; the kid is taken from
// the protected header, and from the unprotected one only when the protected
// one has none (a kid outside the protected header is not covered by the
// signature, so a protected kid always wins). Nothing is verified.
func ParseCOSE(b []byte) (*Sign1, error) {
	if rest, ok := bytes.CutPrefix(b, cwtTag); ok {
		if !bytes.HasPrefix(rest, []byte{0xd2}) {
			return nil, fault.Fail(fault.Malformed, "CWT tag around something other than a tagged COSE_Sign1")
		}
		b = rest
	}
	s := &Sign1{}
	var err error
	switch {
	case bytes.HasPrefix(b, []byte{0xd2}):
		err = s.msg.UnmarshalCBOR(b)
	case bytes.HasPrefix(b, []byte{0x84}):
		err = (*cose.UntaggedSign1Message)(&s.msg).UnmarshalCBOR(b)
	default:
		return nil, fault.Fail(fault.Malformed, "not a COSE_Sign1 message")
	}
	if err != nil {
		return nil, fault.Fail(fault.Malformed, "not a well-formed COSE_Sign1 message")
	}
	if s.msg.Payload == nil {
		return nil, fault.Fail(fault.Malformed, "COSE_Sign1 without payload (detached content is not accepted)")
	}
	if _, crit := s.msg.Headers.Protected[cose.HeaderLabelCritical]; crit {
		return nil, fault.Fail(fault.Malformed, "COSE header has critical parameters")
	}
	alg, err := s.msg.Headers.Protected.Algorithm()
	if err != nil {
		return nil, fault.Fail(fault.Malformed, "COSE protected header names no algorithm")
	}
	s.alg = alg
	s.kid = headerKid(s.msg.Headers.Protected)
	if s.kid == nil {
		s.kid = headerKid(s.msg.Headers.Unprotected)
	}
	if len(s.kid) == 0 {
		return nil, fault.Fail(fault.Malformed, "COSE message has no kid")
	}
	return s, nil
}

func headerKid(h map[any]any) []byte {
	if v, ok := h[cose.HeaderLabelKeyID].([]byte); ok {
		return v
	}
	return nil
}

// Kid is the message's key id as the registry writes DSC kids (standard
// base64 of the raw bytes).
func (s *Sign1) Kid() string { return trust.KidOfBytes(s.kid) }

// Alg is the algorithm the protected header names, e.g. "ES256".
func (s *Sign1) Alg() string { return s.alg.String() }

// Payload is the signed content (the CWT claims), not yet verified.
func (s *Sign1) Payload() []byte { return s.msg.Payload }

// Verify checks the signature with a document signer, using the algorithm
// pinned by the signer's key type: a header naming another algorithm is a
// bad signature, whatever the bytes say.
func (s *Sign1) Verify(d *trust.DSC) error {
	var want cose.Algorithm
	switch d.Alg {
	case trust.AlgES256:
		want = cose.AlgorithmES256
	case trust.AlgPS256:
		want = cose.AlgorithmPS256
	default:
		return fault.Fail(fault.BadSignature, "document signer %s has no usable algorithm", d.Kid)
	}
	if s.alg != want {
		return fault.Fail(fault.BadSignature, "header alg %s does not match the document signer's %s", s.alg.String(), d.Alg)
	}
	var v cose.Verifier = es256Signer{d}
	if want != cose.AlgorithmES256 {
		var err error
		if v, err = cose.NewVerifier(want, d.Public); err != nil {
			return fault.Fail(fault.BadSignature, "document signer %s: key not usable for %s", d.Kid, d.Alg)
		}
	}
	if err := s.msg.Verify(nil, v); err != nil {
		return fault.Fail(fault.BadSignature, "signature does not verify with document signer %s", d.Kid)
	}
	return nil
}

// es256Signer is go-cose's verifier for an ES256 document signer, checking
// with the signer's table once it is busy (trust.DSC.VerifyES256); the same
// answers as cose.NewVerifier's, which the eudcc conformance tests hold
// both to.
type es256Signer struct{ d *trust.DSC }

func (es256Signer) Algorithm() cose.Algorithm { return cose.AlgorithmES256 }

func (v es256Signer) Verify(content, sig []byte) error {
	if !v.d.VerifyES256(content, sig) {
		return cose.ErrVerification
	}
	return nil
}

// Digest is the SHA-256 of the certificate's canonical form (Code.Digest):
// what the signature covers (the protected header's bytes and the payload),
// the kid that chose the document signer and the signature, an ES256 one
// with s ≤ n/2 (adapters.LowS), each with its length. Two QR texts of one
// signed certificate (another compression, another CBOR spelling of the
// envelope, other unprotected parameters, the other half of an ECDSA
// signature) have one Digest. Call it on a verified message.
func (s *Sign1) Digest() [sha256.Size]byte {
	var prot []byte
	if dec.Unmarshal(s.msg.Headers.RawProtected, &prot) != nil {
		prot = s.msg.Headers.RawProtected
	}
	sig := bytes.Clone(s.msg.Signature)
	if s.alg == cose.AlgorithmES256 {
		adapters.LowS(sig)
	}
	h := sha256.New()
	h.Write([]byte(Prefix))
	for _, part := range [][]byte{s.kid, prot, s.msg.Payload, sig} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}
