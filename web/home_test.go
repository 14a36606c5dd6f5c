package web_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/web"
)

// The home page links to exactly the addresses of web.HomeLinks, and loads
// nothing (the CSP would refuse an inline script or style anyway).
func TestHomePageLinksToThePagesAndDescriptions(t *testing.T) {
	b, ct, ok := web.HomeAsset(web.HomeIndex)
	if !ok || ct != "text/html; charset=utf-8" {
		t.Fatalf("the home page is not served (%q)", ct)
	}
	var hrefs []string
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(string(b), -1) {
		hrefs = append(hrefs, m[1])
	}
	if !slices.Equal(hrefs, web.HomeLinks) {
		t.Fatalf("the home page links to %v, want %v", hrefs, web.HomeLinks)
	}
	for _, bad := range []string{"<script", "<style", "style=", "<link", "<img", "http://", "https://"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("the home page contains %q", bad)
		}
	}
	for _, name := range []string{"", "../checkpoint/index.html", "home.go", ".hidden.html"} {
		if _, _, ok := web.HomeAsset(name); ok {
			t.Errorf("HomeAsset(%q) is served", name)
		}
	}
}
