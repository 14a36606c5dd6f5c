package gateway

import (
	"crypto/tls"
	"fmt"
	"net/http"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/httpapi"
)

// The HTTP capability: the API's clients and limits over every other part,
// and the listener's TLS.

// answerers are the parts that answer peers, built by newResponders.
type answerers struct {
	status      *federation.Responder
	corrections *federation.CorrectionResponder
}

// newHTTP is the API of g over its parts (p: the federation's outbound
// side, a: what answers peers, issuer: nil when it issues nothing), with the
// clients cs and the limits and rates of s, and the listener's TLS of s
// (nil: plain HTTP).
func (g *Gateway) newHTTP(s config.Server, cs []config.Client, resolve func(string) string, p peering, a answerers,
	issuer httpapi.Issuer) (http.Handler, *tls.Config, error) {
	var tc *tls.Config
	if s.TLSCertFile != "" {
		var err error
		if tc, err = listenerTLS(s, resolve); err != nil {
			return nil, nil, err
		}
	}
	clients := make([]httpapi.Client, 0, len(cs))
	for _, c := range cs {
		cl, err := httpapi.NewClient(c.Name, c.Role, c.TokenSHA256)
		if err != nil {
			return nil, nil, fmt.Errorf("clients: %w", err)
		}
		clients = append(clients, cl)
	}
	var share httpapi.Sharer
	if p.share != nil {
		share = p.share
	}
	h := httpapi.New(httpapi.Deps{
		Verifier: g.Verifier, Trust: g.Trust, Issuer: issuer, Signers: g.Signers,
		Records: recordStore{g.DB}, Events: eventStore{g.DB, g.clock}, Ready: g.ready, Clients: clients,
		Limits: httpapi.Limits{MaxBody: s.MaxBodyBytes, MaxBatchBody: s.MaxBatchBodyBytes, MaxBatchCodes: s.MaxBatchCodes},
		Logger: g.Logger, Warnings: g.expiryWarnings, Metrics: g.Metrics.Handler(),
		RateLimit: httpapi.RateLimit{Rate: s.RateLimit, Burst: s.RateBurst}, Clock: g.clock,
		IDLookupLimit:   httpapi.RateLimit{Rate: s.IDLookupRate, Burst: s.IDLookupBurst},
		RequirePeerCert: s.TLSClientCAFile != "", Federation: a.status, Platform: simulatedAdmin(p.platform), Share: share,
		Ops: opsSource{g}, QR: g.QR, Corrections: g.Corrections, CorrectionPeer: a.corrections,
	})
	return h, tc, nil
}
