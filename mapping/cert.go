package mapping

// Cert is what a foreign health certificate (an EU Digital COVID
// Certificate) states, carried beside the national status so that a
// checkpoint sees why a traveller's code is green or grey. It holds no
// personal data beyond the holder's year of birth; names are masked in
// Holder, never here.
type Cert struct {
	// Type is "vaccination", "test" or "recovery" (the certificate's v, t
	// or r).
	Type string `json:"type"`
	// State is the certificate's condition at the validation time, the
	// local value the format's mapping table turns into the status, e.g.
	// "vaccination-complete" (configs/mappings/eu-dcc.yaml).
	State string `json:"state"`
	// Country is where the vaccination, test or recovery took place.
	Country string `json:"country,omitempty"`
	// BirthYear is the holder's year of birth ("" when unknown); the rest
	// of the date of birth is never shown.
	BirthYear string `json:"birth_year,omitempty"`

	// Vaccination: dose Dose of Doses of Product, given on Date.
	Dose    int    `json:"dose,omitempty"`
	Doses   int    `json:"doses,omitempty"`
	Product string `json:"product,omitempty"`
	Date    string `json:"date,omitempty"`

	// Test: its kind ("naat" or "rat", else the code sent), its result
	// ("negative", "positive", else the code sent) and when the sample was
	// taken (RFC 3339).
	TestType  string `json:"test_type,omitempty"`
	Result    string `json:"result,omitempty"`
	SampledAt string `json:"sampled_at,omitempty"`

	// Recovery: the first positive test and the window the certificate is
	// valid in (dates).
	FirstPositive string `json:"first_positive,omitempty"`
	ValidFrom     string `json:"valid_from,omitempty"`
	ValidUntil    string `json:"valid_until,omitempty"`
}
