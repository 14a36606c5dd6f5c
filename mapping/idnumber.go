package mapping

// HoldsIdentityNumber reports whether s, a code id, a token or any other
// identifier that is recorded, logged or sent to a peer, holds a resident
// identity number in any spelling (docs/masking.md, "Identity numbers in
// code ids"). Such an identifier is refused as malformed wherever one is
// read: it would carry the holder's full number past every mask.
//
// s is read as ASCII. ASCII letters and digits are what they are; every
// other byte is a separator, skipped inside a run of digits (so
// "330102-19900101-123X" is one run). A letter ends a run. s holds a number
// when one of its runs has
//   - 17 consecutive digits (an 18-character number, check character or
//     not) whose first two are a province of GB/T 2260, or '9' and a
//     province (the 2023 permanent-residence card for foreigners), and
//     whose digits 7 to 14 are a date from 1900 to 2099 (GB 11643); or
//   - exactly 15 digits (a legacy number, which has no check character)
//     with a province and digits 7 to 12 a date YYMMDD.
//
// It reads s in place and allocates nothing: every code id passes here.
func HoldsIdentityNumber(s string) bool {
	var w [17]byte // the last digits of the current run, oldest first
	n := 0         // digits in the current run (may exceed len(w))
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			c := s[i]
			switch {
			case '0' <= c && c <= '9':
				if n < len(w) {
					w[n] = c
				} else {
					copy(w[:], w[1:])
					w[len(w)-1] = c
				}
				n++
				if n >= len(w) && resident18(&w) {
					return true
				}
				continue
			case !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'):
				continue // a separator: the run goes on
			}
		}
		// A letter, or the end: the run ends here. A legacy number must be
		// the whole run, so that long numeric serials are not read as one.
		if n == 15 && legacy15(w[:15]) {
			return true
		}
		n = 0
	}
	return false
}

// resident18 checks the first 17 characters of an 18-character number: a
// region and a birth date YYYYMMDD at offset 6.
func resident18(d *[17]byte) bool {
	if !region(d[:3]) {
		return false
	}
	y := num(d[6:10])
	return y >= 1900 && y <= 2099 && validDate(y, num(d[10:12]), num(d[12:14]))
}

// legacy15 checks a 15-digit number: a region and a birth date YYMMDD
// (19YY) at offset 6.
func legacy15(d []byte) bool {
	return region(d[:3]) && validDate(1900+num(d[6:8]), num(d[8:10]), num(d[10:12]))
}

// region reports whether a number starts with a province code, or with '9'
// and one (a foreigner's permanent-residence card).
func region(d []byte) bool {
	return province(num(d[:2])) || d[0] == '9' && province(num(d[1:3]))
}

// province reports whether p is the first two digits of a region of GB/T
// 2260, or of the Hong Kong, Macau and Taiwan residence permits (81-83).
func province(p int) bool {
	switch {
	case p >= 11 && p <= 15, p >= 21 && p <= 23, p >= 31 && p <= 37, p >= 41 && p <= 46,
		p >= 50 && p <= 54, p >= 61 && p <= 65, p == 71, p >= 81 && p <= 83:
		return true
	}
	return false
}

// num reads ASCII digits.
func num(d []byte) int {
	n := 0
	for _, c := range d {
		n = n*10 + int(c-'0')
	}
	return n
}

// validDate reports whether y-m-d is a day of the Gregorian calendar.
func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// MaskIdentityNumbers is s, a text for a log (an internal error's, say),
// with every identity number it may hold hidden: each run of 15 or more
// digits (and X) becomes stars, and if a number spelt with separators is
// still there (HoldsIdentityNumber), every digit does. It allocates only
// when it masks.
func MaskIdentityNumbers(s string) string {
	var out []byte
	run := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == 'X' || s[i] == 'x') {
			run++
			continue
		}
		if run >= 15 {
			if out == nil {
				out = []byte(s)
			}
			for j := i - run; j < i; j++ {
				out[j] = '*'
			}
		}
		run = 0
	}
	if out != nil {
		s = string(out)
	}
	if !HoldsIdentityNumber(s) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c >= '0' && c <= '9' {
			b[i] = '*'
		}
	}
	return string(b)
}
