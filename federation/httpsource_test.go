package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/mapping"
)

// A province's own platform API behind the HTTP connector: local values
// mapped through the province's table, holders masked whatever it sends,
// unknown codes told apart from outages, 503s retried.
func TestHTTPSource(t *testing.T) {
	tables, err := mapping.LoadTables(configs.Mappings())
	if err != nil {
		t.Fatal(err)
	}
	table, _ := tables.Get("zj-v1")
	var flaky atomic.Int64
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/codes/green":
			_, _ = w.Write([]byte(`{"status":"G","status_time":1795420000,"expires":1795420600,"name":"张三丰","id":"330102199001011234"}`))
		case "/api/codes/red-masked":
			_, _ = w.Write([]byte(`{"status":"R","status_time":1795420000,"name":"张*丰","id":"3301**********1234"}`))
		case "/api/codes/new-value":
			_, _ = w.Write([]byte(`{"status":"B","status_time":1795420000}`))
		case "/api/codes/flaky":
			if flaky.Add(1) < 3 {
				w.WriteHeader(503)
				return
			}
			_, _ = w.Write([]byte(`{"status":"Y","status_time":1795420000}`))
		case "/api/codes/broken":
			_, _ = w.Write([]byte(`{"status":`))
		case "/api/codes/no-time":
			_, _ = w.Write([]byte(`{"status":"G"}`))
		case "/api/codes/bad-holder":
			_, _ = w.Write([]byte(`{"status":"G","status_time":1795420000,"name":"\u0000","id":"x"}`))
		case "/api/codes/star":
			_, _ = w.Write([]byte(`{"status":"G","status_time":1795420000,"itinerary":{"r":["420100"],"star":true,"t":1795410000}}`))
		case "/api/codes/twice":
			_, _ = w.Write([]byte(`{"status":"R","status_time":1795420000,"st\u0061tus":"G"}`))
		case "/api/codes/bad-itinerary":
			_, _ = w.Write([]byte(`{"status":"G","status_time":1795420000,"itinerary":{"r":["4201"],"star":true,"t":1795410000}}`))
		case "/api/codes/down":
			w.WriteHeader(500)
		default:
			w.WriteHeader(404)
		}
	}))
	defer platform.Close()
	src := &federation.HTTPSource{URL: platform.URL + "/api/", Table: table}
	tests := map[string]struct {
		cid    string
		status mapping.Status
		holder mapping.Holder
		reason fault.Kind // None ok; status_unknown; or Internal for any other failure
	}{
		"a local G is green and the full holder is masked": {cid: "green", status: mapping.Green, holder: mapping.Holder{Name: "张*丰", ID: "3301**********1234"}},
		"an already masked holder stays as it is":          {cid: "red-masked", status: mapping.Red, holder: mapping.Holder{Name: "张*丰", ID: "3301**********1234"}},
		"a local value the table does not know is grey":    {cid: "new-value", status: mapping.Grey},
		"503s are retried":                            {cid: "flaky", status: mapping.Yellow},
		"404 is an unknown code":                      {cid: "nope", reason: fault.StatusUnknown},
		"a 500 is a failure":                          {cid: "down", reason: fault.Internal},
		"a broken body is a failure":                  {cid: "broken", reason: fault.Internal},
		"an answer without status_time is a failure":  {cid: "no-time", reason: fault.Internal},
		"a holder that cannot be masked is a failure": {cid: "bad-holder", reason: fault.Internal},
		"an itinerary is read":                        {cid: "star", status: mapping.Green},
		"a status given twice is a failure":           {cid: "twice", reason: fault.Internal},
		"a malformed itinerary is a failure":          {cid: "bad-itinerary", reason: fault.Internal},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			st, err := src.Lookup(ctx, tc.cid)
			switch tc.reason {
			case fault.None:
				if err != nil || st.Status != tc.status || st.Holder != tc.holder {
					t.Fatalf("got %+v, %v", st, err)
				}
				if (st.IT != nil) != (tc.cid == "star") || st.IT != nil && (!st.IT.Star || st.IT.Regions[0] != "420100" || st.IT.Time != 1795410000) {
					t.Fatalf("itinerary %+v", st.IT)
				}
			case fault.Internal:
				if err == nil || fault.ReasonOf(err) == fault.StatusUnknown {
					t.Fatalf("got %+v, %v; want a failure", st, err)
				}
			default:
				if fault.ReasonOf(err) != tc.reason {
					t.Fatalf("got %v, want %s", err, tc.reason)
				}
			}
			if strings.Contains(st.Holder.Name+st.Holder.ID, "三丰") || strings.Contains(st.Holder.ID, "0102199001") {
				t.Fatalf("unmasked holder %+v", st.Holder)
			}
		})
	}
}

// TestHTTPSourceFromManyGoroutines: the first lookups of a source may come
// at once (own-region verifications and status requests from peers); run
// with -race.
func TestHTTPSourceFromManyGoroutines(t *testing.T) {
	tables, err := mapping.LoadTables(configs.Mappings())
	if err != nil {
		t.Fatal(err)
	}
	table, _ := tables.Get("zj-v1")
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"status":"G","status_time":1795420000}`))
	}))
	defer platform.Close()
	src := &federation.HTTPSource{URL: platform.URL, Table: table}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			st, err := src.Lookup(context.Background(), "green")
			if err == nil && st.Status != mapping.Green {
				err = fmt.Errorf("status %s, want green", st.Status)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
