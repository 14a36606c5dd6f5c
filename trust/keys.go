package trust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// Alg returns the one algorithm a key may be used with: ES256 for P-256,
// EdDSA for Ed25519. Any other key type is refused.
func Alg(raw any) (jwa.SignatureAlgorithm, error) {
	switch k := raw.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", errors.New("only P-256 EC keys are accepted")
		}
		return jwa.ES256, nil
	case *ecdsa.PrivateKey:
		return Alg(&k.PublicKey)
	case ed25519.PublicKey, ed25519.PrivateKey:
		return jwa.EdDSA, nil
	}
	return "", fmt.Errorf("key type %T is not accepted (P-256 or Ed25519 only)", raw)
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of a key, base64url without
// padding: the kid of every key in hcgw.
func Thumbprint(k jwk.Key) (string, error) {
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// PublicKey is a parsed, checked public key: raw form for verification, its
// kid and its pinned algorithm.
type PublicKey struct {
	Kid string
	Alg jwa.SignatureAlgorithm
	Raw any     // *ecdsa.PublicKey or ed25519.PublicKey
	JWK jwk.Key // public JWK with kid and alg set

	table keyTable // ES256 only, built once the key is in use (keytable.go)
}

// ParsePublicJWK parses one public JWK (JSON). Private members are refused:
// a private key never travels inside an endorsement or a trust list. A kid
// member, if present, must equal the thumbprint.
func ParsePublicJWK(data []byte) (*PublicKey, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return nil, fmt.Errorf("jwk: not a JSON object: %w", err)
	}
	if _, ok := members["d"]; ok {
		return nil, errors.New("jwk: contains a private member \"d\"")
	}
	k, err := jwk.ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	return publicFromJWK(k)
}

func publicFromJWK(k jwk.Key) (*PublicKey, error) {
	var raw any
	if err := k.Raw(&raw); err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	alg, err := Alg(raw)
	if err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	switch raw.(type) {
	case *ecdsa.PrivateKey, ed25519.PrivateKey:
		return nil, errors.New("jwk: is a private key")
	}
	if err := CheckPublicKey(raw); err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	kid, err := Thumbprint(k)
	if err != nil {
		return nil, fmt.Errorf("jwk: thumbprint: %w", err)
	}
	if given := k.KeyID(); given != "" && given != kid {
		return nil, fmt.Errorf("jwk: kid %q is not the key's RFC 7638 thumbprint %q", given, kid)
	}
	pub, err := jwk.FromRaw(raw)
	if err != nil {
		return nil, err
	}
	_ = pub.Set(jwk.KeyIDKey, kid)
	_ = pub.Set(jwk.AlgorithmKey, alg)
	return &PublicKey{Kid: kid, Alg: alg, Raw: raw, JWK: pub}, nil
}

// Signer signs with one of this gateway's own keys. File keys today; an HSM
// would be another implementation.
type Signer interface {
	Kid() string
	Alg() jwa.SignatureAlgorithm
	Public() *PublicKey
	// SignCompact signs payload as a compact JWS with protected header
	// alg, kid and typ.
	SignCompact(payload []byte, typ string) (string, error)
	// Sign signs msg raw, as the key's algorithm does inside a JWS
	// (Ed25519 over msg; ES256: r||s over SHA-256(msg)), for formats with
	// detached signatures such as sh-v1.
	Sign(msg []byte) ([]byte, error)
}

type fileSigner struct {
	pub  *PublicKey
	priv any
	// headers holds each typ's protected header, base64url-encoded: the
	// same for every JWS the key signs with that typ.
	headers sync.Map // string -> string
}

func (s *fileSigner) Kid() string                 { return s.pub.Kid }
func (s *fileSigner) Alg() jwa.SignatureAlgorithm { return s.pub.Alg }
func (s *fileSigner) Public() *PublicKey          { return s.pub }

// SignCompact writes the compact serialization (RFC 7515 §7.1) around the
// key's raw JWS signature (Sign), with a protected header computed once per
// typ: byte for byte what jws.Sign writes for alg, kid and typ, without
// its per-signature header building, which every status call between
// gateways pays twice (BenchmarkSignCompact; docs/PERFORMANCE.md).
// TestSignCompactIsWhatJWXWrites holds the two to the same bytes.
func (s *fileSigner) SignCompact(payload []byte, typ string) (string, error) {
	hdr, ok := s.headers.Load(typ)
	if !ok {
		b, err := json.Marshal(struct {
			Alg string `json:"alg"`
			Kid string `json:"kid"`
			Typ string `json:"typ"`
		}{s.pub.Alg.String(), s.pub.Kid, typ})
		if err != nil {
			return "", err
		}
		hdr, _ = s.headers.LoadOrStore(typ, base64.RawURLEncoding.EncodeToString(b))
	}
	h := hdr.(string)
	enc := base64.RawURLEncoding
	out := make([]byte, 0, len(h)+1+enc.EncodedLen(len(payload))+1+enc.EncodedLen(64))
	out = append(out, h...)
	out = append(out, '.')
	out = enc.AppendEncode(out, payload)
	sig, err := s.Sign(out)
	if err != nil {
		return "", err
	}
	out = append(out, '.')
	out = enc.AppendEncode(out, sig)
	return string(out), nil
}

func (s *fileSigner) Sign(msg []byte) ([]byte, error) {
	switch k := s.priv.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, msg), nil
	case *ecdsa.PrivateKey:
		h := sha256.Sum256(msg)
		r, ss, err := ecdsa.Sign(rand.Reader, k, h[:])
		if err != nil {
			return nil, err
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		ss.FillBytes(out[32:])
		return out, nil
	}
	return nil, errors.New("unsupported key")
}

// VerifyRaw checks a raw signature made by Signer.Sign with pub's pinned
// algorithm.
func VerifyRaw(pub *PublicKey, msg, sig []byte) bool {
	return pub != nil && pub.verify(msg, sig)
}

// ParsePrivateJWK parses a private JWK (JSON) into a Signer.
func ParsePrivateJWK(data []byte) (Signer, error) {
	k, err := jwk.ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	var raw any
	if err := k.Raw(&raw); err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	var pubRaw any
	switch p := raw.(type) {
	case *ecdsa.PrivateKey:
		pubRaw = &p.PublicKey
	case ed25519.PrivateKey:
		pubRaw = p.Public()
	default:
		return nil, errors.New("jwk: not a private P-256 or Ed25519 key")
	}
	pk, err := jwk.FromRaw(pubRaw)
	if err != nil {
		return nil, err
	}
	pub, err := publicFromJWK(pk)
	if err != nil {
		return nil, err
	}
	if given := k.KeyID(); given != "" && given != pub.Kid {
		return nil, fmt.Errorf("jwk: kid %q is not the key's RFC 7638 thumbprint %q", given, pub.Kid)
	}
	return &fileSigner{pub: pub, priv: raw}, nil
}

// LoadPrivateJWK reads a private JWK file.
func LoadPrivateJWK(path string) (Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParsePrivateJWK(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// GenerateKey makes a new signing key: alg is ES256 or EdDSA. It returns the
// signer and its private JWK as JSON (with kid and alg).
func GenerateKey(alg jwa.SignatureAlgorithm) (Signer, []byte, error) {
	var priv any
	switch alg {
	case jwa.ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		priv = k
	case jwa.EdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		priv = k
	default:
		return nil, nil, fmt.Errorf("algorithm %q not accepted (ES256 or EdDSA)", alg)
	}
	jk, err := jwk.FromRaw(priv)
	if err != nil {
		return nil, nil, err
	}
	data, err := json.Marshal(jk)
	if err != nil {
		return nil, nil, err
	}
	s, err := ParsePrivateJWK(data)
	if err != nil {
		return nil, nil, err
	}
	_ = jk.Set(jwk.KeyIDKey, s.Kid())
	_ = jk.Set(jwk.AlgorithmKey, s.Alg())
	data, err = json.MarshalIndent(jk, "", "  ")
	return s, data, err
}
