package trust

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"hash/maphash"
	"math/big"
	"strings"
	"sync/atomic"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/lestrrat-go/jwx/v2/jwa"
)

// b64 is strict base64url: spare bits must be zero, so one signature has
// exactly one spelling and a code one string form.
var b64 = base64.RawURLEncoding.Strict()

// MaxCompactJWS bounds any compact JWS this package will look at.
const MaxCompactJWS = 16 << 10

// Header is the protected header of a compact JWS, decoded without trusting
// anything in it.
type Header struct {
	Alg  string
	Kid  string
	Typ  string
	Crit bool // a "crit" member was present: nothing here understands extensions
}

// SplitCompact checks the shape of a compact JWS (three base64url parts,
// no padding, no JSON serialization, non-empty signature) and decodes its
// protected header and payload without verifying anything.
func SplitCompact(token string) (Header, []byte, error) {
	h, payload, _, err := splitCompact(token)
	return h, payload, err
}

// splitCompact is SplitCompact that also returns the decoded signature, so
// the verify path decodes it once.
func splitCompact(token string) (Header, []byte, []byte, error) {
	return splitCompactMax(token, MaxCompactJWS)
}

// splitCompactMax is splitCompact with another bound (rules are larger
// than codes and keys).
func splitCompactMax(token string, max int) (Header, []byte, []byte, error) {
	var h Header
	if len(token) > max {
		return h, nil, nil, fault.Fail(fault.Malformed, "JWS longer than %d bytes", max)
	}
	first := strings.IndexByte(token, '.')
	last := lastDot(token, first)
	if first <= 0 || last == first || last == len(token)-1 {
		return h, nil, nil, fault.Fail(fault.Malformed, "not a compact JWS (three non-empty parts)")
	}
	seg, mid, tail := token[:first], token[first+1:last], token[last+1:]
	// Each part is decoded first and scanned for a stray byte only when it
	// does not decode to the length its size implies: the decoder skips CR
	// and LF (a shorter result) and refuses every other byte outside
	// base64url, '.' included (so a '.' inside the middle part, which makes
	// more than three parts, is found by the scan).
	cached := cachedHeader(seg)
	var hb []byte
	var herr error
	if cached == nil {
		hb, herr = b64.DecodeString(seg)
	}
	payload, perr := b64.DecodeString(mid)
	sig, serr := b64.DecodeString(tail)
	if cached == nil && !whole(seg, hb, herr) || !whole(mid, payload, perr) || !whole(tail, sig, serr) {
		if err := strayByte(token, first, last); err != nil {
			return h, nil, nil, err
		}
	}
	if cached != nil {
		h = cached.h
	} else {
		var err error
		if h, err = parseHeader(seg, hb, herr); err != nil {
			return h, nil, nil, err
		}
	}
	if perr != nil {
		return h, nil, nil, fault.Fail(fault.Malformed, "JWS payload is not base64url")
	}
	if serr != nil {
		return h, nil, nil, fault.Fail(fault.Malformed, "JWS signature is not base64url")
	}
	return h, payload, sig, nil
}

// lastDot is strings.LastIndexByte(token, '.') given first, the index of
// the first '.' (or -1): a token has two, and the forward search is
// vectorised where the backward one reads a byte at a time.
func lastDot(token string, first int) int {
	if first < 0 {
		return -1
	}
	second := strings.IndexByte(token[first+1:], '.')
	if second < 0 {
		return first
	}
	second += first + 1
	if strings.IndexByte(token[second+1:], '.') < 0 {
		return second
	}
	return strings.LastIndexByte(token, '.')
}

// sigDot is strings.LastIndexByte(token, '.'), found from the length of
// sig, which splitCompactMax decoded whole from the part after it.
func sigDot(token string, sig []byte) int {
	last := len(token) - b64.EncodedLen(len(sig)) - 1
	if last < 0 || token[last] != '.' || strings.IndexByte(token[last+1:], '.') >= 0 {
		return strings.LastIndexByte(token, '.')
	}
	return last
}

// whole reports whether part decoded (dec, err) without a byte skipped.
func whole(part string, dec []byte, err error) bool {
	return err == nil && b64.EncodedLen(len(dec)) == len(part)
}

// strayByte is the error of the first byte outside base64url in the three
// parts of token (split at first and last), or nil when there is none.
func strayByte(token string, first, last int) error {
	for _, part := range [3][2]int{{0, first}, {first + 1, last}, {last + 1, len(token)}} {
		if i := mapping.NotBase64URL(token[part[0]:part[1]]); i >= 0 {
			if at := part[0] + i; token[at] != '.' {
				return fault.Fail(fault.Malformed, "JWS has a character outside base64url at offset %d", at)
			}
			return fault.Fail(fault.Malformed, "not a compact JWS (three non-empty parts)")
		}
	}
	return nil
}

// headerCache remembers recently decoded protected headers, by their
// base64url text: every code signed by one key carries the same header, so
// most verifications skip its JSON. It is direct-mapped and holds only
// headers that decoded without error, compared whole on lookup: a flood of
// odd headers can evict entries (costing speed) but never change what a
// header decodes to.
var (
	headerCache     [256]atomic.Pointer[headerEntry]
	headerCacheSeed = maphash.MakeSeed()
)

type headerEntry struct {
	b64 string
	h   Header
}

// maxCachedHeader bounds the header text kept in the cache.
const maxCachedHeader = 512

// decodeHeader decodes the protected header seg (base64url), through the
// cache.
func decodeHeader(seg string) (Header, error) {
	if e := cachedHeader(seg); e != nil {
		return e.h, nil
	}
	hb, err := b64.DecodeString(seg)
	return parseHeader(seg, hb, err)
}

// cachedHeader is the cache's entry for seg, or nil.
func cachedHeader(seg string) *headerEntry {
	if e := headerCache[headerSlot(seg)].Load(); e != nil && e.b64 == seg {
		return e
	}
	return nil
}

func headerSlot(seg string) uint64 {
	return maphash.String(headerCacheSeed, seg) % uint64(len(headerCache))
}

// headerJSON is the protected header as read. Its set is open: JOSE
// registers more parameters than hcgw reads, and none of them can change
// what a header decodes to here, except crit and b64, which are refused. A
// case variant of a member it reads ("ALG") is refused (Strict.Fold).
type headerJSON struct {
	Alg  string         `json:"alg"`
	Kid  string         `json:"kid"`
	Typ  string         `json:"typ"`
	Crit jsontext.Value `json:"crit"`
	B64  jsontext.Value `json:"b64"`
}

var headerStrict = mapping.Strict{What: "JWS header", Noun: "JWS header",
	Fold: []string{"alg", "kid", "typ", "crit", "b64"}}

// parseHeader reads the header seg, decoded by b64 to hb (err: the
// decoder's error), and caches it when it is sound. Only a header that
// decoded whole is cached (not one with a CR or LF, which isRule can pass
// here): splitCompactMax takes a cached header for whole base64url.
func parseHeader(seg string, hb []byte, err error) (Header, error) {
	var h Header
	if err != nil {
		return h, fault.Fail(fault.Malformed, "JWS header is not base64url")
	}
	var raw headerJSON
	if err := mapping.DecodeStrict(hb, &raw, headerStrict); err != nil {
		return h, err
	}
	h = Header{Alg: raw.Alg, Kid: raw.Kid, Typ: raw.Typ, Crit: raw.Crit != nil}
	if raw.B64 != nil && string(raw.B64) != "true" {
		return h, fault.Fail(fault.Malformed, "JWS with unencoded payload (b64) is not accepted")
	}
	if len(seg) <= maxCachedHeader && whole(seg, hb, nil) {
		headerCache[headerSlot(seg)].Store(&headerEntry{b64: strings.Clone(seg), h: h})
	}
	return h, nil
}

// checkHeader applies the header rules shared by every JWS hcgw accepts.
func checkHeader(h Header, typ string) error {
	switch h.Alg {
	case "ES256", "EdDSA":
	case "":
		return fault.Fail(fault.Malformed, "JWS header has no alg")
	default:
		// none, HS256 and friends: never a signature hcgw can trust.
		return fault.Fail(fault.BadSignature, "algorithm %q is not accepted", h.Alg)
	}
	if h.Crit {
		return fault.Fail(fault.Malformed, "JWS header has critical extensions")
	}
	if !strings.EqualFold(h.Typ, typ) {
		return fault.Fail(fault.Malformed, "JWS typ %q, want %q", h.Typ, typ)
	}
	if h.Kid == "" {
		return fault.Fail(fault.Malformed, "JWS header has no kid")
	}
	return nil
}

// verifyWith checks token's signature with pub, the algorithm pinned by the
// key; a header naming another algorithm is a bad signature. The token was
// split and checked by SplitCompact already, so the standard library is
// handed the signing input and the signature directly (no second parse of
// the message). The key was checked once when it entered the registry
// (CheckPublicKey), so it is not converted or curve-checked again here, as
// jwx's verifier did on every call; crypto/ecdsa still refuses a point off
// the curve.
func verifyWith(token string, sig []byte, h Header, pub *PublicKey) error {
	if h.Alg != pub.Alg.String() {
		return fault.Fail(fault.BadSignature, "header alg %q does not match the key's %q", h.Alg, pub.Alg)
	}
	last := sigDot(token, sig)
	if !pub.verify([]byte(token[:last]), sig) {
		return fault.Fail(fault.BadSignature, "signature does not verify with key %s", pub.Kid)
	}
	return nil
}

// verifySignature reports whether sig is alg's signature of input by raw.
// ES256 takes the JWS form (RFC 7518 §3.4: R and S, 32 bytes each, big
// endian), EdDSA Ed25519's 64 bytes; a key of another type or curve, or a
// signature of another length, never verifies.
func verifySignature(alg jwa.SignatureAlgorithm, raw any, input, sig []byte) bool {
	switch alg {
	case jwa.ES256:
		k, ok := raw.(*ecdsa.PublicKey)
		if !ok || k == nil || k.Curve != elliptic.P256() || len(sig) != 64 {
			return false
		}
		var r, s big.Int
		r.SetBytes(sig[:32])
		s.SetBytes(sig[32:])
		digest := sha256.Sum256(input)
		return ecdsa.Verify(k, digest[:], &r, &s)
	case jwa.EdDSA:
		k, ok := raw.(ed25519.PublicKey)
		// ed25519.Verify panics on a key of another length.
		if !ok || len(k) != ed25519.PublicKeySize {
			return false
		}
		return ed25519.Verify(k, input, sig)
	}
	return false
}

// VerifyCompact checks a compact JWS of type typ against the snapshot:
// header rules, lookup of kid, revocation, pinned algorithm, signature. It
// returns the key and the payload; authorising the key for what the payload
// claims (use, issuer, window, scope) is the caller's next step
// (Key.Authorize).
func (s *Snapshot) VerifyCompact(token, typ string) (*Key, []byte, error) {
	h, payload, sig, err := splitCompact(token)
	if err != nil {
		return nil, nil, err
	}
	if err := checkHeader(h, typ); err != nil {
		return nil, nil, err
	}
	k := s.keys[h.Kid]
	if k == nil {
		return nil, payload, fault.Fail(fault.UnknownKey, "no endorsed key with kid %q", clip(h.Kid))
	}
	if k.Revoked != nil {
		return k, payload, fault.Fail(fault.RevokedKey, "key %s was revoked (%s)", k.Kid, clip(k.Revoked.Reason))
	}
	if err := verifyWith(token, sig, h, k.Public); err != nil {
		return k, payload, err
	}
	return k, payload, nil
}

// VerifyWithKey checks a compact JWS against one given key (used for sh-v1
// style formats without kid, and for anchors).
func VerifyWithKey(token, typ string, pub *PublicKey) ([]byte, error) {
	h, payload, sig, err := splitCompact(token)
	if err != nil {
		return nil, err
	}
	if err := checkHeader(h, typ); err != nil {
		return nil, err
	}
	if h.Kid != pub.Kid {
		return nil, fault.Fail(fault.UnknownKey, "kid %q is not %q", clip(h.Kid), pub.Kid)
	}
	if err := verifyWith(token, sig, h, pub); err != nil {
		return nil, err
	}
	return payload, nil
}

// clip keeps attacker-chosen strings short in error details.
func clip(s string) string { return mapping.Clip(s, 64) }
