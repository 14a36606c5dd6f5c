package admission

import (
	"time"

	"github.com/hcgw/hcgw/certlogic"
	"github.com/hcgw/hcgw/mapping"
)

// National is the data context of a rule for a code read into the national
// model (DESIGN §11): payload {st, sa, org, format, source, degraded, nat?,
// vac?, it? (§12)} and external {validationClock, valueSets, countryCode,
// issuerCountryCode, scene, exp, iat}, times as RFC 3339. It answers var
// paths from its fields, so that evaluating a rule builds no map.
type National struct {
	Status   mapping.Status
	StatusAt time.Time
	Org      string
	Format   string
	Source   string
	Degraded bool
	NAT      *mapping.NAT
	Vac      *int
	IT       *mapping.Itinerary

	Clock     time.Time // the validation clock
	Country   string    // this gateway's region
	Scene     string
	Expires   time.Time // the code's exp; zero for an online-only token
	IssuedAt  time.Time // the code's iat; zero for an online-only token
	ValueSets certlogic.Value

	whole certlogic.Value // the context as one object, built only when asked for
}

// rfc3339 writes t for a rule; the zero time (unknown) is null.
func rfc3339(t time.Time) certlogic.Value {
	if t.IsZero() {
		return certlogic.Null()
	}
	return certlogic.String(t.UTC().Format(time.RFC3339))
}

// Var implements certlogic.Data.
func (n *National) Var(p *certlogic.Path) certlogic.Value {
	if p.Len() < 2 {
		return p.From(n.object(), 0)
	}
	var v certlogic.Value
	switch p.Fragment(0) {
	case "payload":
		switch p.Fragment(1) {
		case "st":
			v = certlogic.String(string(n.Status))
		case "sa":
			v = rfc3339(n.StatusAt)
		case "org":
			v = certlogic.String(n.Org)
		case "format":
			v = certlogic.String(n.Format)
		case "source":
			v = certlogic.String(n.Source)
		case "degraded":
			v = certlogic.Bool(n.Degraded)
		case "nat":
			if n.NAT == nil {
				return certlogic.Null()
			}
			if p.Len() == 3 {
				switch p.Fragment(2) {
				case "r":
					return certlogic.String(n.NAT.Result)
				case "t":
					return rfc3339(time.Unix(n.NAT.Time, 0))
				}
			}
			return p.From(n.object(), 0)
		case "vac":
			if n.Vac == nil {
				return certlogic.Null()
			}
			v = certlogic.Number(float64(*n.Vac))
		case "it":
			if n.IT == nil {
				return certlogic.Null()
			}
			if p.Len() == 3 {
				switch p.Fragment(2) {
				case "star":
					return certlogic.Bool(n.IT.Star)
				case "t":
					return rfc3339(time.Unix(n.IT.Time, 0))
				}
			}
			return p.From(n.object(), 0)
		default:
			return certlogic.Null()
		}
	case "external":
		switch p.Fragment(1) {
		case "validationClock":
			v = rfc3339(n.Clock)
		case "valueSets":
			return p.From(n.ValueSets, 2)
		case "countryCode":
			v = certlogic.String(n.Country)
		case "issuerCountryCode":
			v = certlogic.String(n.Org)
		case "scene":
			v = certlogic.String(n.Scene)
		case "exp":
			v = rfc3339(n.Expires)
		case "iat":
			v = rfc3339(n.IssuedAt)
		default:
			return certlogic.Null()
		}
	default:
		return certlogic.Null()
	}
	if p.Len() > 2 {
		return p.From(v, 2) // below a scalar: null, as the reference reads it
	}
	return v
}

// object is the whole context as decoded JSON, for the rare rule that reads
// an object rather than a leaf ({"var":"payload"}, {"var":"payload.nat"}).
func (n *National) object() certlogic.Value {
	if n.whole.Kind() != certlogic.KindNull {
		return n.whole
	}
	payload := map[string]any{"st": string(n.Status), "org": n.Org, "format": n.Format, "source": n.Source, "degraded": n.Degraded}
	if s := rfc3339(n.StatusAt); s.Kind() == certlogic.KindString {
		payload["sa"] = s.Interface()
	}
	if n.NAT != nil {
		payload["nat"] = map[string]any{"r": n.NAT.Result, "t": time.Unix(n.NAT.Time, 0).UTC().Format(time.RFC3339)}
	}
	if n.Vac != nil {
		payload["vac"] = float64(*n.Vac)
	}
	if n.IT != nil {
		regions := make([]any, len(n.IT.Regions))
		for i, r := range n.IT.Regions {
			regions[i] = r
		}
		payload["it"] = map[string]any{"r": regions, "star": n.IT.Star, "t": time.Unix(n.IT.Time, 0).UTC().Format(time.RFC3339)}
	}
	external := map[string]any{"countryCode": n.Country, "issuerCountryCode": n.Org, "scene": n.Scene,
		"valueSets": n.ValueSets.Interface()}
	for k, t := range map[string]time.Time{"validationClock": n.Clock, "exp": n.Expires, "iat": n.IssuedAt} {
		if s := rfc3339(t); s.Kind() == certlogic.KindString {
			external[k] = s.Interface()
		}
	}
	n.whole = certlogic.Of(map[string]any{"payload": payload, "external": external})
	return n.whole
}
