package verify

import (
	"strings"
	"time"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/admission"
	"github.com/hcgw/hcgw/certlogic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/trust"
)

// admit decides what the checkpoint does with a verdict at scene (DESIGN
// §11): a code that did not verify is denied without a rule; otherwise the
// rules in force for this region, the code's org, the scene and the kind of
// credential decide, and without an acceptance rule only green passes. The
// rules come from the trust snapshot in memory, compiled.
func (v *Verifier) admit(vd *Verdict, c *adapters.Code, scene string, now time.Time) admission.Outcome {
	if vd.Result != fault.Valid {
		return admission.Refused()
	}
	snap := v.Trust.Snapshot()
	if len(snap.Rules()) == 0 {
		return admission.Decide(vd.Status, false, nil)
	}
	q := trust.RuleQuery{Region: v.Region, Org: vd.Issuer, Scene: scene, CertType: trust.CertNational, Now: now}
	foreign := c != nil && c.Payload != nil
	if foreign {
		// A foreign certificate's invalidation rules are its country's.
		q.Org = strings.TrimPrefix(vd.Issuer, "eu:")
		q.CertType = certType(c)
	}
	var buf [8]*trust.Rule
	rules := snap.ApplicableRules(buf[:0], q)
	if len(rules) == 0 {
		return admission.Decide(vd.Status, false, nil)
	}
	var data certlogic.Data
	if foreign {
		data = v.foreignContext(vd, c, scene, now)
	} else {
		n := &admission.National{Status: vd.Status, Org: vd.Issuer, Format: vd.Format, Source: string(vd.Source),
			Degraded: vd.Degraded, Clock: now, Country: v.Region, Scene: scene, ValueSets: v.ValueSets}
		if vd.StatusAsOf != nil {
			n.StatusAt = *vd.StatusAsOf
		}
		n.IT = vd.it // the verdict's: the issuer's when it answered a newer one
		if c != nil {
			n.NAT, n.Vac = c.NAT, c.Vac
			if c.Signed {
				n.Expires, n.IssuedAt = c.Expires, c.IssuedAt
			}
		}
		data = n
	}
	results, acceptance := admission.Evaluate(make([]admission.RuleResult, 0, len(rules)), rules, data)
	return admission.Decide(vd.Status, acceptance, results)
}

// certType is a foreign certificate's kind in the rules' words.
func certType(c *adapters.Code) trust.CertType {
	if c.Cert != nil {
		switch c.Cert.Type {
		case "vaccination":
			return trust.CertVaccination
		case "test":
			return trust.CertTest
		case "recovery":
			return trust.CertRecovery
		}
	}
	return trust.CertGeneral
}

// foreignContext is the data of a rule on a foreign certificate: its
// payload, and the external parameters the EU's rules read.
func (v *Verifier) foreignContext(vd *Verdict, c *adapters.Code, scene string, now time.Time) certlogic.Data {
	external := map[string]any{
		"validationClock":   now.UTC().Format(time.RFC3339),
		"valueSets":         v.ValueSets.Interface(),
		"countryCode":       v.Region,
		"issuerCountryCode": strings.TrimPrefix(vd.Issuer, "eu:"),
		"scene":             scene,
		"exp":               c.Expires.UTC().Format(time.RFC3339),
		"iat":               c.IssuedAt.UTC().Format(time.RFC3339),
	}
	return &certlogic.AnyData{V: map[string]any{"payload": c.Payload, "external": external}}
}
