package gateway

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/store"
)

// LoadTables reads the mapping tables: mappings_dir when set, else the ones
// built into the binary.
func LoadTables(cfg *config.Config) (mapping.Tables, error) {
	var fsys fs.FS = configs.Mappings()
	if cfg.MappingsDir != "" {
		fsys = os.DirFS(cfg.ResolvePath(cfg.MappingsDir))
	}
	t, err := mapping.LoadTables(fsys)
	if err != nil {
		return nil, fmt.Errorf("mappings: %w", err)
	}
	return t, nil
}

// SimulatedPlatform is the built-in simulated provincial platform: codes and
// their changing statuses in this gateway's database (DESIGN §7's provincial
// side, for demos and tests of a region without a platform API).
type SimulatedPlatform struct {
	DB     *store.DB
	Region string
	// HolderSecret, when set, also indexes each code's holder under its
	// data-sharing key, so the platform answers holder queries too.
	HolderSecret []byte
}

// Lookup implements federation.Source.
func (p *SimulatedPlatform) Lookup(ctx context.Context, cid string) (mapping.LiveStatus, error) {
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

// SetCode records a code's status on the simulated platform; the holder is
// masked before it is stored.
func (p *SimulatedPlatform) SetCode(ctx context.Context, cid string, st mapping.Status, name, id string, it *mapping.Itinerary, ttl time.Duration) error {
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

// sharer answers data-sharing queries (POST /v1/share/status).
type sharer struct {
	client *federation.Client
	secret []byte
	regs   func() []string // the default regions: every region with an endorsed key but the hub
	dl     time.Duration
}

func (s *sharer) Share(ctx context.Context, id string, regions []string) (federation.Shared, mapping.Holder, error) {
	hk, err := federation.HolderKey(s.secret, id)
	if err != nil {
		return federation.Shared{}, mapping.Holder{}, err
	}
	masked, _ := mapping.MaskID(strings.ToUpper(strings.TrimSpace(id)))
	if len(regions) == 0 {
		regions = s.regs()
	}
	ctx, cancel := context.WithTimeout(ctx, s.dl)
	defer cancel()
	return s.client.Share(ctx, regions, hk), mapping.Holder{ID: masked}, nil
}

// LookupHolder is verify.Holders: every region asked within ctx's deadline
// (the verification's own), for a number already checked.
func (s *sharer) LookupHolder(ctx context.Context, number string) (federation.Shared, string, string, error) {
	hk, err := federation.HolderKey(s.secret, number)
	if err != nil {
		return federation.Shared{}, "", "", err
	}
	masked, err := mapping.MaskID(number)
	if err != nil {
		return federation.Shared{}, "", "", err
	}
	return s.client.Share(ctx, s.regs(), hk), masked, hk, nil
}

func simulatedAdmin(src federation.Source) httpapi.PlatformAdmin {
	if p, ok := src.(*SimulatedPlatform); ok {
		return p
	}
	return nil
}

// SetStatus implements federation.StatusWriter: a resolved correction's
// status, from now; the code keeps its holder and its end (a minute from
// now when it had none left).
func (p *SimulatedPlatform) SetStatus(ctx context.Context, cid string, st mapping.Status, _ string) error {
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
