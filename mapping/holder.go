package mapping

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hcgw/hcgw/fault"
)

// Holder is the person a code belongs to, in masked form only (DESIGN §3): a
// full name or identity number never leaves an adapter. Build it with
// NewHolder; String, GoString and MarshalJSON re-mask their output so that a
// Holder filled in by hand with full values still cannot leak them.
type Holder struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// Limits of the values MaskName and MaskID accept.
const (
	maxNameRunes = 64
	minIDLen     = 5
	maxIDLen     = 32
	// longIDLen is the length from which an identifier is treated like a
	// resident identity number (18 characters, or 15 for the legacy form):
	// four characters are kept at each end.
	longIDLen = 15
	idKeep    = 4
)

// MaskName masks a holder's name per DESIGN §3, one Unicode character (rune)
// at a time: 1 → unchanged, 2 → first + "*", 3+ → first + "*"×(n-2) + last.
// There is no special case for compound surnames or non-Chinese names: spaces
// and middle dots are characters like any other. Surrounding white space is
// trimmed. MaskName is idempotent: masking a masked name returns it unchanged.
//
// The returned error is a *fault.Error with Reason fault.Malformed whose detail never
// contains the input.
func MaskName(full string) (string, error) {
	if !utf8.ValidString(full) {
		return "", fault.Fail(fault.Malformed, "name: invalid UTF-8")
	}
	s := strings.TrimSpace(full)
	if s == "" {
		return "", fault.Fail(fault.Malformed, "name: empty")
	}
	n := utf8.RuneCountInString(s)
	if n > maxNameRunes {
		return "", fault.Fail(fault.Malformed, "name: longer than %d characters", maxNameRunes)
	}
	for _, r := range s {
		if !nameRuneOK(r) {
			return "", fault.Fail(fault.Malformed, "name: contains a control, format or separator character")
		}
	}
	switch n {
	case 1:
		return s, nil
	case 2:
		first, _ := utf8.DecodeRuneInString(s)
		return string(first) + "*", nil
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	return string(first) + strings.Repeat("*", n-2) + string(last), nil
}

// nameRuneOK rejects what has no place in a name and could disguise a log
// line or a verdict: control characters (NUL, newlines, tabs), format
// characters (bidi overrides, zero-width characters, BOM), line and paragraph
// separators, and U+FFFD, which only ever stands for data lost upstream.
func nameRuneOK(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return false
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
		return false
	case unicode.In(r, unicode.Zl, unicode.Zp):
		return false
	}
	return true
}

// MaskID masks an identity-document number per DESIGN §3. Surrounding white
// space is trimmed and a trailing check character x is upper-cased. The
// accepted characters are 0-9, A-Z and '*' (so already masked values are
// accepted), 5 to 32 of them.
//
// From 15 characters on (18-character resident identity numbers, 15-digit
// legacy ones) the first 4 and last 4 are kept and the rest becomes '*'.
// Shorter identifiers (passports, Hong Kong/Macau/Taiwan permits) keep n/4
// characters at each end (at least 1), so that at least half is masked; this
// refinement is documented in docs/masking.md. MaskID is idempotent.
//
// The returned error is a *fault.Error with Reason fault.Malformed whose detail never
// contains the input.
func MaskID(full string) (string, error) {
	s := strings.TrimSpace(full)
	if strings.HasSuffix(s, "x") {
		s = s[:len(s)-1] + "X"
	}
	if len(s) < minIDLen || len(s) > maxIDLen {
		return "", fault.Fail(fault.Malformed, "identity number: must be %d to %d characters", minIDLen, maxIDLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || c == '*') {
			return "", fault.Fail(fault.Malformed, "identity number: only digits, upper-case letters and '*' are allowed (position %d)", i+1)
		}
	}
	n := len(s)
	keep := idKeepFor(n)
	return s[:keep] + strings.Repeat("*", n-2*keep) + s[n-keep:], nil
}

// idKeepFor is how many characters a masked identity number of n
// characters keeps at each end.
func idKeepFor(n int) int {
	if n < longIDLen {
		return max(n/4, 1)
	}
	return idKeep
}

// IsMaskedName reports whether s is a name in its masked form: non-empty,
// acceptable to MaskName and equal to its own mask (FuzzMaskName holds it to
// that definition). A full name of two or more characters is never masked.
// It reads s in place: every verification checks a holder with it.
func IsMaskedName(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) { // MaskName would trim it
		return false
	}
	n := 0
	for i, r := range s {
		if !nameRuneOK(r) {
			return false
		}
		// Every character between the first and the last is '*' (a
		// two-character mask is the first and '*').
		if i > 0 && i+utf8.RuneLen(r) < len(s) && r != '*' {
			return false
		}
		n++
	}
	return n <= maxNameRunes && (n != 2 || last == '*')
}

// IsMaskedID reports whether s is an identity number in its masked form:
// non-empty, acceptable to MaskID and equal to its own mask (FuzzMaskID
// holds it to that definition). It reads s in place.
func IsMaskedID(s string) bool {
	n := len(s)
	if n < minIDLen || n > maxIDLen {
		return false
	}
	keep := idKeepFor(n)
	for i := 0; i < n; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || c == '*') || i >= keep && i < n-keep && c != '*' {
			return false
		}
	}
	return true
}

// NewHolder masks a full name and identity number into a Holder. The full
// values must not be kept by the caller beyond this call.
func NewHolder(fullName, fullID string) (Holder, error) {
	name, err := MaskName(fullName)
	if err != nil {
		return Holder{}, err
	}
	id, err := MaskID(fullID)
	if err != nil {
		return Holder{}, err
	}
	return Holder{Name: name, ID: id}, nil
}

// String returns the masked pair, safe to log: "-" stands for an empty value
// and "?" for one that cannot be masked (it is not shown).
func (h Holder) String() string {
	return fmt.Sprintf("name=%s id=%s", show(h.Name, safeName), show(h.ID, safeID))
}

// GoString makes %#v as safe as %v.
func (h Holder) GoString() string {
	return fmt.Sprintf("mapping.Holder{Name:%q, ID:%q}", safeName(h.Name), safeID(h.ID))
}

// MarshalJSON writes the masked values. Values already masked (everything
// built by NewHolder) come out unchanged; a value that cannot be masked is
// written as "" rather than risk writing it as it is.
func (h Holder) MarshalJSON() ([]byte, error) {
	return h.AppendJSON(nil), nil
}

// safeName and safeID return the masked form of s, or "" when s is empty
// or unmaskable; a value already masked (everything NewHolder built) is
// returned as it is, without masking it again.
func safeName(s string) string { return safe(s, IsMaskedName, MaskName) }
func safeID(s string) string   { return safe(s, IsMaskedID, MaskID) }

func safe(s string, masked func(string) bool, mask func(string) (string, error)) string {
	if s == "" || masked(s) {
		return s
	}
	m, err := mask(s)
	if err != nil {
		return ""
	}
	return m
}

func show(s string, safe func(string) string) string {
	if s == "" {
		return "-"
	}
	if m := safe(s); m != "" {
		return m
	}
	return "?"
}
