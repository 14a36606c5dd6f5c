package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/web"
)

type operatorLabels struct {
	UI         map[string]pair `json:"ui"`
	Breakers   map[string]pair `json:"breakers"`
	Uses       map[string]pair `json:"uses"`
	KeyStates  map[string]pair `json:"key_states"`
	Results    map[string]pair `json:"results"`
	Reasons    map[string]pair `json:"reasons"`
	RuleTypes  map[string]pair `json:"rule_types"`
	RuleStates map[string]pair `json:"rule_states"`
	// Corrections (DESIGN §13): the states the list shows, the claims.
	CorrectionStates map[string]pair `json:"correction_states"`
	Claims           map[string]pair `json:"claims"`
}

func loadOperator(t *testing.T) operatorLabels {
	return decodeLabels[operatorLabels](t, web.OperatorAsset)
}

// Every text the operator page shows exists in both languages: the texts
// it marks, the breaker states, uses, results and every reason.
func TestOperatorPageTextsInBothLanguages(t *testing.T) {
	l := loadOperator(t)
	var keys []string
	for _, name := range []string{web.OperatorIndex, "app.js"} {
		b, _, ok := web.OperatorAsset(name)
		if !ok {
			t.Fatalf("%s is not served", name)
		}
		for _, m := range regexp.MustCompile(`data-i18n="([a-z_]+)"|t\('ui', '([a-z_]+)'\)`).FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1]+m[2])
		}
	}
	if len(keys) < 30 {
		t.Fatalf("found only %d translated texts", len(keys))
	}
	// built from a prefix in app.js
	keys = append(keys, "updated", "stale", "no_peers", "no_keys", "no_revocations", "no_rules", "no_verdicts", "no_corrections",
		"err_unauthenticated", "err_forbidden", "err_unavailable", "err_rate_limited", "err_other")
	complete(t, "ui", l.UI, keys...)
	for _, k := range []string{"updated", "stale"} {
		for lang, s := range l.UI[k] {
			if !strings.Contains(s, "{time}") {
				t.Errorf("ui.%s.%s has no {time}", k, lang)
			}
		}
	}
	complete(t, "breakers", l.Breakers, "closed", "half-open", "open")
	complete(t, "correction_states", l.CorrectionStates, "open", "pending")
	complete(t, "claims", l.Claims, "status_wrong", "identity_wrong", "other")
	complete(t, "uses", l.Uses, "codes", "status", "federation")
	complete(t, "key_states", l.KeyStates, "ok", "expiring", "lapsed", "pending", "revoked")
	complete(t, "rule_types", l.RuleTypes, "Acceptance", "Invalidation")
	complete(t, "rule_states", l.RuleStates, "in_force", "superseded", "starts_later", "lapsed", "signer_not_in_force")
	complete(t, "results", l.Results, string(fault.Valid), string(fault.Invalid), string(fault.Unverified))
	var reasons []string
	for _, r := range fault.Reasons {
		reasons = append(reasons, r.String())
	}
	complete(t, "reasons", l.Reasons, reasons...)
	if len(l.Reasons) != len(reasons) {
		t.Errorf("the operator page names %d reasons, mapping has %d", len(l.Reasons), len(reasons))
	}
}

// The page loads nothing from another origin, sets data as text, keeps
// the token in sessionStorage only and has no token in it.
func TestOperatorPageIsSelfContained(t *testing.T) {
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|fetch\(\s*["']https?:|@import`)
	names := web.OperatorNames()
	if len(names) != 4 {
		t.Errorf("the operator page has files %v", names)
	}
	for _, name := range names {
		b, _, ok := web.OperatorAsset(name)
		if !ok {
			t.Fatalf("%s is embedded but not served", name)
		}
		s := string(b)
		if m := external.FindString(s); m != "" {
			t.Errorf("%s refers to another origin: %s", name, m)
		}
		if strings.Contains(s, "innerHTML") || strings.Contains(s, "insertAdjacentHTML") {
			t.Errorf("%s writes HTML: overview fields are data, set them as text", name)
		}
		if strings.Contains(s, "demo-admin-token") {
			t.Errorf("%s embeds a token", name)
		}
	}
	js, _, _ := web.OperatorAsset("app.js")
	if !strings.Contains(string(js), "sessionStorage.setItem(TOKEN_KEY") || strings.Contains(string(js), "localStorage.setItem(TOKEN_KEY") ||
		strings.Contains(string(js), "document.cookie") {
		t.Error("the admin token must live in sessionStorage only")
	}
	for _, want := range []string{"/v1/ops/overview", "/checkpoint/labels.json", "setInterval(load, REFRESH_MS)", "REFRESH_MS = 10000", "SOON_DAYS = 7"} {
		if !strings.Contains(string(js), want) {
			t.Errorf("app.js lacks %q", want)
		}
	}
}

func TestOperatorAssetServesOnlyThePage(t *testing.T) {
	for _, name := range []string{"", "../web.go", "operator/app.js", "web.go", ".", "..", "app.js/", `..\app.js`, "nope.js",
		"../checkpoint/app.js"} {
		if _, _, ok := web.OperatorAsset(name); ok {
			t.Errorf("OperatorAsset(%q) served a file", name)
		}
	}
	for name, ct := range map[string]string{web.OperatorIndex: "text/html", "app.js": "text/javascript", "style.css": "text/css"} {
		if _, got, ok := web.OperatorAsset(name); !ok || !strings.HasPrefix(got, ct) {
			t.Errorf("%s: %q %v", name, got, ok)
		}
	}
	// The two pages are apart: neither serves the other's script.
	op, _, _ := web.OperatorAsset("app.js")
	cp, _, _ := web.Asset("app.js")
	if string(op) == string(cp) {
		t.Error("the operator page serves the checkpoint page's script")
	}
}
