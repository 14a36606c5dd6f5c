package trust

import (
	"bytes"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hcgw/hcgw/certlogic"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// Admission rules (DESIGN §11) are trust data: signed like endorsements,
// kept in the snapshot, listed and pulled with the trust list.

// TypRule is the JWS type of a signed admission rule.
const TypRule = "nic-rule+jwt"

// Bounds of a rule.
const (
	// MaxRule bounds the rule object (the claim "rule"), as JSON.
	MaxRule = 64 << 10
	// MaxRuleJWS bounds a rule JWS: a MaxRule rule in base64url with its
	// header, other claims and signature.
	MaxRuleJWS = MaxRule*4/3 + 4<<10
	// maxRuleDepth bounds the nesting of a rule's JSON (CertLogic nests
	// one level an operation; the EU's deepest rules use about 15).
	maxRuleDepth = 64
)

// ErrBadRule wraps every refusal of a rule for its content (400 bad_rule);
// ErrRuleForbidden every refusal for its signer (403 forbidden).
var (
	ErrBadRule       = fault.New(fault.BadRule, "bad rule")
	ErrRuleForbidden = fault.New(fault.Forbidden, "rule signer not allowed")
)

func badRule(format string, args ...any) error {
	return fault.Detail(ErrBadRule, format, args...)
}

// RuleType is Acceptance or Invalidation.
type RuleType string

// The two rule types.
const (
	RuleAcceptance   RuleType = "Acceptance"
	RuleInvalidation RuleType = "Invalidation"
)

// CertType is a rule's CertificateType: the EU's four, and National for
// every code read into the national model.
type CertType string

// The certificate types of §11.
const (
	CertGeneral     CertType = "General"
	CertVaccination CertType = "Vaccination"
	CertTest        CertType = "Test"
	CertRecovery    CertType = "Recovery"
	CertNational    CertType = "National"
)

// RuleDescription is one language's description of a rule.
type RuleDescription struct {
	Lang string `json:"lang"`
	Desc string `json:"desc"`
}

// Rule is a checked, signed admission rule. It is immutable once in a
// Snapshot.
type Rule struct {
	Identifier      string
	Type            RuleType
	Country         string // six-digit region or ISO 3166 alpha-2
	Version         string
	SchemaVersion   string
	Engine          string
	EngineVersion   string
	CertificateType CertType
	Description     []RuleDescription
	ValidFrom       time.Time
	ValidTo         time.Time
	AffectedFields  []string
	Logic           []byte          // the CertLogic expression, as signed
	Expr            *certlogic.Expr // Logic, compiled
	Scenes          []string

	Iss      string    // the signing region
	IssuedAt time.Time // iat
	JTI      string
	Signer   string // kid of the signing key (an anchor's or an endorsed key's)
	Anchor   bool   // signed by an anchor
	JWS      string

	version [3]uint64
	raw     []byte // the rule object as signed
}

// Newer reports whether r's version is higher than o's.
func (r *Rule) Newer(o *Rule) bool { return cmpVersion(r.version, o.version) > 0 }

// InForce reports whether t lies in [ValidFrom, ValidTo).
func (r *Rule) InForce(t time.Time) bool { return !t.Before(r.ValidFrom) && t.Before(r.ValidTo) }

// key names one version of one rule: what makes two rule entries the same.
func (r *Rule) key() string { return r.Country + ":" + r.Identifier + ":" + r.Version }

func cmpVersion(a, b [3]uint64) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// ruleClaims are the claims of a rule JWS; ruleJSON the rule object. The
// pointers tell a missing member from an empty one.
type ruleClaims struct {
	Iss  *string        `json:"iss"`
	IAT  *int64         `json:"iat"`
	JTI  *string        `json:"jti"`
	Rule jsontext.Value `json:"rule"`
}

type ruleJSON struct {
	Identifier      *string            `json:"Identifier"`
	Type            *string            `json:"Type"`
	Country         *string            `json:"Country"`
	Version         *string            `json:"Version"`
	SchemaVersion   *string            `json:"SchemaVersion"`
	Engine          *string            `json:"Engine"`
	EngineVersion   *string            `json:"EngineVersion"`
	CertificateType *string            `json:"CertificateType"`
	Description     *[]RuleDescription `json:"Description"`
	ValidFrom       *string            `json:"ValidFrom"`
	ValidTo         *string            `json:"ValidTo"`
	AffectedFields  *[]string          `json:"AffectedFields"`
	Logic           jsontext.Value     `json:"Logic"`
	Scenes          *[]string          `json:"Scenes"`
}

var (
	ruleIDRe   = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	semverRe   = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$`)
	ruleTimeRe = regexp.MustCompile(`^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d([-+][0-2]\d:[0-5]\d|Z)$`)
	langRe     = regexp.MustCompile(`^([a-z]{2}|[a-z]{2}-[a-z]{2})$`)
	sceneRe    = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)
)

// ValidRuleCountry reports whether c may be a rule's Country: a six-digit
// region or an ISO 3166 alpha-2 code.
func ValidRuleCountry(c string) bool { return mapping.ValidRegion(c) || isCountry(c) }

func semver(name, v string) ([3]uint64, error) {
	m := semverRe.FindStringSubmatch(v)
	if m == nil {
		return [3]uint64{}, badRule("%s %q is not a semantic version MAJOR.MINOR.PATCH", name, clip(v))
	}
	var out [3]uint64
	for i := range out {
		out[i], _ = strconv.ParseUint(m[i+1], 10, 64)
	}
	return out, nil
}

func ruleTime(name, v string) (time.Time, error) {
	if !ruleTimeRe.MatchString(v) {
		return time.Time{}, badRule("%s %q is not an RFC 3339 time without fractions", name, clip(v))
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, badRule("%s %q is not a valid time", name, clip(v))
	}
	return t.UTC(), nil
}

// parseRuleObject checks the rule object's shape: the EU validation-rule
// schema with §11's changes.
func parseRuleObject(raw []byte) (*Rule, error) {
	if len(raw) > MaxRule {
		return nil, badRule("rule is %d bytes, more than %d", len(raw), MaxRule)
	}
	var j ruleJSON
	if err := mapping.DecodeStrict(raw, &j, mapping.Strict{What: "rule", Noun: "rule member", Closed: true}); err != nil {
		return nil, badRule("rule is not the expected object: %s", jsonProblem(err))
	}
	required := []struct {
		name string
		set  bool
	}{
		{"Identifier", j.Identifier != nil}, {"Type", j.Type != nil}, {"Country", j.Country != nil},
		{"Version", j.Version != nil}, {"SchemaVersion", j.SchemaVersion != nil}, {"Engine", j.Engine != nil},
		{"EngineVersion", j.EngineVersion != nil}, {"CertificateType", j.CertificateType != nil},
		{"Description", j.Description != nil}, {"ValidFrom", j.ValidFrom != nil}, {"ValidTo", j.ValidTo != nil},
		{"AffectedFields", j.AffectedFields != nil}, {"Logic", len(j.Logic) > 0 && string(j.Logic) != "null"},
	}
	for _, m := range required {
		if !m.set {
			return nil, badRule("rule member %q is missing", m.name)
		}
	}
	r := &Rule{Identifier: *j.Identifier, Type: RuleType(*j.Type), Country: *j.Country, Version: *j.Version,
		SchemaVersion: *j.SchemaVersion, Engine: *j.Engine, EngineVersion: *j.EngineVersion,
		CertificateType: CertType(*j.CertificateType), Description: *j.Description,
		AffectedFields: *j.AffectedFields, raw: raw}
	if !ruleIDRe.MatchString(r.Identifier) {
		return nil, badRule("Identifier %q is not 1-64 of A-Z a-z 0-9 _ . -", clip(r.Identifier))
	}
	switch r.Type {
	case RuleAcceptance, RuleInvalidation:
	default:
		return nil, badRule("Type %q is neither Acceptance nor Invalidation", clip(string(r.Type)))
	}
	if !ValidRuleCountry(r.Country) {
		return nil, badRule("Country %q is neither a six-digit region nor an ISO 3166 alpha-2 code", clip(r.Country))
	}
	var err error
	if r.version, err = semver("Version", r.Version); err != nil {
		return nil, err
	}
	if _, err = semver("SchemaVersion", r.SchemaVersion); err != nil {
		return nil, err
	}
	if r.Engine != "CERTLOGIC" {
		return nil, badRule("Engine %q is not CERTLOGIC", clip(r.Engine))
	}
	if _, err = semver("EngineVersion", r.EngineVersion); err != nil {
		return nil, err
	}
	switch r.CertificateType {
	case CertGeneral, CertVaccination, CertTest, CertRecovery, CertNational:
	default:
		return nil, badRule("CertificateType %q is not General, Vaccination, Test, Recovery or National", clip(string(r.CertificateType)))
	}
	if err := checkDescriptions(r); err != nil {
		return nil, err
	}
	if r.ValidFrom, err = ruleTime("ValidFrom", *j.ValidFrom); err != nil {
		return nil, err
	}
	if r.ValidTo, err = ruleTime("ValidTo", *j.ValidTo); err != nil {
		return nil, err
	}
	if !r.ValidFrom.Before(r.ValidTo) {
		return nil, badRule("ValidFrom is not before ValidTo")
	}
	for _, f := range r.AffectedFields {
		if f == "" || len(f) > 256 {
			return nil, badRule("AffectedFields holds an empty or over-long field")
		}
	}
	if j.Logic.Kind() != '{' || string(bytes.TrimSpace(j.Logic[1:len(j.Logic)-1])) == "" {
		return nil, badRule("Logic is not a non-empty JSON object (a CertLogic operation)")
	}
	r.Logic = bytes.Clone(j.Logic)
	if j.Scenes != nil {
		for _, s := range *j.Scenes {
			if !sceneRe.MatchString(s) {
				return nil, badRule("scene %q is not 1-64 of A-Z a-z 0-9 . _ : -", clip(s))
			}
		}
		r.Scenes = slices.Clone(*j.Scenes)
	}
	return r, nil
}

// checkDescriptions: at least one, an English one always (the EU schema),
// a Chinese one too for a region's rule (§11: zh and en).
func checkDescriptions(r *Rule) error {
	if len(r.Description) == 0 {
		return badRule("Description is empty")
	}
	var en, zh bool
	for _, d := range r.Description {
		if !langRe.MatchString(d.Lang) {
			return badRule("Description lang %q is not a language tag like en or zh-cn", clip(d.Lang))
		}
		if strings.TrimSpace(d.Desc) == "" || len(d.Desc) > 2048 {
			return badRule("Description %s is empty or longer than 2048 bytes", d.Lang)
		}
		en = en || d.Lang == "en"
		zh = zh || d.Lang == "zh" || strings.HasPrefix(d.Lang, "zh-")
	}
	if !en {
		return badRule("Description has no English (en) text")
	}
	if mapping.ValidRegion(r.Country) && !zh {
		return badRule("Description of a region's rule has no Chinese (zh) text")
	}
	return nil
}

// jsonProblem says what the strict decoder refused, without echoing more
// than a clipped fragment of the input.
func jsonProblem(err error) string { return mapping.Clip(err.Error(), 200) }

// parseRule checks a rule JWS against anchors and the keys of snap: its
// header, signature, claims, the rule's shape and logic, and that its
// signer may sign rules for its Country (an anchor for any; a key with an
// endorsement of use rules whose scope covers it, iss its region, iat in
// its window).
func parseRule(anchors Anchors, snap *Snapshot, token string, skew time.Duration) (*Rule, error) {
	token = strings.TrimSpace(token)
	if len(token) > MaxRuleJWS {
		return nil, badRule("rule JWS is %d bytes, more than %d (a rule is at most %d)", len(token), MaxRuleJWS, MaxRule)
	}
	h, payload, sig, err := splitCompactMax(token, MaxRuleJWS)
	if err != nil {
		return nil, badRule("%v", err)
	}
	if err := checkHeader(h, TypRule); err != nil {
		return nil, badRule("%v", err)
	}
	var pub *PublicKey
	var key *Key
	if a := anchors[h.Kid]; a != nil {
		pub = a
	} else if key = snap.keys[h.Kid]; key != nil {
		if key.Revoked != nil {
			return nil, fault.Detail(ErrRuleForbidden, "key %s was revoked", key.Kid)
		}
		pub = key.Public
	} else {
		return nil, fault.Detail(ErrRuleForbidden, "kid %q is neither a trust anchor nor an endorsed key", clip(h.Kid))
	}
	if err := verifyWith(token, sig, h, pub); err != nil {
		return nil, badRule("%v", err)
	}
	if err := jsonDepth(payload, maxRuleDepth+1); err != nil {
		if errors.Is(err, errTooDeep) {
			return nil, badRule("rule is nested more than %d deep", maxRuleDepth)
		}
		return nil, badRule("claims are not JSON: %s", jsonProblem(err))
	}
	var c ruleClaims
	if err := mapping.DecodeStrict(payload, &c, mapping.Strict{What: "rule claims", Noun: "claim", Closed: true}); err != nil {
		return nil, badRule("claims are not the expected object: %s", jsonProblem(err))
	}
	switch {
	case c.Iss == nil:
		return nil, badRule("claim \"iss\" is missing")
	case c.IAT == nil || *c.IAT <= 0 || *c.IAT > 253402300799:
		return nil, badRule("claim \"iat\" must be a positive integer of seconds")
	case c.JTI == nil || *c.JTI == "" || len(*c.JTI) > 128:
		return nil, badRule("claim \"jti\" must be 1-128 characters")
	case len(c.Rule) == 0 || c.Rule.Kind() != '{':
		return nil, badRule("claim \"rule\" is missing or not an object")
	}
	r, err := parseRuleObject(bytes.Clone(c.Rule))
	if err != nil {
		return nil, err
	}
	r.Iss, r.IssuedAt, r.JTI, r.Signer, r.Anchor, r.JWS = *c.Iss, time.Unix(*c.IAT, 0).UTC(), *c.JTI, pub.Kid, key == nil, token
	// Compiled once, here: verifications evaluate the compiled expression
	// and never read JSON logic.
	if r.Expr, err = certlogic.Compile(r.Logic); err != nil {
		return nil, badRule("Logic is not a valid CertLogic expression: %v", err)
	}
	if key == nil {
		if r.Iss != mapping.NationalRegion {
			return nil, fault.Detail(ErrRuleForbidden, "a rule signed by an anchor has iss %q, want %q", clip(r.Iss), mapping.NationalRegion)
		}
		return r, nil
	}
	if err := key.Authorize(UseRules, r.Iss, r.Country, r.IssuedAt, skew); err != nil {
		return nil, fault.Detail(ErrRuleForbidden, "%v", err)
	}
	return r, nil
}

// ListRule is a rule entry of GET /v1/rules and of the trust list.
type ListRule struct {
	ID        string   `json:"id"`
	Version   string   `json:"version"`
	Region    string   `json:"region"`
	Type      RuleType `json:"type"`
	Scenes    []string `json:"scenes"`
	ValidFrom string   `json:"valid_from"`
	ValidTo   string   `json:"valid_to"`
	JWS       string   `json:"jws"`
}

// RuleList is the body of GET /v1/rules.
type RuleList struct {
	Version int        `json:"version"`
	Rules   []ListRule `json:"rules"`
}

func listRule(r *Rule) ListRule {
	sc := r.Scenes
	if sc == nil {
		sc = []string{}
	}
	return ListRule{ID: r.Identifier, Version: r.Version, Region: r.Country, Type: r.Type, Scenes: sc,
		ValidFrom: r.ValidFrom.Format(time.RFC3339), ValidTo: r.ValidTo.Format(time.RFC3339), JWS: r.JWS}
}

// ruleGroup holds the versions of one rule (one Country and Identifier),
// highest first.
type ruleGroup []*Rule

// indexRules groups rules by Country, then by Identifier.
func indexRules(rules []*Rule) map[string][]ruleGroup {
	byKey := map[string]int{}
	out := map[string][]ruleGroup{}
	for _, r := range rules {
		k := r.Country + ":" + r.Identifier
		gs := out[r.Country]
		i, ok := byKey[k]
		if !ok {
			i = len(gs)
			byKey[k] = i
			gs = append(gs, nil)
		}
		gs[i] = append(gs[i], r)
		out[r.Country] = gs
	}
	for _, gs := range out {
		for _, g := range gs {
			slices.SortFunc(g, func(a, b *Rule) int { return -cmpVersion(a.version, b.version) })
		}
	}
	return out
}

// RuleQuery says for what a verification asks which rules apply.
type RuleQuery struct {
	Region   string   // this gateway's region: whose acceptance rules apply
	Org      string   // the code's org (or a DCC's issuing country): whose invalidation rules apply
	Scene    string   // the request's scene; "" matches only rules for every scene
	CertType CertType // the credential's kind (National for the national model)
	Now      time.Time
}

// Rules returns every rule the snapshot holds, in the order they became
// known.
func (s *Snapshot) Rules() []*Rule { return s.rules }

// ApplicableRules appends to dst the rules that apply to q (DESIGN §11,
// "Which rules apply") and returns it, in the contract's order: of the
// rules of q.Region or q.Org, those that are an acceptance rule of q.Region
// or an invalidation rule of q.Org, whose Scenes are empty or hold q.Scene,
// whose CertificateType is General or q.CertType, inside their window at
// q.Now and whose signer vouches for them now; of the versions of one
// Identifier among those, the highest. (A newer version narrowed to other
// scenes leaves the older one in force for the scenes it no longer names:
// every gateway built to §11 selects so.) It reads memory only.
func (s *Snapshot) ApplicableRules(dst []*Rule, q RuleQuery) []*Rule {
	dst = s.appendApplicable(dst, q.Region, q)
	if q.Org != q.Region {
		dst = s.appendApplicable(dst, q.Org, q)
	}
	return dst
}

func (s *Snapshot) appendApplicable(dst []*Rule, country string, q RuleQuery) []*Rule {
	for _, g := range s.ruleIdx[country] {
		for _, r := range g { // highest version first
			if s.matches(r, country, q) && r.InForce(q.Now) && s.ruleSignerSound(r, q.Now) {
				dst = append(dst, r)
				break
			}
		}
	}
	return dst
}

// matches reports whether r, a rule of country, is for q: its type and
// region, its scenes, its certificate type.
func (s *Snapshot) matches(r *Rule, country string, q RuleQuery) bool {
	switch {
	case r.Type == RuleAcceptance && country == q.Region:
	case r.Type == RuleInvalidation && country == q.Org:
	default:
		return false
	}
	if len(r.Scenes) > 0 && !slices.Contains(r.Scenes, q.Scene) {
		return false
	}
	return r.CertificateType == CertGeneral || r.CertificateType == q.CertType
}

// inForce is the version of a rule (its group, highest version first) in
// force at now: the highest inside its window whose signer vouches for it.
func (s *Snapshot) inForce(g ruleGroup, now time.Time) *Rule {
	for _, r := range g {
		if r.InForce(now) && s.ruleSignerSound(r, now) {
			return r
		}
	}
	return nil
}

// Rule states (RuleState).
const (
	RuleInForce     = "in_force"            // the version applied now
	RuleSuperseded  = "superseded"          // inside its window, a higher version applied instead
	RuleStartsLater = "starts_later"        // its window has not begun
	RuleLapsed      = "lapsed"              // its window has ended
	RuleUnsigned    = "signer_not_in_force" // inside its window, its signer no longer vouches for it
)

// RuleState says of one rule the snapshot holds what ApplicableRules makes
// of it at now (the operator's view).
func (s *Snapshot) RuleState(r *Rule, now time.Time) string {
	for _, g := range s.ruleIdx[r.Country] {
		if len(g) == 0 || g[0].Identifier != r.Identifier {
			continue
		}
		switch {
		case s.inForce(g, now) == r:
			return RuleInForce
		case now.Before(r.ValidFrom):
			return RuleStartsLater
		case !r.InForce(now):
			return RuleLapsed
		case !s.ruleSignerSound(r, now):
			return RuleUnsigned
		}
		return RuleSuperseded
	}
	return RuleLapsed
}

// ruleSignerSound: a rule is applied only while its signer vouches for it
// now: not revoked, and endorsed for rules of its Country at now, not only
// at the rule's iat (the signer chooses iat: a key whose endorsement ended
// could otherwise sign a rule dated inside its old window, and a rule,
// unlike a code, may stand for years).
func (s *Snapshot) ruleSignerSound(r *Rule, now time.Time) bool {
	if r.Anchor {
		return true
	}
	k := s.keys[r.Signer]
	return k != nil && k.Authorize(UseRules, r.Iss, r.Country, now, 0) == nil
}

// RuleList returns the JSON of GET /v1/rules and its ETag, computed once
// per snapshot.
func (s *Snapshot) RuleList() ([]byte, string) {
	s.ruleListOnce.Do(func() {
		l := RuleList{Version: len(s.rules), Rules: make([]ListRule, 0, len(s.rules))}
		for _, r := range s.rules {
			l.Rules = append(l.Rules, listRule(r))
		}
		s.ruleList, s.ruleETag = marshalWithETag(l, l.Version)
	})
	return s.ruleList, s.ruleETag
}
