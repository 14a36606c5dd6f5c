package gateway

import (
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/issuing"
)

// The issuing capability: this gateway's own codes (POST /v1/issue).

// newIssuer signs codes of g's region with g's keys; nil (the endpoint
// answers 503) when the gateway has no key. The interface is nil then, not
// a nil *issuing.Issuer.
func (g *Gateway) newIssuer() httpapi.Issuer {
	if len(g.Signers) == 0 {
		return nil
	}
	return &issuing.Issuer{Region: g.Config.Region, Signers: g.Signers, Trust: g.Trust, Clock: g.clock}
}
