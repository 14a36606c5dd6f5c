package all

import (
	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/bj"
	"github.com/hcgw/hcgw/adapters/eudcc"
	"github.com/hcgw/hcgw/adapters/gd"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/adapters/zj"
	"github.com/hcgw/hcgw/mapping"
)

// constructors is the one place formats are registered.
var constructors = []func(mapping.Tables) (adapters.Adapter, error){
	func(mapping.Tables) (adapters.Adapter, error) { return nic.New(), nil },
	zj.New, // Zhejiang, online-only tokens
	gd.New, // Guangdong, ES256 JWS with local field names
	sh.New, // Shanghai, delimited payload with detached Ed25519
	bj.New, // Beijing, EdDSA JWS with Chinese status text
	// EU Digital COVID Certificates, a foreign issuer (docs/INTEROP.md)
	eudcc.New,
}

// Registry builds the detection registry of every shipped adapter, each
// with its mapping table from tables. A missing or wrong table stops it.
func Registry(tables mapping.Tables) (*adapters.Registry, error) {
	reg, err := adapters.NewRegistry()
	if err != nil {
		return nil, err
	}
	for _, c := range constructors {
		a, err := c(tables)
		if err != nil {
			return nil, err
		}
		if err := reg.Register(a); err != nil {
			return nil, err
		}
	}
	return reg, nil
}
