package mapping

import "strings"

// readPlainClaims reads a payload written the plain way signers write NIC v1
// claims: one object of the known claims, each once, strings without escapes
// or control bytes, integers as plain digits, JSON white space only between
// tokens, every required claim (and member of "nat" and "it") present. It is
// one pass over the bytes, where DecodeStrict (reflection, then a second pass
// when a claim could be missing) costs several times as much per code.
//
// ok is false for anything else, however harmless (an escape, a minus sign,
// a long number, an unknown or repeated name, a missing claim, a syntax
// error): the caller then reads the payload with DecodeStrict, which gives
// the verdict and the error. So everything this accepts, DecodeStrict reads
// to the same claims, and this never words an error of its own.
// FuzzPlainClaimsAgainstStrict holds it to that.
func readPlainClaims(p []byte) (c *Claims, ok bool) {
	r := plainReader{b: p}
	// Read on the stack, then allocated as the claims need: Claims alone,
	// or with their optional parts.
	var box plainBox
	read := &box.c
	// The string claims, as spans of p until the end, when one allocation
	// holds all of their bytes.
	var spans [7]plainSpan // iss, org, jti, st, hn, hid, nat.r
	var regionsBuf [8]plainSpan
	regions := regionsBuf[:0]
	// A bit per claim, in the order of requiredClaims, then the optional ones.
	const required, nat, vac, it = 1<<10 - 1, 1 << 10, 1 << 11, 1 << 12
	var seen uint32
	if !r.open('{') {
		return nil, false
	}
	for {
		name, ok := r.name()
		if !ok {
			return nil, false
		}
		var bit uint32
		switch string(name) {
		case "v":
			bit = 1 << 0
			read.V, ok = r.smallInt()
		case "iss":
			bit = 1 << 1
			spans[0], ok = r.str()
		case "org":
			bit = 1 << 2
			spans[1], ok = r.str()
		case "jti":
			bit = 1 << 3
			spans[2], ok = r.str()
		case "iat":
			bit = 1 << 4
			read.IAT, ok = r.integer()
		case "exp":
			bit = 1 << 5
			read.EXP, ok = r.integer()
		case "st":
			bit = 1 << 6
			spans[3], ok = r.str()
		case "sa":
			bit = 1 << 7
			read.SA, ok = r.integer()
		case "hn":
			bit = 1 << 8
			spans[4], ok = r.str()
		case "hid":
			bit = 1 << 9
			spans[5], ok = r.str()
		case "nat":
			bit = nat
			spans[6], ok = r.nat(&box.nat)
		case "vac":
			bit = vac
			box.vac, ok = r.smallInt()
		case "it":
			bit = it
			regions, ok = r.itinerary(&box.it, regions)
		default:
			return nil, false
		}
		if !ok || seen&bit != 0 {
			return nil, false
		}
		seen |= bit
		more, ok := r.next('}')
		if !ok {
			return nil, false
		}
		if !more {
			break
		}
	}
	if r.skip(); r.i != len(p) || seen&required != required {
		return nil, false
	}

	if seen&(nat|vac|it) == 0 {
		c = new(Claims)
		*c = box.c
	} else {
		b := new(plainBox)
		*b = box
		c = &b.c
		if seen&nat != 0 {
			c.NAT = &b.nat
		}
		if seen&vac != 0 {
			c.Vac = &b.vac
		}
		if seen&it != 0 {
			c.IT = &b.it
		}
	}

	total := 0
	for _, s := range spans {
		total += int(s.hi - s.lo)
	}
	for _, s := range regions {
		total += int(s.hi - s.lo)
	}
	var sb strings.Builder
	sb.Grow(total)
	for _, s := range spans {
		sb.Write(p[s.lo:s.hi])
	}
	for _, s := range regions {
		sb.Write(p[s.lo:s.hi])
	}
	all, at := sb.String(), 0
	cut := func(s plainSpan) string {
		at += int(s.hi - s.lo)
		return all[at-int(s.hi-s.lo) : at]
	}
	c.Iss, c.Org, c.JTI, c.St, c.HN, c.HID = cut(spans[0]), cut(spans[1]), cut(spans[2]), Status(cut(spans[3])), cut(spans[4]), cut(spans[5])
	if c.NAT != nil {
		c.NAT.Result = cut(spans[6])
	}
	if c.IT != nil {
		// DecodeStrict reads [] as an empty slice, not as nil.
		c.IT.Regions = make([]string, len(regions))
		for i, s := range regions {
			c.IT.Regions[i] = cut(s)
		}
	}
	return c, true
}

// plainBox holds claims and their optional parts in one allocation.
type plainBox struct {
	c   Claims
	nat NAT
	vac int
	it  Itinerary
}

type plainSpan struct{ lo, hi int32 }

// plainReader reads the tokens of readPlainClaims. Each method reports
// failure (false) for anything outside the plain shape.
type plainReader struct {
	b []byte
	i int
}

func (r *plainReader) skip() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// open reads white space and the byte c.
func (r *plainReader) open(c byte) bool {
	r.skip()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// next reads the ',' between members or elements (more) or the closing
// byte end.
func (r *plainReader) next(end byte) (more, ok bool) {
	r.skip()
	if r.i < len(r.b) {
		switch r.b[r.i] {
		case ',':
			r.i++
			return true, true
		case end:
			r.i++
			return false, true
		}
	}
	return false, false
}

// name reads a member name and its colon. The name's bytes are returned
// as they are: one with an escape matches no claim, so the caller, which
// switches on string(name) (no allocation), declines.
func (r *plainReader) name() ([]byte, bool) {
	if !r.open('"') {
		return nil, false
	}
	lo := r.i
	for r.i < len(r.b) && r.b[r.i] != '"' {
		r.i++
	}
	if r.i == len(r.b) {
		return nil, false
	}
	name := r.b[lo:r.i]
	r.i++
	return name, r.open(':')
}

// str reads a string without escapes or control bytes, in valid UTF-8.
func (r *plainReader) str() (plainSpan, bool) {
	r.skip()
	v, next, ok := PlainJSONString(r.b, r.i)
	if !ok {
		return plainSpan{}, false
	}
	r.i = next
	return plainSpan{int32(next - 1 - len(v)), int32(next - 1)}, true
}

// smallInt is integer within an int.
func (r *plainReader) smallInt() (int, bool) {
	n, ok := r.integer()
	return int(n), ok && int64(int(n)) == n
}

// integer reads a non-negative integer of 1 to 18 digits, without a
// leading zero, followed by white space, ',', '}' or ']'.
func (r *plainReader) integer() (int64, bool) {
	r.skip()
	lo := r.i
	var n int64
	for r.i < len(r.b) && '0' <= r.b[r.i] && r.b[r.i] <= '9' {
		n = n*10 + int64(r.b[r.i]-'0')
		r.i++
	}
	d := r.i - lo
	if d == 0 || d > 18 || d > 1 && r.b[lo] == '0' || !r.delimited() {
		return 0, false
	}
	return n, true
}

// boolean reads true or false followed by a delimiter.
func (r *plainReader) boolean() (v, ok bool) {
	r.skip()
	rest := r.b[r.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		r.i += 4
		v = true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		r.i += 5
	default:
		return false, false
	}
	return v, r.delimited()
}

// delimited reports whether the byte at r.i can end a number or a literal.
func (r *plainReader) delimited() bool {
	if r.i == len(r.b) {
		return false
	}
	switch r.b[r.i] {
	case ' ', '\t', '\n', '\r', ',', '}', ']':
		return true
	}
	return false
}

// nat reads {"r":…,"t":…} in either order into n; the span is r's.
func (r *plainReader) nat(n *NAT) (plainSpan, bool) {
	if !r.open('{') {
		return plainSpan{}, false
	}
	var res plainSpan
	var seen uint8
	for {
		name, ok := r.name()
		if !ok {
			return plainSpan{}, false
		}
		var bit uint8
		switch string(name) {
		case "r":
			bit = 1
			res, ok = r.str()
		case "t":
			bit = 2
			n.Time, ok = r.integer()
		default:
			return plainSpan{}, false
		}
		if !ok || seen&bit != 0 {
			return plainSpan{}, false
		}
		seen |= bit
		more, ok := r.next('}')
		if !ok {
			return plainSpan{}, false
		}
		if !more {
			return res, seen == 3
		}
	}
}

// itinerary reads {"r":[…],"star":…,"t":…} in any order into it; the
// regions' spans are appended to regions.
func (r *plainReader) itinerary(it *Itinerary, regions []plainSpan) ([]plainSpan, bool) {
	if !r.open('{') {
		return regions, false
	}
	var seen uint8
	for {
		name, ok := r.name()
		if !ok {
			return regions, false
		}
		var bit uint8
		switch string(name) {
		case "r":
			bit = 1
			regions, ok = r.strings(regions)
		case "star":
			bit = 2
			it.Star, ok = r.boolean()
		case "t":
			bit = 4
			it.Time, ok = r.integer()
		default:
			return regions, false
		}
		if !ok || seen&bit != 0 {
			return regions, false
		}
		seen |= bit
		more, ok := r.next('}')
		if !ok {
			return regions, false
		}
		if !more {
			return regions, seen == 7
		}
	}
}

// strings reads an array of strings, appending their spans.
func (r *plainReader) strings(spans []plainSpan) ([]plainSpan, bool) {
	if !r.open('[') {
		return spans, false
	}
	r.skip()
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return spans, true
	}
	for {
		s, ok := r.str()
		if !ok {
			return spans, false
		}
		spans = append(spans, s)
		more, ok := r.next(']')
		if !ok {
			return spans, false
		}
		if !more {
			return spans, true
		}
	}
}
