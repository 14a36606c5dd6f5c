package web_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/admission"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/web"
)

type pair map[string]string

type labels struct {
	UI        map[string]pair `json:"ui"`
	Cards     map[string]pair `json:"cards"`
	Sources   map[string]pair `json:"sources"`
	Reasons   map[string]pair `json:"reasons"`
	Regions   map[string]pair `json:"regions"`
	Decisions map[string]pair `json:"decisions"`
}

func load(t *testing.T) labels { return decodeLabels[labels](t, web.Asset) }

// decodeLabels reads a page's labels.json strictly (an unknown group is an
// error: every group the page uses is checked).
func decodeLabels[T any](t *testing.T, asset func(string) ([]byte, string, bool)) T {
	t.Helper()
	var l T
	b, ct, ok := asset("labels.json")
	if !ok || ct != "application/json" {
		t.Fatal("labels.json is not served")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		t.Fatal(err)
	}
	return l
}

func complete(t *testing.T, group string, m map[string]pair, keys ...string) {
	t.Helper()
	for _, k := range keys {
		p, ok := m[k]
		if !ok {
			t.Errorf("%s: no entry %q", group, k)
			continue
		}
		for _, lang := range []string{"zh-CN", "en"} {
			if strings.TrimSpace(p[lang]) == "" {
				t.Errorf("%s.%s: no %s text", group, k, lang)
			}
		}
		if len(p) != 2 {
			t.Errorf("%s.%s: languages %v, want zh-CN and en", group, k, p)
		}
	}
}

// Every reason the verifier can give has a plain explanation in both
// languages; a reason added to fault.Reasons without one fails here.
func TestEveryReasonIsExplainedInBothLanguages(t *testing.T) {
	l := load(t)
	keys := []string{""}
	for _, r := range fault.Reasons {
		keys = append(keys, r.String())
	}
	complete(t, "reasons", l.Reasons, keys...)
	if len(l.Reasons) != len(keys) {
		t.Errorf("labels.json explains %d reasons, mapping has %d (with \"\")", len(l.Reasons), len(keys))
	}
	complete(t, "cards", l.Cards, "green", "yellow", "red", "grey", "invalid", "unverified")
	complete(t, "sources", l.Sources, "online", "offline", "cache")
	complete(t, "decisions", l.Decisions, string(admission.Admit), string(admission.Deny), string(admission.Check))
	if len(l.Decisions) != 3 {
		t.Errorf("labels.json names %d decisions, DESIGN §11 has 3", len(l.Decisions))
	}
}

// The 34 province-level divisions of GB/T 2260 and the national platform.
func TestEveryProvinceHasAName(t *testing.T) {
	l := load(t)
	codes := strings.Fields(`000000 110000 120000 130000 140000 150000 210000 220000 230000 310000 320000 330000
		340000 350000 360000 370000 410000 420000 430000 440000 450000 460000 500000 510000 520000 530000 540000
		610000 620000 630000 640000 650000 710000 810000 820000`)
	if len(codes) != 35 {
		t.Fatalf("the test lists %d regions", len(codes))
	}
	complete(t, "regions", l.Regions, codes...)
	if len(l.Regions) != len(codes) {
		t.Errorf("labels.json names %d regions, want %d", len(l.Regions), len(codes))
	}
	for code, names := range l.Regions {
		if !mapping.ValidRegion(code) {
			t.Errorf("%s is not a region code", code)
		}
		if !regexp.MustCompile(`(省|市|自治区|特别行政区|平台)$`).MatchString(names["zh-CN"]) {
			t.Errorf("%s: %q is not a full Chinese name", code, names["zh-CN"])
		}
	}
}

// Every text the page marks for translation exists in both languages, and
// the page loads nothing from another origin (checkpoints have no internet).
func TestThePageIsSelfContained(t *testing.T) {
	l := load(t)
	var keys []string
	for _, name := range []string{web.Index, "app.js"} {
		b, _, ok := web.Asset(name)
		if !ok {
			t.Fatalf("%s is not served", name)
		}
		for _, m := range regexp.MustCompile(`data-i18n="([a-z_]+)"|t\('ui', '([a-z_]+)'\)`).FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1]+m[2])
		}
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d translated texts", len(keys))
	}
	complete(t, "ui", l.UI, keys...)
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|fetch\(\s*["']https?:|@import`)
	for _, name := range web.Names() {
		if name == "labels.json" {
			continue // holds an example of a zj-v1 URL as placeholder text
		}
		b, _, ok := web.Asset(name)
		if !ok {
			t.Fatalf("%s is embedded but not served", name)
		}
		if m := external.Find(b); m != nil {
			t.Errorf("%s refers to another origin: %s", name, m)
		}
		if strings.Contains(string(b), "innerHTML") {
			t.Errorf("%s uses innerHTML: verdict fields are data, set them as text", name)
		}
	}
}

func TestAssetServesOnlyThePage(t *testing.T) {
	for _, name := range []string{"", "../web.go", "checkpoint/app.js", "web.go", ".", "..", "app.js/", `..\app.js`, "nope.js"} {
		if _, _, ok := web.Asset(name); ok {
			t.Errorf("Asset(%q) served a file", name)
		}
	}
	for name, ct := range map[string]string{web.Index: "text/html", "app.js": "text/javascript", "style.css": "text/css"} {
		if _, got, ok := web.Asset(name); !ok || !strings.HasPrefix(got, ct) {
			t.Errorf("%s: %q %v", name, got, ok)
		}
	}
}
