package provsim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/bj"
	"github.com/hcgw/hcgw/adapters/gd"
	"github.com/hcgw/hcgw/adapters/localjws"
	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/adapters/zj"
	"github.com/hcgw/hcgw/trust"
)

// EncodeLocalJWS signs c as a code of spec's format, as the province would.
// It refuses what the adapter would refuse as malformed (a bad code id,
// times out of order or more than 7 days apart, a name or number that
// cannot be masked: localjws.CheckClaims) and a signer of another algorithm
// than spec.Alg; an unknown status value is allowed, as a province may add
// one. Errors never contain the name or number.
func EncodeLocalJWS(spec localjws.Spec, s trust.Signer, c localjws.Claims) (string, error) {
	w := spec.Wire
	payload, err := json.Marshal(map[string]any{
		w.Name: c.Name, w.ID: c.ID, w.Status: c.Status,
		w.StatusTime: c.StatusTime, w.Expires: c.Expires, w.CodeID: c.CodeID,
	})
	if err != nil {
		return "", err
	}
	if err := localjws.CheckClaims(spec, payload); err != nil {
		return "", err
	}
	if s.Alg().String() != spec.Alg {
		return "", fmt.Errorf("%s: codes are signed with %s, not %s", spec.Format, spec.Alg, s.Alg())
	}
	jws, err := s.SignCompact(payload, spec.Typ)
	if err != nil {
		return "", err
	}
	return spec.Prefix + jws, nil
}

// EncodeBJ signs c as a bj-v1 code, as Beijing would; the signer must be
// EdDSA (EncodeLocalJWS).
func EncodeBJ(s trust.Signer, c bj.Claims) (string, error) {
	return EncodeLocalJWS(bj.Spec(), s, c)
}

// EncodeGD signs c as a gd-v1 code, as Guangdong would; the signer must be
// ES256 (EncodeLocalJWS).
func EncodeGD(s trust.Signer, c gd.Claims) (string, error) {
	return EncodeLocalJWS(gd.Spec(), s, c)
}

// EncodeSH masks the holder and signs c as a sh-v1 code with s, which must
// be an Ed25519 key (the format has no other algorithm). Every rule Decode
// applies to the syntax is applied first (sh.CheckClaims), so it never
// makes a code Decode would call malformed.
func EncodeSH(s trust.Signer, c sh.Claims) (string, error) {
	if s == nil || s.Alg() != jwa.EdDSA {
		return "", errors.New("sh-v1 codes are signed with Ed25519 keys only")
	}
	h, err := sh.CheckClaims(c)
	if err != nil {
		return "", err
	}
	// The layout of DESIGN §9: SSM2|cid|state|issued|ttl|name|id, then the
	// signature over all that.
	body := sh.Prefix + strings.Join([]string{c.CodeID, c.State,
		strconv.FormatInt(c.Issued, 10), strconv.FormatInt(c.TTL, 10), h.Name, h.ID}, "|")
	sig, err := s.Sign([]byte(body))
	if err != nil {
		return "", fmt.Errorf("sign %s code: %w", sh.Format, err)
	}
	return body + "|" + base64.RawURLEncoding.EncodeToString(sig), nil
}

// EncodeZJ builds the zj-v1 code of a token, refusing a token Decode would
// refuse (zj.CheckToken).
func EncodeZJ(token string) (string, error) {
	if err := zj.CheckToken(token); err != nil {
		return "", err
	}
	return zj.Prefix + token, nil
}

// NewZJToken returns a random token as Zhejiang's platform would issue one:
// 24 bytes from crypto/rand, 32 base64url characters.
func NewZJToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
