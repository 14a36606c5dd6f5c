package mapping_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hcgw/hcgw/mapping"
)

// refStrict reads msg by the rules DecodeStrict states, over encoding/json's
// token stream: an implementation independent of go-json-experiment, for
// FuzzDecodeStrict. encoding/json matches names case-insensitively, keeps
// the last duplicate and replaces invalid UTF-8 and lone surrogates; here
// the tokens are taken one by one, so each of those is decided by this code.
func refStrict(in []byte, closed bool) (*msg, error) {
	if !utf8.Valid(in) || loneSurrogate(in) {
		return nil, errRef
	}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	v, err := refValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errRef
	}
	obj, ok := v.(refObject)
	if !ok {
		return nil, errRef
	}
	var m msg
	for _, mem := range obj {
		var err error
		switch mem.name {
		case "st":
			m.S, err = refString(mem.value)
		case "status":
			var s string
			s, err = refString(mem.value)
			m.Sta = mapping.Status(s)
		case "n":
			m.N, err = refInt(mem.value)
		case "i":
			var n int64
			n, err = refInt(mem.value)
			m.I = int(n)
		case "b":
			b, ok := mem.value.(bool)
			if !ok {
				err = errRef
			}
			m.B = b
		case "l":
			list, ok := mem.value.([]any)
			if !ok {
				return nil, errRef
			}
			m.L = []string{}
			for _, e := range list {
				s, err := refString(e)
				if err != nil {
					return nil, err
				}
				m.L = append(m.L, s)
			}
		case "p":
			var n int64
			n, err = refInt(mem.value)
			i := int(n)
			m.P = &i
		case "o":
			o, ok := mem.value.(refObject)
			if !ok {
				return nil, errRef
			}
			m.O = &mapping.NAT{}
			for _, om := range o {
				switch om.name {
				case "r":
					m.O.Result, err = refString(om.value)
				case "t":
					m.O.Time, err = refInt(om.value)
				default:
					if closed {
						return nil, errRef
					}
				}
				if err != nil {
					return nil, err
				}
			}
		case "raw":
			// Any value, null included.
		default:
			if closed {
				return nil, errRef
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return &m, nil
}

var errRef = errors.New("refused")

type refMember struct {
	name  string
	value any
}

// refObject keeps an object's members in order, names exact.
type refObject []refMember

// refValue reads one value into strings, json.Numbers, bools, nil,
// []any and refObjects, refusing a name given twice in one object.
func refValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, errRef
	}
	switch tok {
	case json.Delim('{'):
		var o refObject
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, errRef
			}
			name := k.(string)
			if seen[name] {
				return nil, errRef
			}
			seen[name] = true
			v, err := refValue(dec)
			if err != nil {
				return nil, err
			}
			o = append(o, refMember{name, v})
		}
		if _, err := dec.Token(); err != nil {
			return nil, errRef
		}
		return o, nil
	case json.Delim('['):
		list := []any{}
		for dec.More() {
			v, err := refValue(dec)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, errRef
		}
		return list, nil
	}
	return tok, nil
}

func refString(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", errRef
	}
	return s, nil
}

func refInt(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok || strings.ContainsAny(string(n), ".eE") {
		return 0, errRef
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return 0, errRef
	}
	return i, nil
}

// loneSurrogate reports a \u escape of a surrogate that is not half of a
// pair, inside a string of (otherwise valid) JSON.
func loneSurrogate(b []byte) bool {
	hex := func(i int) (rune, bool) {
		if i+4 > len(b) {
			return 0, false
		}
		n, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
		return rune(n), err == nil
	}
	in := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case !in:
			in = c == '"'
		case c == '"':
			in = false
		case c == '\\' && i+1 < len(b):
			i++
			if b[i] != 'u' {
				continue
			}
			r, ok := hex(i + 1)
			if !ok {
				return false // not JSON: the decoder refuses it
			}
			i += 4
			switch {
			case 0xdc00 <= r && r <= 0xdfff:
				return true
			case 0xd800 <= r && r <= 0xdbff:
				if i+2 >= len(b) || b[i+1] != '\\' || b[i+2] != 'u' {
					return true
				}
				lo, ok := hex(i + 3)
				if !ok || lo < 0xdc00 || lo > 0xdfff {
					return true
				}
				i += 6
			}
		}
	}
	return false
}
