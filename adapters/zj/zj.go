package zj

import (
	"fmt"
	"strings"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// Format, Prefix and Region of Zhejiang's code.
const (
	Format = "zj-v1"
	Prefix = "https://hc.zj.example/q/"
	Region = "330000"
)

// Bounds of the token, in base64url characters.
const (
	MinToken = 16
	MaxToken = 64
)

type adapter struct {
	table *mapping.Table
}

// New returns the zj-v1 adapter with the zj-v1 table of ts. A missing table,
// or one for another region, is refused.
func New(ts mapping.Tables) (adapters.Adapter, error) {
	t, err := ts.Get(Format)
	if err != nil {
		return nil, err
	}
	if t.Region != Region {
		return nil, fmt.Errorf("mapping %s: region %q, the %s format is region %s's", t.Source(), t.Region, Format, Region)
	}
	return &adapter{table: t}, nil
}

func (*adapter) Format() string     { return Format }
func (*adapter) Prefixes() []string { return []string{Prefix} }

// MapStatus translates a status value Zhejiang answered online.
func (a *adapter) MapStatus(local string) mapping.Status { return Map(a.table, local) }

// Map translates a local zj-v1 status value with table t: an unknown value,
// or no table at all, is grey, never green.
func Map(t *mapping.Table, local string) mapping.Status {
	if t == nil {
		return mapping.Grey
	}
	st, _ := t.Map(local)
	return st
}

// Decode checks the URL's shape only. The Code it returns is online-only
// (Signed false): its Status is grey and its holder empty until Zhejiang
// answers, and the verifier never lets it pass on that alone.
func (*adapter) Decode(code string, _ adapters.Env) (*adapters.Code, error) {
	token, ok := strings.CutPrefix(code, Prefix)
	if !ok {
		return nil, fault.Fail(fault.Malformed, "not a %s code: it must start with %q", Format, Prefix)
	}
	if err := CheckToken(token); err != nil {
		return nil, err
	}
	return &adapters.Code{
		Format: Format,
		Iss:    Region,
		Org:    Region,
		ID:     token,
		Signed: false,
		Status: mapping.Grey,
		Digest: adapters.Digest(code),
	}, nil
}

// CheckToken accepts 16 to 64 base64url characters and nothing else: a
// query, a fragment, a trailing slash or a percent-escape makes the URL
// another URL, not another spelling of this one. The simulator
// (internal/provsim) builds codes with it.
func CheckToken(token string) error {
	if len(token) < MinToken || len(token) > MaxToken {
		return fault.Fail(fault.Malformed, "token: must be %d to %d base64url characters", MinToken, MaxToken)
	}
	if i := mapping.NotBase64URL(token); i >= 0 {
		return fault.Fail(fault.Malformed, "token: character %d is not base64url ([A-Za-z0-9_-])", i+1)
	}
	// The token is the code id of status queries and records.
	if mapping.HoldsIdentityNumber(token) {
		return fault.Fail(fault.Malformed, "token: must not hold a resident identity number")
	}
	return nil
}
