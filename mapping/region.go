package mapping

// NationalRegion is the region code of the national platform (the hub).
const NationalRegion = "000000"

// ValidRegion reports whether s has the shape of a GB/T 2260 region code:
// exactly six ASCII digits. It does not check that the division exists; which
// regions a key may speak for is the trust registry's business.
func ValidRegion(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
