package provsim

import (
	"context"
	"errors"
	"time"

	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/store"
)

// Platform is the simulated provincial platform: codes and their changing
// statuses in a gateway's database (DESIGN §7's provincial side, for the
// demo and tests of a region without a platform API; platform.kind:
// simulated).
type Platform struct {
	DB     *store.DB
	Region string
	// HolderSecret, when set, also indexes each code's holder under its
	// data-sharing key, so the platform answers holder queries too.
	HolderSecret []byte
}

// NewPlatform is the simulated platform of region on db, as
// gateway.Options.Simulated builds it.
func NewPlatform(db *store.DB, region string, holderSecret []byte) federation.Source {
	return &Platform{DB: db, Region: region, HolderSecret: holderSecret}
}

// Lookup implements federation.Source.
func (p *Platform) Lookup(ctx context.Context, cid string) (mapping.LiveStatus, error) {
	c, err := p.DB.GetPlatformCode(ctx, cid)
	if errors.Is(err, store.ErrNotFound) {
		return mapping.LiveStatus{}, federation.ErrUnknownCode
	}
	if err != nil {
		return mapping.LiveStatus{}, err
	}
	st, ok := mapping.ParseStatus(c.Status)
	if !ok {
		st = mapping.Grey
	}
	return mapping.LiveStatus{Status: st, At: c.StatusAt, Expires: c.Expires,
		Holder: mapping.Holder{Name: c.HolderName, ID: c.HolderID}, IT: c.IT}, nil
}

// SetCode records a code's status on the simulated platform (the admin's
// POST /v1/platform/codes); the holder is masked before it is stored.
func (p *Platform) SetCode(ctx context.Context, cid string, st mapping.Status, name, id string, it *mapping.Itinerary, ttl time.Duration) error {
	h, err := mapping.NewHolder(name, id)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	row := store.PlatformCode{CID: cid, Org: p.Region, Status: string(st), StatusAt: now,
		Expires: now.Add(ttl), HolderName: h.Name, HolderID: h.ID, IT: it}
	if err := p.DB.PutPlatformCode(ctx, row); err != nil {
		return err
	}
	if len(p.HolderSecret) == 0 {
		return nil
	}
	hk, err := federation.HolderKey(p.HolderSecret, id)
	if err != nil {
		return err
	}
	row.CID = hk
	return p.DB.PutPlatformCode(ctx, row)
}

// SetStatus implements federation.StatusWriter: a resolved correction's
// status, from now; the code keeps its holder and its end (a minute from
// now when it had none left).
func (p *Platform) SetStatus(ctx context.Context, cid string, st mapping.Status, _ string) error {
	c, err := p.DB.GetPlatformCode(ctx, cid)
	if errors.Is(err, store.ErrNotFound) {
		return federation.ErrUnknownCode
	}
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	c.Status, c.StatusAt = string(st), now
	if !c.Expires.After(now) {
		c.Expires = now.Add(time.Minute)
	}
	return p.DB.PutPlatformCode(ctx, *c)
}
