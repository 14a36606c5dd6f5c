package certlogic_test

import (
	"fmt"

	"github.com/hcgw/hcgw/certlogic"
)

// dccContext answers §11's data context for a DCC without building the
// {"payload", "external"} map: the payload is decoded JSON, the external
// parameters are fields.
type dccContext struct {
	payload map[string]any
	clock   string
	country string
}

func (c *dccContext) Var(p *certlogic.Path) certlogic.Value {
	if p.Len() == 0 {
		return certlogic.Null() // the whole context is not offered
	}
	switch p.Fragment(0) {
	case "payload":
		return p.From(certlogic.Of(c.payload), 1)
	case "external":
		if p.Len() == 2 {
			switch p.Fragment(1) {
			case "validationClock":
				return certlogic.String(c.clock)
			case "countryCode":
				return certlogic.String(c.country)
			}
		}
	}
	return certlogic.Null()
}

func Example() {
	x, err := certlogic.Compile([]byte(`{"if":[{"var":"payload.v.0"},
		{"not-before":[{"plusTime":[{"var":"external.validationClock"},0,"day"]},{"plusTime":[{"var":"payload.v.0.dt"},14,"day"]}]},
		true]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	payload := map[string]any{"v": []any{map[string]any{"dt": "2021-06-01"}}}
	for _, clock := range []string{"2021-06-10T00:00:00Z", "2021-06-20T00:00:00Z"} {
		v, err := x.Eval(&dccContext{payload: payload, clock: clock, country: "DE"})
		truthy, ok := v.Truthy()
		fmt.Println(clock, truthy, ok, err)
	}
	_, err = certlogic.Compile([]byte(`{"!!":[{"var":"payload.v"}]}`))
	fmt.Println(certlogic.CodeOf(err), err)
	// Output:
	// 2021-06-10T00:00:00Z false true <nil>
	// 2021-06-20T00:00:00Z true true <nil>
	// invalid_expression certlogic: invalid_expression: unrecognised operator: "!!"
}
