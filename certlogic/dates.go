package certlogic

import (
	"math"
	"time"
)

// maxDateMs is the range of the reference's Date (ECMAScript TimeClip):
// beyond it a date is invalid.
const maxDateMs = 8.64e15

// maxAmount: a plusTime amount beyond it leaves the Date range from any
// four-digit year, whatever the unit (5e9 hours is 1.8e16 ms).
const maxAmount = 5e9

type timeUnit uint8

const (
	unitYear timeUnit = iota + 1
	unitMonth
	unitDay
	unitHour
)

var timeUnits = map[string]timeUnit{"year": unitYear, "month": unitMonth, "day": unitDay, "hour": unitHour}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// civil returns the milliseconds of a date-time given in fields the way the
// reference's Date parses an ISO string: month 1-12, day 1-31 (a day beyond
// the month's last rolls over), hour 0-24 (24 only at 24:00:00.000), minute
// and second 0-59, offset hours 0-23 and minutes 0-59; anything else is an
// invalid date (NaN).
func civil(y, mo, d, h, mi, s, ms, offH, offM int) float64 {
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 59 || offH > 23 || offM > 59 {
		return math.NaN()
	}
	if h == 24 && (mi != 0 || s != 0 || ms != 0) {
		return math.NaN()
	}
	return float64(time.Date(y, time.Month(mo), d, h, mi, s, ms*int(time.Millisecond), time.UTC).UnixMilli())
}

// partialDate reads YYYY and YYYY-MM as the last day they can mean, at
// midnight UTC (dccDateOfBirth, and plusTime of a partial date).
func partialDate(s string) (float64, bool) {
	switch {
	case len(s) == 4 && digits(s):
		return float64(time.Date(num(s), 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli()), true
	case len(s) == 7 && digits(s[:4]) && s[4] == '-' && digits(s[5:]):
		y, m := num(s[:4]), num(s[5:])
		if m < 1 || m > 12 {
			return math.NaN(), true
		}
		return float64(time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).UnixMilli()), true
	}
	return 0, false
}

func isDateOnly(s string) bool {
	return len(s) == 10 && digits(s[:4]) && s[4] == '-' && digits(s[5:7]) && s[7] == '-' && digits(s[8:])
}

// parseDateTime reads plusTime's date or date-time string (the formats of
// the specification); ok false when it is none of them.
func parseDateTime(s string) (float64, bool) {
	if ms, ok := partialDate(s); ok {
		return ms, true
	}
	if isDateOnly(s) {
		return civil(num(s[:4]), num(s[5:7]), num(s[8:]), 0, 0, 0, 0, 0, 0), true
	}
	if len(s) < 19 || !isDateOnly(s[:10]) || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
		!digits(s[11:13]) || !digits(s[14:16]) || !digits(s[17:19]) {
		return 0, false
	}
	r := s[19:]
	ms := 0
	if len(r) > 0 && r[0] == '.' {
		j := 1
		for j < len(r) && r[j] >= '0' && r[j] <= '9' {
			j++
		}
		if j == 1 {
			return 0, false
		}
		// Decimals beyond the third are ignored (rounding down).
		frac := r[1:j]
		for k := 0; k < 3; k++ {
			ms *= 10
			if k < len(frac) {
				ms += int(frac[k] - '0')
			}
		}
		r = r[j:]
	}
	offH, offM, sign := 0, 0, 1
	switch {
	case r == "" || r == "Z":
	case r[0] == '+' || r[0] == '-':
		if r[0] == '-' {
			sign = -1
		}
		var ok bool
		if offH, offM, ok = parseOffset(r[1:]); !ok {
			return 0, false
		}
	default:
		return 0, false
	}
	t := civil(num(s[:4]), num(s[5:7]), num(s[8:10]), num(s[11:13]), num(s[14:16]), num(s[17:19]), ms, offH, offM)
	return t - float64(sign*(offH*60+offM))*60000, true
}

// parseOffset reads what follows the sign as the pattern (\d{1,2}):?(\d{2})?
// does, the hours taking one digit when that is the only way to match.
func parseOffset(t string) (h, m int, ok bool) {
	if c := indexByte(t, ':'); c >= 0 {
		hs, ms := t[:c], t[c+1:]
		if len(hs) < 1 || len(hs) > 2 || !digits(hs) || (len(ms) != 0 && len(ms) != 2) || !digits(ms) {
			return 0, 0, false
		}
		return num(hs), num(ms), true
	}
	if !digits(t) {
		return 0, 0, false
	}
	switch len(t) {
	case 1, 2:
		return num(t), 0, true
	case 3:
		return num(t[:1]), num(t[1:]), true
	case 4:
		return num(t[:2]), num(t[2:]), true
	}
	return 0, 0, false
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// plusTime offsets a date as the reference's Date setters do (setUTCHours,
// setUTCDate, setUTCMonth, setUTCFullYear of the current field + amount).
func plusTime(ms float64, amount float64, u timeUnit) float64 {
	if amount == 0 || math.IsNaN(ms) {
		return ms
	}
	if math.Abs(amount) > maxAmount {
		return math.NaN()
	}
	n := int(amount)
	var out float64
	if u == unitHour {
		out = ms + float64(n)*3600000
	} else {
		t := time.UnixMilli(int64(ms)).UTC()
		y, mo, d := t.Date()
		h, mi, s := t.Clock()
		ns := t.Nanosecond()
		switch u {
		case unitYear:
			y += n
		case unitMonth:
			mo += time.Month(n)
		case unitDay:
			d += n
		}
		out = float64(time.Date(y, mo, d, h, mi, s, ns, time.UTC).UnixMilli())
	}
	if math.Abs(out) > maxDateMs {
		return math.NaN()
	}
	return out
}

// dccDateOfBirth reads YYYY, YYYY-MM or YYYY-MM-DD; ok false otherwise.
func dccDateOfBirth(s string) (float64, bool) {
	if ms, ok := partialDate(s); ok {
		return ms, true
	}
	if isDateOnly(s) {
		return civil(num(s[:4]), num(s[5:7]), num(s[8:]), 0, 0, 0, 0, 0, 0), true
	}
	return 0, false
}

// ParseDateTime reads a date or date-time in one of plusTime's formats, as
// plusTime does; an impossible date (month 13, a 32nd day) is an error.
func ParseDateTime(s string) (time.Time, error) {
	ms, ok := parseDateTime(s)
	if !ok {
		return time.Time{}, errDateFormat
	}
	if math.IsNaN(ms) {
		return time.Time{}, typeError("not a valid date or date-time")
	}
	return time.UnixMilli(int64(ms)).UTC(), nil
}
