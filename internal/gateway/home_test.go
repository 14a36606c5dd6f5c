package gateway_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/web"
)

// Someone who opens a gateway's address in a browser gets a page with the
// four links for people, each of which answers 200 on the same gateway; the
// API's unknown paths keep their JSON 404.
func TestTheRootIsAPageForPeople(t *testing.T) {
	r := start(t, newEnv(t, "sqlite", ""))
	st, b := do(t, "GET", r.base+"/", "", "", "Accept", "text/html")
	if st != 200 || !strings.Contains(string(b), "<!doctype html>") {
		t.Fatalf("GET / answered %d: %.200s", st, b)
	}
	var links []string
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(string(b), -1) {
		links = append(links, m[1])
	}
	if want := []string{"/checkpoint", "/operator", "/openapi.yaml", "/healthz"}; !slices.Equal(links, want) || !slices.Equal(links, web.HomeLinks) {
		t.Fatalf("the page links to %v, want %v", links, want)
	}
	for _, l := range links {
		if st, b := do(t, "GET", r.base+l, "", ""); st != 200 {
			t.Errorf("the link %s answers %d: %.200s", l, st, b)
		}
	}
	t.Run("HEAD / answers the page's headers", func(t *testing.T) {
		resp, err := http.Head(r.base + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			resp.Header.Get("Content-Security-Policy") != web.ContentSecurityPolicy {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
	})
	for _, path := range []string{"/v1/", "/v1/nope", "/index.html", "/nope"} {
		t.Run("GET "+path+" is a JSON 404", func(t *testing.T) {
			st, b := do(t, "GET", r.base+path, "", "")
			if st != 404 || !strings.Contains(string(b), `"code":"not_found"`) {
				t.Fatalf("%d %s", st, b)
			}
		})
	}
	if st, b := do(t, "POST", r.base+"/", "", "{}"); st != 405 {
		t.Errorf("POST / answered %d %s", st, b)
	}
}
