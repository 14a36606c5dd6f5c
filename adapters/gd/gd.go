package gd

import (
	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/localjws"
	"github.com/hcgw/hcgw/mapping"
)

// The constants of the gd-v1 format (DESIGN §9).
const (
	Format = "gd-v1"
	Prefix = "GDHC:"
	Region = "440000"
	Typ    = "JWT"
	// Alg is the only algorithm gd-v1 codes are signed with.
	Alg = "ES256"
)

// Spec describes gd-v1 to package localjws. Its Wire are the claim names of
// DESIGN §9, which internal/provsim writes; the adapter reads the names of its mapping
// table, and the shipped table names these.
func Spec() localjws.Spec {
	return localjws.Spec{Format: Format, Prefix: Prefix, Region: Region, Province: "Guangdong", Typ: Typ, Alg: Alg,
		Wire: localjws.Fields{CodeID: "id", Status: "mzt", StatusTime: "sj", Expires: "yxq", Name: "xm", ID: "zjhm"}}
}

// New builds the gd-v1 adapter on its mapping table from ts; it refuses a
// table localjws.New refuses (another region, a field missing or named
// twice).
func New(ts mapping.Tables) (adapters.Adapter, error) { return localjws.New(Spec(), ts) }

// Claims are a gd-v1 code's content as Guangdong's platform holds it: the
// full name and identity number, and the local status value ("10", "20",
// "30", "00"; any other value decodes as grey).
type Claims = localjws.Claims
