package httpapi

import "github.com/hcgw/hcgw/mapping"

// fastDecoder is a request body with a decoder for its common shape that
// is quicker than encoding/json's reflection. decodeFast either decodes b
// exactly as json.Unmarshal would (and json.Unmarshal would succeed), or
// declines and leaves the value untouched; readJSON then falls back to
// json.Unmarshal, which also words every error. FuzzDecodeFast holds the
// two to the same result. It is not mapping's claims scanner: that one
// must word every refusal of a code's claims itself, where this one only
// declines and leaves the wording to json.Unmarshal.
type fastDecoder interface {
	decodeFast(b []byte) bool
}

// decodeFast takes the body every checkpoint sends to /v1/verify and
// /v1/convert: one object whose members are "code", "scene" and
// "checkpoint" spelled exactly so, each a string without escapes or
// control characters, in valid UTF-8. Anything else (other or
// differently-cased keys, escapes, null, other types, invalid UTF-8,
// trailing data, bad syntax) is declined. A repeated key keeps its last
// value, as json.Unmarshal does. json.Unmarshal validates the body byte by
// byte before decoding it a second time, on every verification.
func (r *verifyRequest) decodeFast(b []byte) bool {
	var out verifyRequest
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			key, j, ok := mapping.PlainJSONString(b, i)
			if !ok {
				return false
			}
			i = skipSpace(b, j)
			if i >= len(b) || b[i] != ':' {
				return false
			}
			value, j, ok := mapping.PlainJSONString(b, skipSpace(b, i+1))
			if !ok {
				return false
			}
			switch string(key) { // no allocation: the compiler compares in place
			case "code":
				s := string(value)
				out.Code = &s
			case "scene":
				out.Scene = string(value)
			case "checkpoint":
				out.Checkpoint = string(value)
			default:
				return false
			}
			i = skipSpace(b, j)
			if i >= len(b) {
				return false
			}
			if b[i] == '}' {
				i++
				break
			}
			if b[i] != ',' {
				return false
			}
			i = skipSpace(b, i+1)
		}
	}
	if skipSpace(b, i) != len(b) {
		return false
	}
	*r = out
	return true
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
