package verify

import (
	"encoding/json"
	"time"

	"github.com/hcgw/hcgw/mapping"
)

// AppendJSON appends the verdict as encoding/json writes it (the same
// members, order, omissions and escaping; TestVerdictJSONMatchesEncodingJSON
// and FuzzVerdictJSON hold it to that), without reflection: the verdict is
// the answer of every verification. The holder goes through its own masking
// encoder. It fails only where encoding/json would: a time outside years
// 0-9999, or a certificate that does not marshal.
func (v *Verdict) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"result":`...)
	dst = mapping.AppendJSONString(dst, string(v.Result))
	dst = append(dst, `,"reason":`...)
	dst = mapping.AppendJSONString(dst, v.Reason.String())
	if v.Detail != "" {
		dst = append(dst, `,"detail":`...)
		dst = mapping.AppendJSONString(dst, v.Detail)
	}
	dst = append(dst, `,"status":`...)
	dst = mapping.AppendJSONString(dst, string(v.Status))
	if v.Issuer != "" {
		dst = append(dst, `,"issuer":`...)
		dst = mapping.AppendJSONString(dst, v.Issuer)
	}
	if v.Format != "" {
		dst = append(dst, `,"format":`...)
		dst = mapping.AppendJSONString(dst, v.Format)
	}
	if v.Holder != nil {
		dst = append(dst, `,"holder":`...)
		dst = v.Holder.AppendJSON(dst)
	}
	var err error
	if v.StatusAsOf != nil {
		dst = append(dst, `,"status_as_of":`...)
		if dst, err = appendTime(dst, *v.StatusAsOf); err != nil {
			return nil, err
		}
	}
	if v.ValidUntil != nil {
		dst = append(dst, `,"valid_until":`...)
		if dst, err = appendTime(dst, *v.ValidUntil); err != nil {
			return nil, err
		}
	}
	if v.Source != "" {
		dst = append(dst, `,"source":`...)
		dst = mapping.AppendJSONString(dst, string(v.Source))
	}
	dst = append(dst, `,"degraded":`...)
	dst = appendBool(dst, v.Degraded)
	dst = append(dst, `,"conflict":`...)
	dst = appendBool(dst, v.Conflict)
	if !v.Admission.IsZero() {
		dst = append(dst, `,"admission":`...)
		dst = v.Admission.AppendJSON(dst)
	}
	if it := v.Itinerary; it != nil {
		dst = append(dst, `,"itinerary":{"regions":`...)
		if it.Regions == nil {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, '[')
			for i, r := range it.Regions {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = mapping.AppendJSONString(dst, r)
			}
			dst = append(dst, ']')
		}
		dst = append(dst, `,"star":`...)
		dst = appendBool(dst, it.Star)
		dst = append(dst, `,"as_of":`...)
		if dst, err = appendTime(dst, it.AsOf); err != nil {
			return nil, err
		}
		dst = append(dst, '}')
	}
	if v.RecordID != "" {
		dst = append(dst, `,"record_id":`...)
		dst = mapping.AppendJSONString(dst, v.RecordID)
	}
	if v.Cert != nil {
		b, err := json.Marshal(v.Cert) // foreign certificates only: rare
		if err != nil {
			return nil, err
		}
		dst = append(dst, `,"cert":`...)
		dst = append(dst, b...)
	}
	return append(dst, '}'), nil
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// appendTime writes t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds; years outside 0-9999, offsets with seconds or of a day or
// more take its own path, which refuses them).
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	if _, offset := t.Zone(); offset%60 != 0 || offset >= 24*3600 || offset <= -24*3600 || t.Year() < 0 || t.Year() > 9999 {
		b, err := t.MarshalJSON() // its own error
		return append(dst, b...), err
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), nil
}
