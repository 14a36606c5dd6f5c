package gateway

import (
	"context"
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

// simulatedAdmin is the admin side of a platform that takes codes set by
// hand (the simulated one, internal/provsim), nil for any other.
func simulatedAdmin(src federation.Source) httpapi.PlatformAdmin {
	if p, ok := src.(httpapi.PlatformAdmin); ok {
		return p
	}
	return nil
}
