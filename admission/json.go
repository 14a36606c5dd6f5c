package admission

import "github.com/hcgw/hcgw/mapping"

// AppendJSON appends the outcome as encoding/json would write it, with
// rules as [] rather than null (the verdict is written without reflection).
func (o *Outcome) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"decision":`...)
	dst = mapping.AppendJSONString(dst, string(o.Decision))
	if o.Default {
		dst = append(dst, `,"default":true,"rules":[`...)
	} else {
		dst = append(dst, `,"default":false,"rules":[`...)
	}
	for i := range o.Rules {
		if i > 0 {
			dst = append(dst, ',')
		}
		r := &o.Rules[i]
		dst = append(dst, `{"id":`...)
		dst = mapping.AppendJSONString(dst, r.ID)
		dst = append(dst, `,"version":`...)
		dst = mapping.AppendJSONString(dst, r.Version)
		dst = append(dst, `,"type":`...)
		dst = mapping.AppendJSONString(dst, r.Type)
		dst = append(dst, `,"result":`...)
		dst = mapping.AppendJSONString(dst, string(r.Result))
		dst = append(dst, `,"description":{"zh":`...)
		dst = mapping.AppendJSONString(dst, r.Description.ZH)
		dst = append(dst, `,"en":`...)
		dst = mapping.AppendJSONString(dst, r.Description.EN)
		dst = append(dst, `}}`...)
	}
	return append(dst, `]}`...)
}

// MarshalJSON is AppendJSON, so that encoding/json and the verdict's own
// writer give the same bytes.
func (o Outcome) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil), nil }
