package trust

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// EndorsementSpec describes an endorsement to be signed by an anchor.
type EndorsementSpec struct {
	Key       *PublicKey
	Sub       string
	Use       []Use
	Scope     []string // nil means [Sub]
	NotBefore time.Time
	NotAfter  time.Time
	IssuedAt  time.Time
	JTI       string
}

// SignEndorsement signs spec with an anchor's private key (the national
// root's tool: `hcgw keys endorse`).
func SignEndorsement(anchor Signer, spec EndorsementSpec) (string, error) {
	if spec.Key == nil {
		return "", errors.New("no key to endorse")
	}
	if err := CheckPublicKey(spec.Key.Raw); err != nil {
		return "", fmt.Errorf("key refused: %w", err)
	}
	if !mapping.ValidRegion(spec.Sub) {
		return "", fmt.Errorf("sub %q is not a region", spec.Sub)
	}
	if len(spec.Use) == 0 {
		return "", fmt.Errorf("use is empty")
	}
	if !spec.NotBefore.Before(spec.NotAfter) {
		return "", fmt.Errorf("not-before must be before not-after")
	}
	if spec.JTI == "" {
		return "", fmt.Errorf("jti is empty")
	}
	scope := spec.Scope
	if scope == nil {
		scope = []string{spec.Sub}
	}
	jwkJSON, err := json.Marshal(spec.Key.JWK)
	if err != nil {
		return "", err
	}
	claims := map[string]any{
		"iss": mapping.NationalRegion, "sub": spec.Sub, "jwk": json.RawMessage(jwkJSON),
		"use": spec.Use, "scope": slices.Clone(scope),
		"nbf": spec.NotBefore.Unix(), "exp": spec.NotAfter.Unix(), "iat": spec.IssuedAt.Unix(), "jti": spec.JTI,
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return anchor.SignCompact(payload, TypEndorsement)
}

// SignRevocation signs a revocation of kid with an anchor's private key.
func SignRevocation(anchor Signer, kid, reason, jti string, at time.Time) (string, error) {
	if kid == "" {
		return "", fmt.Errorf("kid is empty")
	}
	if jti == "" {
		jti = "revoke-" + kid
	}
	payload, err := json.Marshal(map[string]any{
		"iss": mapping.NationalRegion, "kid": kid, "revoked_at": at.Unix(), "reason": reason,
		"iat": at.Unix(), "jti": jti,
	})
	if err != nil {
		return "", err
	}
	return anchor.SignCompact(payload, TypRevocation)
}

// SignRule signs an admission rule object (DESIGN §11) as region iss: an
// anchor signs as the national region, a key endorsed with use rules as its
// own. The rule is signed as given; the registry checks it when it is taken.
func SignRule(signer Signer, iss string, rule json.RawMessage, jti string, at time.Time) (string, error) {
	if jti == "" {
		return "", fmt.Errorf("jti is empty")
	}
	payload, err := json.Marshal(map[string]any{"iss": iss, "iat": at.Unix(), "jti": jti, "rule": rule})
	if err != nil {
		return "", err
	}
	return signer.SignCompact(payload, TypRule)
}

// ErrNoSigningKey means none of this gateway's keys is endorsed, now, for
// the use and region asked.
var ErrNoSigningKey = fault.New(fault.Unavailable, "no key of this gateway is endorsed for that use and region now")

// PickSigner picks this gateway's key in force for use u covering org at
// now: the one endorsed most recently (rotation publishes a new key before it
// signs).
func PickSigner(signers []Signer, snap *Snapshot, u Use, region, org string, now time.Time) (Signer, error) {
	var best Signer
	var bestAt time.Time
	for _, s := range signers {
		k := snap.Key(s.Kid())
		if k == nil || k.Sub != region || !k.InForce(u, org, now) {
			continue
		}
		at := k.Endorsements[len(k.Endorsements)-1].IssuedAt
		if best == nil || at.After(bestAt) {
			best, bestAt = s, at
		}
	}
	if best == nil {
		return nil, ErrNoSigningKey
	}
	return best, nil
}
