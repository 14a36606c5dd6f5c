package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcgw/hcgw/adapters/zj"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// slowIssuer is Zhejiang's gateway behind a proxy that holds every call for
// delay and counts the calls in flight.
type slowIssuer struct {
	srv         *httptest.Server
	delay       atomic.Int64 // nanoseconds
	mu          sync.Mutex
	now, peak   int
	calls, done int
	target      func(string)
}

func newSlowIssuer(t *testing.T, delay time.Duration) *slowIssuer {
	s := &slowIssuer{}
	s.delay.Store(int64(delay))
	var target atomic.Value
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.now++
		s.calls++
		s.peak = max(s.peak, s.now)
		s.mu.Unlock()
		defer func() { s.mu.Lock(); s.now--; s.done++; s.mu.Unlock() }()
		select {
		case <-time.After(time.Duration(s.delay.Load())):
		case <-r.Context().Done(): // the caller gave up: nothing to answer
			return
		}
		u, _ := url.Parse(target.Load().(string))
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	s.target = func(u string) { target.Store(u) }
	return s
}

func (s *slowIssuer) counts() (calls, peak int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, s.peak
}

// batchFed is Shanghai's gateway asking Zhejiang's through a slowIssuer,
// with extra configuration for both.
func batchFed(t *testing.T, delay time.Duration, extra string) (*fed, *slowIssuer) {
	s := newSlowIssuer(t, delay)
	f := newFed(t, []string{shR, zjR}, nil, extra, map[string]map[string]string{shR: {zjR: s.srv.URL}})
	s.target(f.nodes[zjR].url)
	return f, s
}

// tokens registers n online-only codes green on Zhejiang's platform.
func (f *fed) tokens(t *testing.T, n int) []string {
	now := time.Now()
	codes := make([]string, n)
	for i := range codes {
		tok := provsim.NewZJToken()
		f.nodes[zjR].platform.Set(tok, mapping.LiveStatus{Status: mapping.Green, At: now, Expires: now.Add(time.Minute),
			Holder: mapping.Holder{Name: "张*三", ID: "3301**********1234"}})
		c, err := provsim.EncodeZJ(tok)
		if err != nil {
			t.Fatal(err)
		}
		codes[i] = c
	}
	return codes
}

// batch posts codes to Shanghai's /v1/verify/batch and returns the verdicts
// and how long the answer took.
func (f *fed) batch(t *testing.T, codes []string) ([]verify.Verdict, time.Duration) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"codes": codes, "checkpoint": "bus-station-1"})
	start := time.Now()
	st, b := do(t, "POST", f.nodes[shR].url+"/v1/verify/batch", verifierToken, string(body))
	took := time.Since(start)
	if st != 200 {
		t.Fatalf("batch of %d answered %d after %v: %.300s", len(codes), st, took, b)
	}
	var out struct{ Results []verify.Verdict }
	if err := json.Unmarshal(b, &out); err != nil || len(out.Results) != len(codes) {
		t.Fatalf("%d results for %d codes (%v): %.300s", len(out.Results), len(codes), err, b)
	}
	return out.Results, took
}

// tally checks that every verdict is valid green from the issuer or
// unverified / issuer_unavailable, and that each has its record at
// Shanghai's gateway saying the same; it returns how many were valid.
func (f *fed) tally(t *testing.T, vds []verify.Verdict) (valid int) {
	t.Helper()
	for i, vd := range vds {
		switch {
		case vd.Result == fault.Valid && vd.Status == mapping.Green && vd.Source == verify.SourceOnline:
			valid++
		case vd.Result == fault.Unverified && vd.Reason == fault.IssuerUnavailable && vd.Status == mapping.Grey:
		default:
			t.Fatalf("code %d: %+v", i, vd)
		}
		st, b := do(t, "GET", f.nodes[shR].url+"/v1/records/"+vd.RecordID, adminToken, "")
		var rec struct {
			Result, Reason, Format, Checkpoint string
			CodeSHA256                         string `json:"code_sha256"`
		}
		if st != 200 || json.Unmarshal(b, &rec) != nil || rec.Result != string(vd.Result) || rec.Reason != vd.Reason.String() ||
			rec.Format != zj.Format || rec.Checkpoint != "bus-station-1" || len(rec.CodeSHA256) != 64 {
			t.Fatalf("code %d (%+v): record %d %s", i, vd, st, b)
		}
	}
	return valid
}

// Item 4 of issue 16: a batch has one overall deadline and bounded
// parallelism; every code is answered, those not reached unverified, each
// with its record.
func TestABatchHasOneDeadline(t *testing.T) {
	t.Run("16 codes of an issuer taking 1.3 s each, deadline 2 s, 4 at once", func(t *testing.T) {
		// A code's own deadline longer than the batch's, so that only the
		// batch's cuts calls (also on a loaded machine): a cut call is
		// never followed by another, and the issuer's count of calls in
		// flight cannot include one whose caller has already left.
		f, s := batchFed(t, 1300*time.Millisecond, "verify: {deadline: 5s, batch_deadline: 2s, batch_parallelism: 4}\n")
		vds, took := f.batch(t, f.tokens(t, 16))
		valid := f.tally(t, vds)
		calls, peak := s.counts()
		t.Logf("answered after %v: %d valid, %d unverified; %d calls to the issuer, at most %d at once", took.Round(time.Millisecond), valid, 16-valid, calls, peak)
		// 16 codes of 1.3 s, 4 at a time, are 5.2 s of the issuer's time:
		// the 2 s deadline must have left some unverified.
		if valid == 16 || calls > 16 || peak > 4 {
			t.Fatalf("%d valid, %d calls, %d at once: want some unverified, at most 4 at once", valid, calls, peak)
		}
		notReached := 0
		for _, vd := range vds {
			if strings.Contains(vd.Detail, "not reached within the batch's deadline of 2s") {
				notReached++
			}
		}
		t.Logf("%d of the unverified were never started", notReached)
		testkit.Report(t, "a batch's deadline", "16 online-only codes, issuer 1.3 s each, batch_deadline 2 s, 4 at once",
			16, fmt.Sprintf("answered after %v with every code: %d valid, the rest unverified / issuer_unavailable (%d never started), each recorded; at most %d calls at once",
				took.Round(100*time.Millisecond), valid, notReached, peak))
	})

	t.Run("200 codes: never more than batch_parallelism calls at the issuer", func(t *testing.T) {
		// Deadlines long enough that no call is cut (see above).
		f, s := batchFed(t, 10*time.Millisecond, "verify: {deadline: 9s, batch_deadline: 9s, batch_parallelism: 4}\n")
		vds, took := f.batch(t, f.tokens(t, 200))
		valid := f.tally(t, vds)
		calls, peak := s.counts()
		t.Logf("answered after %v: %d valid; %d calls to the issuer, at most %d at once", took.Round(time.Millisecond), valid, calls, peak)
		if peak > 4 || peak < 2 || calls > 200 || valid == 0 {
			t.Fatalf("%d calls, at most %d at once, %d valid: want 2-4 at once", calls, peak, valid)
		}
		testkit.Report(t, "a batch's parallelism", "200 online-only codes, issuer 10 ms each, batch_parallelism 4",
			200, fmt.Sprintf("at most %d calls at the issuer at once; %d valid, each recorded", peak, valid))
	})

	t.Run("1000 codes of an issuer taking 1.3 s each, default deadline and parallelism", func(t *testing.T) {
		if testing.Short() {
			t.Skip("5 s")
		}
		// The default batch deadline and parallelism; a code's own deadline
		// longer than the batch's, so that only the batch's cuts calls (see
		// above; a call past a code's own deadline would rightly count
		// against the breaker).
		f, s := batchFed(t, 1300*time.Millisecond, "verify: {deadline: 9s}\n")
		vds, took := f.batch(t, f.tokens(t, 1000))
		valid := 0
		for _, vd := range vds {
			if vd.Result == fault.Valid {
				valid++
			} else if vd.Reason != fault.IssuerUnavailable {
				t.Fatalf("%+v", vd)
			}
		}
		calls, peak := s.counts()
		t.Logf("answered after %v: %d valid, %d unverified; %d calls, at most %d at once", took.Round(time.Millisecond), valid, 1000-valid, calls, peak)
		if peak > config.Default().Verify.BatchParallelism || valid == 1000 {
			t.Fatalf("%d calls, %d at once, %d valid", calls, peak, valid)
		}
		// The calls the deadline cut (8 here, more than the breaker's 5)
		// were the batch's doing, not the issuer's: its breaker stays
		// closed, and the next checkpoint's code is asked as usual.
		if st := f.nodes[shR].g.Peers.BreakerState(zjR); st != "closed" {
			t.Fatalf("Zhejiang's breaker is %s after the batch", st)
		}
		s.delay.Store(0)
		if vd := f.verify(shR, f.tokens(t, 1)[0]); vd.Result != fault.Valid {
			t.Fatalf("a code after the batch: %+v", vd)
		}
	})
}
