package metrics

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAdmissionSceneLabelsAreBounded: a client inventing a scene per request
// cannot grow the metrics without end; the first maxScenes keep their name.
func TestAdmissionSceneLabelsAreBounded(t *testing.T) {
	m := New(Sources{})
	m.Admission("", "admit")
	for i := 0; i < 3*maxScenes; i++ {
		m.Admission(fmt.Sprintf("scene-%d", i), "deny")
	}
	m.Admission("scene-0", "check") // seen before the bound: keeps its name
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	series := 0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "hcgw_admission_decisions_total{") {
			series++
		}
	}
	// none + 64 named scenes (deny) + scene-0 check + other.
	if want := 1 + maxScenes + 1 + 1; series != want {
		t.Fatalf("%d admission series, want %d:\n%s", series, want, body)
	}
	for _, want := range []string{
		`hcgw_admission_decisions_total{decision="deny",scene="other"} 128`,
		`hcgw_admission_decisions_total{decision="admit",scene="none"} 1`,
		`hcgw_admission_decisions_total{decision="check",scene="scene-0"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("metrics lack %s", want)
		}
	}
}
