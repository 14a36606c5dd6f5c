package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// With debug.pprof_addr, `hcgw serve` serves profiles on that listener
// only: the API's listener answers none of the /debug/pprof/ paths.
func TestProfilesAreServedOnTheirOwnListenerOnly(t *testing.T) {
	s := newSite(t, "sqlite", "")
	pprofAddr := freePort(t)
	f, err := os.OpenFile(s.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("debug:\n  pprof_addr: " + pprofAddr + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s.start(t)

	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/heap?debug=1"} {
		if st, body := get("http://" + pprofAddr + path); st != 200 {
			t.Errorf("%s on the profiles' listener: %d %.200s", path, st, body)
		}
		if st, body := get("http://" + s.addr + path); st == 200 || strings.Contains(body, "pprof") || strings.Contains(body, "heap profile") {
			t.Errorf("%s on the API's listener: %d %.200s", path, st, body)
		}
	}
	if _, body := get("http://" + pprofAddr + "/debug/pprof/cmdline"); !strings.Contains(body, "serve") {
		t.Errorf("cmdline is not the serving process's: %q", body)
	}
}
