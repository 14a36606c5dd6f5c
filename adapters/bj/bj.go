package bj

import (
	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/localjws"
	"github.com/hcgw/hcgw/mapping"
)

// The constants of the bj-v1 format (DESIGN §9).
const (
	Format = "bj-v1"
	Prefix = "BJJKB:"
	Region = "110000"
	Typ    = "JWT"
	// Alg is the only algorithm bj-v1 codes are signed with.
	Alg = "EdDSA"
)

// Spec describes bj-v1 to package localjws. Its Wire are the claim names of
// DESIGN §9, which internal/provsim writes; the adapter reads the names of its mapping
// table, and the shipped table names these.
func Spec() localjws.Spec {
	return localjws.Spec{Format: Format, Prefix: Prefix, Region: Region, Province: "Beijing", Typ: Typ, Alg: Alg,
		Wire: localjws.Fields{CodeID: "cid", Status: "zt", StatusTime: "t", Expires: "exp", Name: "name", ID: "idno"}}
}

// New builds the bj-v1 adapter on its mapping table from ts; it refuses a
// table localjws.New refuses (another region, a field missing or named
// twice).
func New(ts mapping.Tables) (adapters.Adapter, error) { return localjws.New(Spec(), ts) }

// Claims are a bj-v1 code's content as Beijing's platform holds it: the
// full name and identity number, and the local status value (未见异常, 弹窗,
// 居家隔离, 核酸异常, 红码, 未知; any other value decodes as grey).
type Claims = localjws.Claims
