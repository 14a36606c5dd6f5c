package verify

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// OnlineConversionTTL bounds the offline validity of a national code
// converted from a status that was only known online: the issuer vouched for
// it now, not for days.
const OnlineConversionTTL = time.Hour

// Conversion errors (the second way of mutual recognition, DESIGN §6
// /v1/convert).
var (
	// ErrNotValid: the local code did not verify; nothing is signed.
	ErrNotValid = fault.New(fault.CodeNotValid, "only a valid code can be converted; see verdict")
	// ErrLapsed: the live status the code carries has ended (or ends
	// within the second): no national code can be signed that does not
	// outlive it. It is an ErrNotValid.
	ErrLapsed = fault.Detail(ErrNotValid, "the status it carries has lapsed")
	// ErrOutOfScope: no key of this gateway may sign for the code's region.
	ErrOutOfScope = fault.New(fault.ScopeViolation, "no key of this gateway is endorsed to sign codes for that region")
)

// Converted is a local code translated into a national information code
// signed by this gateway, with the verdict of the local code.
type Converted struct {
	NationalCode string
	Verdict      Verdict
	Kid          string
}

// Convert verifies a local code (recorded like any verification) and, when
// it is valid, signs the same facts as a national code: iss = this
// gateway's region, org = the original issuer, jti = the original code id,
// status as the verdict says (a conflict already resolved to the most severe
// one), holder masked. The offline validity never outlives the original's,
// nor the live status it carries (ErrLapsed when that has ended).
func (v *Verifier) Convert(ctx context.Context, req Request, signers []trust.Signer) (*Converted, error) {
	vds, codes, err := v.verifyRecorded(ctx, []Request{req})
	if err != nil {
		return nil, err
	}
	vd, c := vds[0], codes[0]
	out := &Converted{Verdict: vd}
	if vd.Result != fault.Valid || c == nil || vd.Holder == nil || vd.StatusAsOf == nil {
		return out, ErrNotValid
	}
	if !mapping.ValidRegion(c.Org) {
		// A national code speaks for a region; a foreign credential
		// (eu-dcc) is recognised as it is, never re-signed as national.
		return out, ErrOutOfScope
	}
	now := v.Clock().UTC().Truncate(time.Second)
	s, err := trust.PickSigner(signers, v.Trust.Snapshot(), trust.UseCodes, v.Region, c.Org, now)
	if err != nil {
		return out, ErrOutOfScope
	}
	exp := now.Add(mapping.MaxValidity)
	if c.Signed && c.Expires.Before(exp) {
		exp = c.Expires
	}
	if vd.Source != SourceOffline && now.Add(OnlineConversionTTL).Before(exp) {
		exp = now.Add(OnlineConversionTTL)
	}
	if !vd.statusEnd.IsZero() && vd.statusEnd.Before(exp) {
		exp = vd.statusEnd
	}
	if exp.Unix() <= now.Unix() {
		return out, ErrLapsed
	}
	sa := vd.StatusAsOf.Unix()
	if sa > now.Unix() {
		sa = now.Unix()
	}
	// The code id never holds an identity number here (evaluate refused
	// it), and nic.Encode's Validate refuses such a jti once more.
	jti := c.ID
	if !mapping.IDText(jti, mapping.MaxJTILen) {
		sum := sha256.Sum256([]byte(c.Format + ":" + c.ID))
		jti = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	claims := &mapping.Claims{V: 1, Iss: v.Region, Org: c.Org, JTI: jti, IAT: now.Unix(), EXP: exp.Unix(),
		St: vd.Status, SA: sa, HN: vd.Holder.Name, HID: vd.Holder.ID, NAT: c.NAT, Vac: c.Vac, IT: vd.it}
	code, err := nic.Encode(s, claims)
	if err != nil {
		return out, err
	}
	out.NationalCode, out.Kid = code, s.Kid()
	return out, nil
}
