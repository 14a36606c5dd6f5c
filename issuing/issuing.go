package issuing

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// DefaultTTL is the offline validity of an issued code when none is asked.
const DefaultTTL = 24 * time.Hour

// Issuer issues national information codes for this gateway's own region
// (the third way of mutual recognition: a region with no code of its own).
type Issuer struct {
	Region  string
	Signers []trust.Signer
	Trust   *trust.Registry
	Clock   func() time.Time
}

// Request carries the full holder, which is masked here and never kept.
type Request struct {
	Status   mapping.Status
	Name, ID string
	NAT      *mapping.NAT
	Vac      *int
	IT       *mapping.Itinerary
	TTL      time.Duration
}

// ErrNoSigningKey means none of this gateway's keys is endorsed, now, to
// sign codes for its region.
var ErrNoSigningKey = trust.ErrNoSigningKey

// Issued is a code this gateway signed, with its (masked) claims and the
// kid of the key that signed it.
type Issued struct {
	Code   string
	Claims *mapping.Claims
	Kid    string
}

// Issue masks the holder, builds and signs a code.
func (is *Issuer) Issue(req Request) (*Issued, error) {
	if !req.Status.Valid() {
		return nil, fault.Fail(fault.Malformed, "status must be green, yellow, red or grey")
	}
	holder, err := mapping.NewHolder(req.Name, req.ID)
	if err != nil {
		return nil, err
	}
	ttl := req.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < time.Second || ttl > mapping.MaxValidity {
		return nil, fault.Fail(fault.Malformed, "ttl must be between 1 s and %s", mapping.MaxValidity)
	}
	now := is.Clock().UTC()
	s, err := trust.PickSigner(is.Signers, is.Trust.Snapshot(), trust.UseCodes, is.Region, is.Region, now)
	if err != nil {
		return nil, err
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("code id: %w", err)
	}
	c := &mapping.Claims{
		V: 1, Iss: is.Region, Org: is.Region, JTI: base64.RawURLEncoding.EncodeToString(id[:]),
		IAT: now.Unix(), EXP: now.Add(ttl).Unix(), St: req.Status, SA: now.Unix(),
		HN: holder.Name, HID: holder.ID, NAT: req.NAT, Vac: req.Vac, IT: req.IT,
	}
	code, err := nic.Encode(s, c)
	if err != nil {
		return nil, err
	}
	return &Issued{Code: code, Claims: c, Kid: s.Kid()}, nil
}
