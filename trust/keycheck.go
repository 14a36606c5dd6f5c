package trust

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"errors"
	"fmt"

	"filippo.io/edwards25519"
)

// CheckPublicKey refuses a public key that could vouch for a signature made
// without its private key: a P-256 point off the curve (or the point at
// infinity, which has no affine form), an Ed25519 point of small order (the
// identity among them: with it a constant signature verifies for every
// message) or a non-canonical encoding of a point. Every key that enters
// the registry, from an anchor's configuration, an endorsement, this
// gateway's own key files or a document signer's certificate, passes here.
//
// The curve checks are the standard library's (crypto/ecdh's, through
// ecdsa.PublicKey.ECDH) and filippo.io/edwards25519's, not hand-written.
func CheckPublicKey(raw any) error {
	switch k := raw.(type) {
	case *ecdsa.PublicKey:
		if k == nil || k.Curve != elliptic.P256() {
			return errors.New("only P-256 EC keys are accepted")
		}
		if k.X == nil || k.Y == nil {
			return errors.New("P-256 key has no coordinates")
		}
		if _, err := k.ECDH(); err != nil {
			return errors.New("P-256 key is not a point on the curve")
		}
		return nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("Ed25519 key is %d bytes, not %d", len(k), ed25519.PublicKeySize)
		}
		p, err := new(edwards25519.Point).SetBytes(k)
		if err != nil {
			return errors.New("Ed25519 key is not a point on the curve")
		}
		// SetBytes accepts y ≥ p and a sign bit on x = 0; the
		// canonical encoding is the only spelling accepted.
		if !bytes.Equal(p.Bytes(), k) {
			return errors.New("Ed25519 key is not canonically encoded")
		}
		if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
			return errors.New("Ed25519 key is a point of small order")
		}
		return nil
	}
	return fmt.Errorf("key type %T is not accepted (P-256 or Ed25519 only)", raw)
}
