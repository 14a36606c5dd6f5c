package mapping

// Status is a health-code colour in the national model.
type Status string

// The four national statuses. Grey means unknown or lapsed: it never passes
// where green is required.
const (
	Green  Status = "green"
	Yellow Status = "yellow"
	Red    Status = "red"
	Grey   Status = "grey"
)

// Statuses lists every status, least severe first.
var Statuses = []Status{Green, Grey, Yellow, Red}

// ParseStatus accepts exactly one of the four national values.
func ParseStatus(s string) (Status, bool) {
	st := Status(s)
	return st, st.Valid()
}

// Valid reports whether s is one of the four national values.
func (s Status) Valid() bool {
	switch s {
	case Green, Yellow, Red, Grey:
		return true
	}
	return false
}

// Severity orders statuses: red > yellow > grey > green. Anything that is not
// a national status is treated as the most severe, so a bug can never turn a
// code green.
func (s Status) Severity() int {
	switch s {
	case Green:
		return 0
	case Grey:
		return 1
	case Yellow:
		return 2
	case Red:
		return 3
	}
	return 4
}

// MostSevere returns the more severe of a and b (the combination rule for
// disagreeing sources).
func MostSevere(a, b Status) Status {
	if b.Severity() > a.Severity() {
		return b
	}
	return a
}
