package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// TestRenderVerdicts: verdicts are answered as encoding/json would write
// them, one or a batch; one that cannot be encoded (a time past year 9999)
// is a plain internal error, never a half-written answer.
func TestRenderVerdicts(t *testing.T) {
	gin.SetMode(gin.TestMode)
	ok := verify.Verdict{Result: fault.Valid, Status: mapping.Green, RecordID: "r1"}
	late := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	bad := verify.Verdict{Result: fault.Valid, ValidUntil: &late}
	single, _ := json.Marshal(ok)
	both, _ := json.Marshal(map[string]any{"results": []verify.Verdict{ok, ok}})
	tests := map[string]struct {
		batch  bool
		vds    []verify.Verdict
		status int
		body   string
	}{
		"one":               {false, []verify.Verdict{ok}, 200, string(single)},
		"a batch":           {true, []verify.Verdict{ok, ok}, 200, string(both)},
		"one not encodable": {false, []verify.Verdict{bad}, 500, `"internal"`},
		"a batch with one":  {true, []verify.Verdict{ok, bad}, 500, `"internal"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			renderVerdicts(c, tc.batch, tc.vds...)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.body) {
				t.Fatalf("got %d %s, want %d containing %s", w.Code, w.Body, tc.status, tc.body)
			}
			if tc.status == 200 && w.Body.String() != tc.body {
				t.Fatalf("got %s, want %s", w.Body, tc.body)
			}
			// The headers c.Data wrote, and nothing else.
			want := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Content-Length": {strconv.Itoa(len(tc.body))}}
			if tc.status == 200 && !reflect.DeepEqual(w.Header(), want) {
				t.Fatalf("headers %v, want %v", w.Header(), want)
			}
		})
	}
}
