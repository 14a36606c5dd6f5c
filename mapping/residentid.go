package mapping

import "github.com/hcgw/hcgw/fault"

// residentWeights are GB 11643's weights of the first 17 digits.
var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// ParseResidentID checks an 18-character resident identity number (GB
// 11643: a region, a birth date, a sequence and the check character of
// ISO 7064 MOD 11-2) and returns it in its one spelling (a lowercase x made
// upper). Spaces around it are not part of it; nothing else is forgiven:
// a checkpoint that types a number wrong must hear so, not look up someone
// else. Its errors (bad requests) never repeat the number.
func ParseResidentID(s string) (string, error) {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	if len(s) != 18 {
		return "", fault.New(fault.BadRequest, "a resident identity number has 18 characters")
	}
	var d [17]byte
	sum := 0
	for i := 0; i < 17; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return "", fault.New(fault.BadRequest, "the first 17 characters of a resident identity number are digits")
		}
		d[i] = c
		sum += int(c-'0') * residentWeights[i]
	}
	check := s[17]
	if check == 'x' {
		check = 'X'
	}
	if want := "10X98765432"[sum%11]; check != want {
		return "", fault.New(fault.BadRequest, "the check character of the resident identity number is wrong")
	}
	if !resident18(&d) {
		return "", fault.New(fault.BadRequest, "the resident identity number names no region or birth date")
	}
	if check != s[17] {
		return s[:17] + "X", nil
	}
	return s, nil
}
