package mapping_test

import (
	"encoding/base64"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/mapping"
)

// Resident identity numbers made up for these tests: a region of GB/T 2260,
// a birth date, a sequence number and a check character. They belong to no
// one (the check characters are not computed).
const (
	idPlain  = "330102199001011234"
	idX      = "11010519491231002X"
	idLegacy = "110105491231002"
)

func TestHoldsIdentityNumber(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want bool
	}{
		"an 18-digit number":                       {idPlain, true},
		"a check character X":                      {idX, true},
		"a lower-case check character x":           {strings.ToLower(idX), true},
		"without its check character (17 digits)":  {idPlain[:17], true},
		"separated by spaces":                      {"330102 19900101 1234", true},
		"separated by hyphens":                     {"330102-19900101-123-4", true},
		"separated by underscores":                 {"3301_0219_9001_0112_34", true},
		"a separator between every digit":          {strings.Join(strings.Split(idPlain, ""), "-"), true},
		"with a prefix":                            {"ZJ" + idPlain, true},
		"with a suffix":                            {idPlain + "ab", true},
		"inside a base64url-looking token":         {"aB3_kQ" + idPlain + "_xYz9Qw", true},
		"after other digits":                       {"00" + idPlain, true},
		"before other digits (timestamp appended)": {idPlain + "1764547200", true},
		"17 digits inside a token":                 {"Zq-" + idPlain[:17] + "Kp", true},
		"a legacy 15-digit number":                 {idLegacy, true},
		"a legacy number with separators":          {"110105-491231-002", true},
		"a legacy number inside a token":           {"q" + idLegacy + "Z", true},
		"a foreigner's permanent-residence card":   {"933156199001011239", true},
		"born on a leap day":                       {"440301200002290013", true},
		"a Hong Kong residence permit":             {"810000199001011234", true},

		"a random token":                         {"k3J9_aQ2-ZxW8pLm4nB7vC1d", false},
		"16 digits":                              {idPlain[:16], false},
		"a letter inside the number":             {"33010219900a1011234", false},
		"no such province (19)":                  {"190102199001011234", false},
		"no such province (00)":                  {"000102199001011234", false},
		"month 13":                               {"330102199013011234", false},
		"30 February":                            {"330102199002301234", false},
		"29 February of a common year":           {"330102190002291234", false},
		"born before 1900":                       {"330102189912311234", false},
		"born after 2099":                        {"330102210001011234", false},
		"a snowflake id":                         {"1729384756102938475", false},
		"a date-time serial":                     {"20261123083000123456", false},
		"a 16-digit run holding a legacy number": {"1" + idLegacy, false},
		"a legacy number with an invalid date":   {"110105491331002", false},
		"empty":                                  {"", false},
		"a masked number":                        {"3301**********1234", false},
		"a UVCI":                                 {"URN:UVCI:01:DE:IBMT102/18Q12HTUJ7#S", false},
		"hexadecimal":                            {"10807843F94AEE0EE5093FBC254BD813", false},
		"full-width digits are not digits (ids are ASCII)":   {"３３０１０２１９９００１０１１２３４", false},
		"a number split by a letter into 9 and 9 digits":     {"330102199a001011234", false},
		"an 18-digit number whose region starts with 9 only": {"900102199001011234", false},
	} {
		t.Run(name, func(t *testing.T) {
			if got := mapping.HoldsIdentityNumber(tc.in); got != tc.want {
				t.Fatalf("HoldsIdentityNumber(%q) = %v, want %v", tc.in, got, tc.want)
			}
			if got := holdsReference(tc.in); got != tc.want {
				t.Fatalf("the reference reads %q as %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// holdsReference is the rule of docs/masking.md written the slow way: the
// runs of digits between letters, separators dropped, every window of 17
// and a run of exactly 15 tried.
func holdsReference(s string) bool {
	isLetter := func(r rune) bool { return r < 0x80 && ('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z') }
	for _, run := range strings.FieldsFunc(s, isLetter) {
		var d []byte
		for i := 0; i < len(run); i++ {
			if '0' <= run[i] && run[i] <= '9' {
				d = append(d, run[i])
			}
		}
		for i := 0; i+17 <= len(d); i++ {
			w := string(d[i : i+17])
			if refRegion(w) && refDate(w[6:14]) {
				return true
			}
		}
		if len(d) == 15 && refRegion(string(d)) && refDate("19"+string(d[6:12])) {
			return true
		}
	}
	return false
}

func refRegion(w string) bool {
	prov := func(s string) bool {
		p, _ := strconv.Atoi(s)
		for _, r := range [][2]int{{11, 15}, {21, 23}, {31, 37}, {41, 46}, {50, 54}, {61, 65}, {71, 71}, {81, 83}} {
			if p >= r[0] && p <= r[1] {
				return true
			}
		}
		return false
	}
	return prov(w[:2]) || w[0] == '9' && prov(w[1:3])
}

func refDate(ymd string) bool {
	y, _ := strconv.Atoi(ymd[:4])
	if y < 1900 || y > 2099 {
		return false
	}
	// time.Parse refuses 30 February and 29 February of a common year.
	_, err := time.Parse("20060102", ymd)
	return err == nil
}

// TestHoldsIdentityNumberEveryDay runs every day from 1900 to 2099 (and a
// day past each month's end) through both readings.
func TestHoldsIdentityNumberEveryDay(t *testing.T) {
	n := 0
	for y := 1899; y <= 2100; y++ {
		for m := 1; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				ymd := strconv.Itoa(y) + two(m) + two(d)
				id := "330102" + ymd + "123"
				if got, want := mapping.HoldsIdentityNumber(id), holdsReference(id); got != want {
					t.Fatalf("%s: %v, the reference says %v", id, got, want)
				}
				if mapping.HoldsIdentityNumber(id) {
					n++
				}
			}
		}
	}
	// 200 years of 365 or 366 days: 73049 days.
	if n != 73049 {
		t.Fatalf("%d days read as birth dates, want 73049", n)
	}
}

func two(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// TestHoldsIdentityNumberFalsePositives measures how often the rule takes an
// identifier that holds no number for one, on bounded samples of random
// identifiers (docs/masking.md quotes these figures). Random base64url
// tokens of 16 to 64 characters practically never match (the computed
// bound is printed); random numeric serials sometimes do, as any rule that
// catches a number without its check character must.
func TestHoldsIdentityNumberFalsePositives(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 5))
	const tokens = 200_000
	hits := 0
	buf := make([]byte, 48)
	for i := 0; i < tokens; i++ {
		n := 12 + rng.IntN(37) // 12..48 bytes: 16..64 characters
		for j := range buf[:n] {
			buf[j] = byte(rng.Uint32())
		}
		if mapping.HoldsIdentityNumber(base64.RawURLEncoding.EncodeToString(buf[:n])) {
			hits++
		}
	}
	// A match needs 15 or 17 digits with at most '-' and '_' between them;
	// of the 62 other characters 10 are digits. Union bound over 64 start
	// positions, with the share of digit strings the rule accepts.
	q18 := 0.385 * 73049 / 1e8 // a region, then a date of 1900..2099
	q15 := 0.385 * 36524 / 1e6 // a region, then a date YYMMDD
	p := 10.0 / 62
	bound := 64 * (math.Pow(p, 17)*q18 + math.Pow(p, 15)*q15)
	t.Logf("random base64url tokens of 16-64 characters: %d of %d matched; computed bound %.1e per token", hits, tokens, bound)
	if hits > 0 {
		t.Errorf("%d of %d random tokens read as holding an identity number (bound %.1e)", hits, tokens, bound)
	}

	for _, digits := range []int{18, 19, 20} {
		const serials = 100_000
		hits := 0
		d := make([]byte, digits)
		for i := 0; i < serials; i++ {
			for j := range d {
				d[j] = byte('0' + rng.IntN(10))
			}
			if mapping.HoldsIdentityNumber(string(d)) {
				hits++
			}
		}
		rate := float64(hits) / serials
		t.Logf("random %d-digit serials: %d of %d matched (%.2e)", digits, hits, serials, rate)
		// Each 17-digit window matches with probability q18; a run of
		// 18 to 20 digits has 2 to 4 windows.
		if max := float64(digits-16) * q18 * 2; rate > max {
			t.Errorf("random %d-digit serials: rate %.2e, more than twice the expected %.2e", digits, rate, max/2)
		}
	}
}

// TestLegacyNumbersMustBeAWholeRun measures the alternative docs/masking.md
// rejects: reading a legacy number in any 15-digit window of a longer run
// would refuse several in a hundred 19-digit serials (snowflake ids); the
// rule refuses them at the 17-digit rate only.
func TestLegacyNumbersMustBeAWholeRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const serials = 100_000
	anyWindow, rule := 0, 0
	d := make([]byte, 19)
	for i := 0; i < serials; i++ {
		for j := range d {
			d[j] = byte('0' + rng.IntN(10))
		}
		if mapping.HoldsIdentityNumber(string(d)) {
			rule++
		}
		for k := 0; k+15 <= len(d); k++ {
			if mapping.HoldsIdentityNumber("a" + string(d[k:k+15]) + "a") {
				anyWindow++
				break
			}
		}
	}
	t.Logf("random 19-digit serials: %d of %d refused by the rule, %d with a legacy number in any window", rule, serials, anyWindow)
	if anyWindow < 20*rule {
		t.Fatalf("any-window reading %d, the rule %d: the rule's reason in docs/masking.md no longer holds", anyWindow, rule)
	}
}

func FuzzHoldsIdentityNumber(f *testing.F) {
	for _, s := range []string{idPlain, idX, idLegacy, idPlain[:17], "330102 19900101 1234", "aB3_kQ" + idPlain + "_xYz9Qw",
		"1729384756102938475", "k3J9_aQ2-ZxW8pLm4nB7vC1d", "", "1" + idLegacy, "933156199001011239"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := mapping.HoldsIdentityNumber(s)
		if want := holdsReference(s); got != want {
			t.Fatalf("HoldsIdentityNumber(%q) = %v, the reference says %v", s, got, want)
		}
		// Separators change nothing, and letters around a match keep it.
		if spread := strings.Join(strings.Split(s, ""), "-"); mapping.HoldsIdentityNumber(spread) != got {
			t.Fatalf("%q and %q read differently", s, spread)
		}
		if got && !mapping.HoldsIdentityNumber("a"+s+"Z") {
			t.Fatalf("%q holds a number, with letters around it it does not", s)
		}
	})
}

func BenchmarkHoldsIdentityNumber(b *testing.B) {
	for name, s := range map[string]string{
		"token32":  "q7Xv2KpL9mN4rT8wZ1bC3dE5fG6hJ0kM",
		"serial20": "20261123083000123456",
		"jti22":    "Xk3_9aQ2-ZxW8pLm4nB7vC",
		"holds18":  idPlain,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mapping.HoldsIdentityNumber(s)
			}
		})
	}
}
