package localjws

import (
	"testing"

	"github.com/hcgw/hcgw/fault"
)

// TestReadObjectIsOpenButExact: members the adapter does not read are
// ignored (a province may add claims), their case variants too, but a case
// variant of a claim it reads is refused, and names are matched exactly.
func TestReadObjectIsOpenButExact(t *testing.T) {
	f := &Fields{CodeID: "id", Status: "mzt", StatusTime: "sj", Expires: "yxq", Name: "xm", ID: "zjhm"}
	tests := map[string]struct {
		in   string
		want string // "" to accept
	}{
		"unread members and their case variants": {`{"mzt":"30","ext":1,"EXT":2,"Ext":{"a":[1]}}`, ""},
		"a case variant of a claim read":         {`{"mzt":"30","MZT":"10"}`, `claim "mzt": another member differs from it only in case`},
		"a claim read only in another case":      {`{"Mzt":"10"}`, `claim "mzt": another member differs`},
		"a claim read twice through an escape":   {`{"mzt":"30","m\u007at":"10"}`, `claim "mzt": duplicate`},
		"an unread member twice is not named":    {`{"mzt":"30","nick":1,"ni\u0063k":2}`, "claims: a member appears twice"},
		"invalid UTF-8 in an unread member":      {"{\"mzt\":\"30\",\"ext\":\"\xff\"}", "claims: invalid UTF-8"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := readObject([]byte(tc.in), f)
			if tc.want == "" {
				if err != nil || string(o["mzt"]) != `"30"` {
					t.Fatalf("readObject = %v, %v; want mzt \"30\"", o, err)
				}
				return
			}
			p, ok := err.(*fault.Error)
			if !ok || p.Kind != fault.Malformed || len(p.Message) < len(tc.want) || p.Message[:len(tc.want)] != tc.want {
				t.Fatalf("readObject(%q) = %v, want malformed %q", tc.in, err, tc.want)
			}
		})
	}
}
