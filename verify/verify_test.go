package verify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/nic"
	zjadapter "github.com/hcgw/hcgw/adapters/zj"
	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/adaptertest"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/verify"
)

const (
	zj = "330000"
	sh = "310000"
	gd = "440000"
)

type world struct {
	root      *testkit.Root
	zjKey     *testkit.TestKey // ES256, codes for 330000
	zjEd      *testkit.TestKey // EdDSA, codes for 330000
	revoked   *testkit.TestKey // endorsed for 330000, then revoked
	future    *testkit.TestKey // endorsement starts tomorrow
	statusKey *testkit.TestKey // endorsed for 330000 with use status only
	hub       *testkit.TestKey // 000000, scope *
	outsider  *testkit.TestKey // endorsed by another root
	reg       *trust.Registry
	v         *verify.Verifier
	rec       *fakeRecorder
}

type fakeRecorder struct {
	recs []audit.Record
	err  error
}

func (f *fakeRecorder) Write(_ context.Context, recs ...audit.Record) error {
	if f.err != nil {
		return f.err
	}
	f.recs = append(f.recs, recs...)
	return nil
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{root: testkit.NewRoot(t)}
	w.zjKey = testkit.Key(t, jwa.ES256)
	w.zjEd = testkit.Key(t, jwa.EdDSA)
	w.revoked = testkit.Key(t, jwa.ES256)
	w.future = testkit.Key(t, jwa.ES256)
	w.statusKey = testkit.Key(t, jwa.ES256)
	w.hub = testkit.Key(t, jwa.EdDSA)
	w.outsider = testkit.Key(t, jwa.ES256)
	other := testkit.NewRoot(t)
	_ = other.Endorse(w.outsider, zj, testkit.Spec{})
	w.reg = testkit.Registry(t, w.root,
		w.root.Endorse(w.zjKey, zj, testkit.Spec{}),
		w.root.Endorse(w.zjEd, zj, testkit.Spec{}),
		w.root.Endorse(w.revoked, zj, testkit.Spec{}),
		w.root.Revoke(w.revoked.Kid()),
		w.root.Endorse(w.future, zj, testkit.Spec{NotBefore: testkit.Now.Add(24 * time.Hour)}),
		w.root.Endorse(w.statusKey, zj, testkit.Spec{Use: []trust.Use{trust.UseStatus}}),
		w.root.Endorse(w.hub, mapping.NationalRegion, testkit.Spec{Scope: []string{trust.Wildcard}}),
	)
	ads, err := adapters.NewRegistry(nic.New())
	if err != nil {
		t.Fatal(err)
	}
	w.rec = &fakeRecorder{}
	d := config.Default() // the bounds a gateway gets when it configures none
	w.v = &verify.Verifier{Adapters: ads, Trust: w.reg, Clock: testkit.Clock, Skew: trust.DefaultSkew,
		Region: sh, Recorder: w.rec, MaxCodeBytes: d.Server.MaxCodeBytes, Deadline: d.Verify.Deadline,
		BatchDeadline: d.Verify.BatchDeadline, BatchParallelism: d.Verify.BatchParallelism}
	return w
}

func code(t testing.TB, k trust.Signer, c *mapping.Claims) string {
	t.Helper()
	s, err := nic.Encode(k, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func with(c *mapping.Claims, f func(*mapping.Claims)) *mapping.Claims { f(c); return c }

func header(k trust.Signer) map[string]any {
	return map[string]any{"alg": string(k.Alg()), "kid": k.Kid(), "typ": nic.Typ}
}

func TestVerifyNIC(t *testing.T) {
	w := newWorld(t)
	green := testkit.Claims(zj, mapping.Green)
	valid := code(t, w.zjKey, green)
	payload := testkit.JSON(t, green)
	pubBytes := testkit.JSON(t, w.zjKey.Public().JWK)
	parts := strings.Split(strings.TrimPrefix(valid, nic.Prefix), ".")

	tests := map[string]struct {
		code   string
		result fault.Result
		reason fault.Kind
		status mapping.Status
	}{
		"a green code signed by an endorsed ES256 key is valid": {
			code: valid, result: fault.Valid, status: mapping.Green},
		"a red code signed by an endorsed Ed25519 key is valid and red": {
			code: code(t, w.zjEd, testkit.Claims(zj, mapping.Red)), result: fault.Valid, status: mapping.Red},
		"a yellow code is yellow": {
			code: code(t, w.zjKey, testkit.Claims(zj, mapping.Yellow)), result: fault.Valid, status: mapping.Yellow},
		"a grey code is grey": {
			code: code(t, w.zjKey, testkit.Claims(zj, mapping.Grey)), result: fault.Valid, status: mapping.Grey},
		"the hub (scope *) may sign a code whose data is Zhejiang's": {
			code:   code(t, w.hub, with(testkit.Claims(zj, mapping.Green), func(c *mapping.Claims) { c.Iss = mapping.NationalRegion })),
			result: fault.Valid, status: mapping.Green},
		"a code issued 30 s in the future is within the clock skew": {
			code: code(t, w.zjKey, with(testkit.Claims(zj, mapping.Green), func(c *mapping.Claims) {
				c.IAT = testkit.Now.Add(30 * time.Second).Unix()
				c.SA = c.IAT
			})), result: fault.Valid, status: mapping.Green},

		"a foreign string is unrecognized":    {code: "not a health code", result: fault.Invalid, reason: fault.UnrecognizedFormat},
		"a lower-case prefix is unrecognized": {code: "nic1:" + strings.TrimPrefix(valid, nic.Prefix), result: fault.Invalid, reason: fault.UnrecognizedFormat},
		"a bare prefix is malformed":          {code: nic.Prefix, result: fault.Invalid, reason: fault.Malformed},
		"two parts are malformed":             {code: nic.Prefix + parts[0] + "." + parts[1], result: fault.Invalid, reason: fault.Malformed},
		"an empty signature is malformed":     {code: nic.Prefix + parts[0] + "." + parts[1] + ".", result: fault.Invalid, reason: fault.Malformed},
		"JSON serialization is malformed": {
			code:   nic.Prefix + `{"payload":"` + parts[1] + `","signatures":[{"protected":"` + parts[0] + `","signature":"` + parts[2] + `"}]}`,
			result: fault.Invalid, reason: fault.Malformed},
		"a code over 4 KiB is malformed": {code: valid + strings.Repeat("A", 4096), result: fault.Invalid, reason: fault.Malformed},
		"claims with v 2 are malformed": {
			code: code2(t, w.zjKey, with(testkit.Claims(zj, mapping.Green), func(c *mapping.Claims) { c.V = 2 })), result: fault.Invalid, reason: fault.Malformed},
		"an unmasked holder name is malformed": {
			code:   code2(t, w.zjKey, with(testkit.Claims(zj, mapping.Green), func(c *mapping.Claims) { c.HN = "张三" })),
			result: fault.Invalid, reason: fault.Malformed},
		"a typ other than nic+jwt is malformed": {
			code:   nic.Prefix + testkit.SignRaw(t, w.zjKey, map[string]any{"alg": "ES256", "kid": w.zjKey.Kid(), "typ": "JWT"}, payload),
			result: fault.Invalid, reason: fault.Malformed},
		"a critical header is malformed": {
			code:   nic.Prefix + testkit.SignRaw(t, w.zjKey, map[string]any{"alg": "ES256", "kid": w.zjKey.Kid(), "typ": nic.Typ, "crit": []string{"exp"}, "exp": 1}, payload),
			result: fault.Invalid, reason: fault.Malformed},

		"an altered signature is a bad signature": {
			code: valid[:len(valid)-12] + flip(valid[len(valid)-12:len(valid)-8]) + valid[len(valid)-8:], result: fault.Invalid, reason: fault.BadSignature},
		"an altered payload is a bad signature": {
			code:   nic.Prefix + parts[0] + "." + testkit.B64(testkit.JSON(t, testkit.Claims(zj, mapping.Red))) + "." + parts[2],
			result: fault.Invalid, reason: fault.BadSignature},
		"alg none is a bad signature": {
			code:   nic.Prefix + testkit.B64(testkit.JSON(t, map[string]any{"alg": "none", "kid": w.zjKey.Kid(), "typ": nic.Typ})) + "." + testkit.B64(payload) + ".AAAA",
			result: fault.Invalid, reason: fault.BadSignature},
		"HS256 keyed with the public key (algorithm confusion) is a bad signature": {
			code:   nic.Prefix + testkit.HMACToken(t, map[string]any{"alg": "HS256", "kid": w.zjKey.Kid(), "typ": nic.Typ}, payload, pubBytes),
			result: fault.Invalid, reason: fault.BadSignature},
		"a header claiming EdDSA for an ES256 key is a bad signature": {
			code:   nic.Prefix + testkit.SignRaw(t, w.zjKey, map[string]any{"alg": "EdDSA", "kid": w.zjKey.Kid(), "typ": nic.Typ}, payload),
			result: fault.Invalid, reason: fault.BadSignature},
		"an endorsed kid over another key's signature is a bad signature, whatever jwk the header carries": {
			code: nic.Prefix + testkit.SignRaw(t, w.outsider, map[string]any{"alg": "ES256", "kid": w.zjKey.Kid(), "typ": nic.Typ,
				"jwk": w.outsider.Public().JWK, "jku": "http://127.0.0.1:1/jwks", "x5u": "http://127.0.0.1:1/x5"}, payload),
			result: fault.Invalid, reason: fault.BadSignature},

		"a key endorsed by another root is unknown": {
			code: code(t, w.outsider, green), result: fault.Invalid, reason: fault.UnknownKey},
		"an unknown key claiming a region with no keys at all is an unknown issuer": {
			code: code(t, w.outsider, testkit.Claims(gd, mapping.Green)), result: fault.Invalid, reason: fault.UnknownIssuer},
		"a kid with path and SQL metacharacters is unknown": {
			code:   nic.Prefix + testkit.SignRaw(t, w.zjKey, map[string]any{"alg": "ES256", "kid": "../../etc/passwd' OR 1=1;--", "typ": nic.Typ}, payload),
			result: fault.Invalid, reason: fault.UnknownKey},
		"a revoked key verifies nothing": {
			code: code(t, w.revoked, green), result: fault.Invalid, reason: fault.RevokedKey},
		"a code issued before its key's endorsement starts is key_not_valid": {
			code: code(t, w.future, green), result: fault.Invalid, reason: fault.KeyNotValid},
		"a Zhejiang key signing for Guangdong's data is a scope violation": {
			code:   code(t, w.zjKey, with(testkit.Claims(zj, mapping.Green), func(c *mapping.Claims) { c.Org = gd })),
			result: fault.Invalid, reason: fault.ScopeViolation},
		"a Zhejiang key claiming to be Shanghai is a scope violation": {
			code: code(t, w.zjKey, testkit.Claims(sh, mapping.Green)), result: fault.Invalid, reason: fault.ScopeViolation},
		"a key endorsed only for status answers cannot sign codes": {
			code: code(t, w.statusKey, green), result: fault.Invalid, reason: fault.ScopeViolation},
		"a code past its exp is expired": {
			code: code(t, w.zjKey, with(testkit.Claims(zj, mapping.Green), func(c *mapping.Claims) {
				c.IAT = testkit.Now.Add(-2 * time.Hour).Unix()
				c.SA = c.IAT
				c.EXP = testkit.Now.Unix()
			})), result: fault.Invalid, reason: fault.Expired},
		"a code issued 2 minutes in the future is not yet valid": {
			code: code(t, w.zjKey, with(testkit.Claims(zj, mapping.Green), func(c *mapping.Claims) {
				c.IAT = testkit.Now.Add(2 * time.Minute).Unix()
				c.SA = c.IAT
			})), result: fault.Invalid, reason: fault.NotYetValid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			vd, err := w.v.Verify(context.Background(), verify.Request{Code: tc.code, Checkpoint: "gate-1"})
			if err != nil {
				t.Fatal(err)
			}
			if vd.Result != tc.result || vd.Reason != tc.reason {
				t.Fatalf("got %s/%s (%s), want %s/%s", vd.Result, vd.Reason, vd.Detail, tc.result, tc.reason)
			}
			if tc.result != fault.Valid && vd.Status != mapping.Grey {
				t.Fatalf("a %s verdict shows status %s, want grey", vd.Result, vd.Status)
			}
			if tc.result == fault.Valid {
				if vd.Status != tc.status || vd.Source != verify.SourceOffline || vd.Degraded || vd.Conflict {
					t.Fatalf("got %+v", vd)
				}
				if vd.Holder == nil || vd.Holder.Name != "张*三" || vd.Holder.ID != "3301**********1234" {
					t.Fatalf("holder %+v", vd.Holder)
				}
			}
			last := w.rec.recs[len(w.rec.recs)-1]
			// A code that decoded is hashed in its canonical spelling,
			// any other as it was scanned.
			sum := sha256.Sum256([]byte(tc.code))
			want := hex.EncodeToString(sum[:])
			if vd.Format != "" && vd.Issuer != "" {
				want = adaptertest.CanonicalSHA256(t, tc.code)
			}
			if last.ID != vd.RecordID || last.Result != string(vd.Result) || last.Reason != vd.Reason.String() ||
				last.CodeSHA256 != want || last.Checkpoint != "gate-1" || last.Gateway != sh {
				t.Fatalf("record %+v does not match verdict %+v", last, vd)
			}
		})
	}
	for _, r := range fault.Reasons {
		if r.Result() != fault.Invalid {
			continue
		}
		found := false
		for _, tc := range tests {
			found = found || tc.reason == r
		}
		if !found {
			t.Errorf("no test case for reason %s", r)
		}
	}
}

// code2 signs claims that nic.Encode would refuse.
func code2(t *testing.T, k *testkit.TestKey, c *mapping.Claims) string {
	return nic.Prefix + testkit.SignRaw(t, k, header(k), testkit.JSON(t, c))
}

func flip(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}

func TestRevocationTakesEffectImmediately(t *testing.T) {
	w := newWorld(t)
	c := code(t, w.zjKey, testkit.Claims(zj, mapping.Green))
	if vd, _ := w.v.Evaluate(context.Background(), c); vd.Result != fault.Valid {
		t.Fatalf("before revocation: %+v", vd)
	}
	if _, added, err := w.reg.AddRevocation(context.Background(), w.root.Revoke(w.zjKey.Kid())); err != nil || !added {
		t.Fatalf("revoke: added=%v err=%v", added, err)
	}
	if vd, _ := w.v.Evaluate(context.Background(), c); vd.Reason != fault.RevokedKey {
		t.Fatalf("after revocation: %+v", vd)
	}
}

func TestBatchRecordsEveryCodeInOneWrite(t *testing.T) {
	w := newWorld(t)
	reqs := []verify.Request{{Code: code(t, w.zjKey, testkit.Claims(zj, mapping.Green))}, {Code: "junk"}, {Code: code(t, w.zjEd, testkit.Claims(zj, mapping.Red))}}
	out, err := w.v.VerifyBatch(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	want := []fault.Kind{fault.None, fault.UnrecognizedFormat, fault.None}
	for i, vd := range out {
		if vd.Reason != want[i] {
			t.Errorf("code %d: reason %q, want %q", i, vd.Reason, want[i])
		}
	}
	if len(w.rec.recs) != 3 {
		t.Fatalf("%d records, want 3", len(w.rec.recs))
	}
	seen := map[string]bool{}
	for _, r := range w.rec.recs {
		if seen[r.ID] {
			t.Fatalf("duplicate record id %s", r.ID)
		}
		seen[r.ID] = true
	}
}

func TestRecordFailureWithholdsTheVerdict(t *testing.T) {
	w := newWorld(t)
	w.rec.err = errors.New("disk full")
	if _, err := w.v.Verify(context.Background(), verify.Request{Code: "junk"}); err == nil {
		t.Fatal("a verdict whose record failed was returned")
	}
}

type fakeOnline struct {
	st      mapping.Status
	routed  bool
	err     error
	cached  bool
	expires time.Time // the status's end; zero: none
}

func (f fakeOnline) Status(context.Context, string, string) (mapping.LiveStatus, bool, error) {
	return mapping.LiveStatus{Status: f.st, At: testkit.Now, Cached: f.cached, Expires: f.expires}, f.routed, f.err
}

func TestStatusRules(t *testing.T) {
	w := newWorld(t)
	greenCode := code(t, w.zjKey, testkit.Claims(zj, mapping.Green))
	tests := map[string]struct {
		online   fakeOnline
		status   mapping.Status
		source   verify.Source
		degraded bool
		conflict bool
	}{
		"no route: the signed status stands, not degraded":       {online: fakeOnline{}, status: mapping.Green, source: verify.SourceOffline},
		"issuer unreachable: the signed status stands, degraded": {online: fakeOnline{routed: true, err: errors.New("down")}, status: mapping.Green, source: verify.SourceOffline, degraded: true},
		"issuer agrees: online":                                  {online: fakeOnline{routed: true, st: mapping.Green}, status: mapping.Green, source: verify.SourceOnline},
		"issuer says red: red wins, conflict":                    {online: fakeOnline{routed: true, st: mapping.Red}, status: mapping.Red, source: verify.SourceOnline, conflict: true},
		"issuer says yellow from cache: yellow, conflict, cache": {online: fakeOnline{routed: true, st: mapping.Yellow, cached: true}, status: mapping.Yellow, source: verify.SourceCache, conflict: true},
		"issuer does not know its own signed code: degraded":     {online: fakeOnline{routed: true, err: fault.Fail(fault.StatusUnknown, "x")}, status: mapping.Green, source: verify.SourceOffline, degraded: true},
		"issuer's green still in force: green": {
			online: fakeOnline{routed: true, st: mapping.Green, expires: testkit.Now.Add(time.Second)}, status: mapping.Green, source: verify.SourceOnline},
		"issuer's green that ended a minute ago: grey, conflict": {
			online: fakeOnline{routed: true, st: mapping.Green, expires: testkit.Now.Add(-time.Minute)}, status: mapping.Grey, source: verify.SourceOnline, conflict: true},
		"issuer's green ending now, from a cache: grey": {
			online: fakeOnline{routed: true, st: mapping.Green, cached: true, expires: testkit.Now}, status: mapping.Grey, source: verify.SourceCache, conflict: true},
		"issuer's red that ended: grey, never green": {
			online: fakeOnline{routed: true, st: mapping.Red, expires: testkit.Now.Add(-time.Minute)}, status: mapping.Grey, source: verify.SourceOnline, conflict: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w.v.Online = tc.online
			vd, _ := w.v.Evaluate(context.Background(), greenCode)
			if vd.Result != fault.Valid || vd.Status != tc.status || vd.Source != tc.source || vd.Degraded != tc.degraded || vd.Conflict != tc.conflict {
				t.Fatalf("got %+v", vd)
			}
			// The status is as of the issuer's answer when it was used,
			// else as of the code; the code's end and holder stand.
			asOf := testkit.Now.Add(-time.Minute)
			if tc.source != verify.SourceOffline {
				asOf = testkit.Now
			}
			holder := mapping.Holder{Name: "张*三", ID: "3301**********1234"}
			if vd.StatusAsOf == nil || !vd.StatusAsOf.Equal(asOf) || vd.ValidUntil == nil || !vd.ValidUntil.Equal(testkit.Now.Add(time.Hour)) ||
				vd.Holder == nil || *vd.Holder != holder {
				t.Fatalf("status as of %v, valid until %v, holder %v; want %v, %v, %v", vd.StatusAsOf, vd.ValidUntil, vd.Holder, asOf, testkit.Now.Add(time.Hour), holder)
			}
		})
	}
}

// routedOnline is a Router: Status must not be called for an org it does
// not route.
type routedOnline struct {
	t      *testing.T
	routes map[string]bool
	asked  *int
	delay  time.Duration // how long the issuer took to answer (LiveStatus.Asked)
}

func (r routedOnline) Routes(org string) bool { return r.routes[org] }

func (r routedOnline) Status(_ context.Context, org, _ string) (mapping.LiveStatus, bool, error) {
	if !r.routes[org] {
		r.t.Errorf("Status asked for org %s, which the source does not route", org)
	}
	*r.asked++
	return mapping.LiveStatus{Status: mapping.Green, At: testkit.Now, Asked: r.delay}, true, nil
}

func TestUnroutedIssuerIsNotAsked(t *testing.T) {
	w := newWorld(t)
	greenCode := code(t, w.zjKey, testkit.Claims(zj, mapping.Green))
	for name, tc := range map[string]struct {
		routes bool
		source verify.Source
		asked  int
	}{
		"routed: asked, online": {true, verify.SourceOnline, 1},
		"unrouted: offline":     {false, verify.SourceOffline, 0},
	} {
		t.Run(name, func(t *testing.T) {
			asked := 0
			const delay = 5 * time.Millisecond
			w.v.Online = routedOnline{t: t, routes: map[string]bool{zj: tc.routes}, asked: &asked, delay: delay}
			vd, _ := w.v.Evaluate(context.Background(), greenCode)
			if vd.Result != fault.Valid || vd.Status != mapping.Green || vd.Source != tc.source || vd.Degraded || asked != tc.asked {
				t.Fatalf("got %+v, asked %d times; want source %s, asked %d times", vd, asked, tc.source, tc.asked)
			}
			// The issuer's share of the answer: its time when it was asked,
			// nothing when it was not.
			if want := time.Duration(tc.asked) * delay; vd.IssuerTime != want {
				t.Errorf("IssuerTime %v, want %v (asked %d times)", vd.IssuerTime, want, asked)
			}
		})
	}
}

// deadlineRecorder notes whether the context it is given has a deadline,
// and how far off.
type deadlineRecorder struct {
	has  bool
	left time.Duration
}

func (d *deadlineRecorder) Write(ctx context.Context, _ ...audit.Record) error {
	dl, ok := ctx.Deadline()
	d.has, d.left = ok, time.Until(dl)
	return nil
}

func TestRecordTimeout(t *testing.T) {
	w := newWorld(t)
	for name, tc := range map[string]struct {
		timeout  time.Duration
		deadline bool
		atMost   time.Duration
	}{
		"default: 2 s": {0, true, verify.DefaultRecordTimeout},
		"set":          {time.Minute, true, time.Minute},
		"negative: the recorder bounds its own waits": {-1, false, 0},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &deadlineRecorder{}
			w.v.Recorder, w.v.RecordTimeout = rec, tc.timeout
			if _, err := w.v.Verify(context.Background(), verify.Request{Code: "junk"}); err != nil {
				t.Fatal(err)
			}
			if rec.has != tc.deadline || tc.deadline && (rec.left <= 0 || rec.left > tc.atMost) {
				t.Fatalf("deadline %v, %v left; want deadline %v, at most %v left", rec.has, rec.left, tc.deadline, tc.atMost)
			}
		})
	}
}

type nopRecorder struct{}

func (nopRecorder) Write(context.Context, ...audit.Record) error { return nil }

func greenClaims() *mapping.Claims { return testkit.Claims(zj, mapping.Green) }

// expectingRecorder is a grouping recorder (like audit.Writer): it counts
// the records announced and not yet written, and notes that count when a
// peer is asked and when records are written.
// A batch evaluates its codes in parallel: every method locks.
type expectingRecorder struct {
	mu            sync.Mutex
	coming        int
	atWrite       []int // coming, just before each Write took its records
	duringOnline  []int
	written, errs int
	err           error
}

func (e *expectingRecorder) Expect(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.coming += n
}

func (e *expectingRecorder) Write(_ context.Context, recs ...audit.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.atWrite = append(e.atWrite, e.coming)
	e.coming -= len(recs)
	if e.err != nil {
		e.errs++
		return e.err
	}
	e.written += len(recs)
	return nil
}

type observedOnline struct {
	rec *expectingRecorder
}

func (o observedOnline) Status(context.Context, string, string) (mapping.LiveStatus, bool, error) {
	o.rec.mu.Lock()
	defer o.rec.mu.Unlock()
	o.rec.duringOnline = append(o.rec.duringOnline, o.rec.coming)
	return mapping.LiveStatus{Status: mapping.Green, At: testkit.Now}, true, nil
}

// TestRecordsAreAnnouncedToAGroupingRecorder: a verification announces its
// records before it works on them and withdraws each while its issuer is
// asked, so that a group commit waits for records in flight and not for
// peers; nothing stays announced afterwards, whatever the outcome.
func TestRecordsAreAnnouncedToAGroupingRecorder(t *testing.T) {
	w := newWorld(t)
	green := code(t, w.zjKey, greenClaims())
	rec := &expectingRecorder{}
	w.v.Recorder = rec
	w.v.Online = observedOnline{rec}

	if _, err := w.v.VerifyBatch(context.Background(), []verify.Request{{Code: green}, {Code: "junk"}, {Code: green}}); err != nil {
		t.Fatal(err)
	}
	if want := []int{3}; !slices.Equal(rec.atWrite, want) {
		t.Fatalf("announced at Write %v, want %v", rec.atWrite, want)
	}
	// Three announced; each green code withdraws its own while its issuer
	// is asked ("junk" never reaches a peer).
	if want := []int{2, 2}; !slices.Equal(rec.duringOnline, want) {
		t.Fatalf("announced while a peer was asked %v, want %v", rec.duringOnline, want)
	}
	if rec.coming != 0 || rec.written != 3 {
		t.Fatalf("after the batch: %d still announced, %d written", rec.coming, rec.written)
	}

	rec.err = errors.New("disk full")
	if _, err := w.v.Verify(context.Background(), verify.Request{Code: green}); err == nil {
		t.Fatal("a verdict whose record failed was returned")
	}
	if rec.coming != 0 {
		t.Fatalf("%d records still announced after a failed write", rec.coming)
	}

	w.v.Online = panicking{}
	func() {
		defer func() { _ = recover() }()
		_, _ = w.v.Verify(context.Background(), verify.Request{Code: green})
	}()
	if rec.coming != 0 {
		t.Fatalf("%d records still announced after a verification panicked", rec.coming)
	}
}

type panicking struct{}

func (panicking) Status(context.Context, string, string) (mapping.LiveStatus, bool, error) {
	panic("a bug in a status source")
}

// Convert never signs a national code that outlives the live status it
// carries, and refuses one whose status has lapsed.
func TestConvertNeverOutlivesTheLiveStatus(t *testing.T) {
	w := newWorld(t)
	w.v.Region = mapping.NationalRegion // the hub converts for every region
	greenCode := code(t, w.zjKey, testkit.Claims(zj, mapping.Green))
	tests := map[string]struct {
		expires time.Time
		wantErr error
		wantExp time.Time
	}{
		"a status ending in 10 minutes: exp at its end": {expires: testkit.Now.Add(10 * time.Minute), wantExp: testkit.Now.Add(10 * time.Minute)},
		"a status ending in 2 hours: the online hour":   {expires: testkit.Now.Add(2 * time.Hour), wantExp: testkit.Now.Add(verify.OnlineConversionTTL)},
		"a status that ended a minute ago: refused":     {expires: testkit.Now.Add(-time.Minute), wantErr: verify.ErrLapsed},
		"a status ending within the second: refused":    {expires: testkit.Now.Add(500 * time.Millisecond), wantErr: verify.ErrLapsed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w.v.Online = fakeOnline{routed: true, st: mapping.Green, expires: tc.expires}
			out, err := w.v.Convert(context.Background(), verify.Request{Code: greenCode}, []trust.Signer{w.hub})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !errors.Is(err, verify.ErrNotValid) || out.NationalCode != "" {
					t.Fatalf("%v, %q; want %v", err, out.NationalCode, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var c mapping.Claims
			_, payload, err := trust.SplitCompact(strings.TrimPrefix(out.NationalCode, nic.Prefix))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(payload, &c); err != nil {
				t.Fatal(err)
			}
			if c.St != mapping.Green || c.EXP != tc.wantExp.Unix() {
				t.Fatalf("st %s exp %d; want green, %d", c.St, c.EXP, tc.wantExp.Unix())
			}
		})
	}
}

// holderOnline answers every code with st as of at, ending at end, for
// holder.
type holderOnline struct {
	at, end time.Time
	holder  mapping.Holder
}

func (h holderOnline) Status(context.Context, string, string) (mapping.LiveStatus, bool, error) {
	return mapping.LiveStatus{Status: mapping.Green, At: h.at, Expires: h.end, Holder: h.holder}, true, nil
}

// TestOnlineOnlyVerdict: an unsigned token's verdict is its issuer's
// answer: its time, its end (none when it has none) and its holder (none
// when it names none).
func TestOnlineOnlyVerdict(t *testing.T) {
	ads, err := adapters.NewRegistry(adaptertest.Adapter(t, zjadapter.New))
	if err != nil {
		t.Fatal(err)
	}
	at, end := testkit.Now.Add(-3*time.Second), testkit.Now.Add(time.Minute)
	named := mapping.Holder{Name: "李*四", ID: "3301**********5678"}
	tests := map[string]struct {
		online holderOnline
		until  *time.Time
		holder *mapping.Holder
	}{
		"named, with an end": {holderOnline{at, end, named}, &end, &named},
		"no holder, no end":  {holderOnline{at, time.Time{}, mapping.Holder{}}, nil, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := &verify.Verifier{Adapters: ads, Trust: newWorld(t).reg, Clock: testkit.Clock, Online: tc.online}
			vd, _ := v.Evaluate(context.Background(), zjadapter.Prefix+"abcdefghijklmnop0123")
			if vd.Result != fault.Valid || vd.Status != mapping.Green || vd.StatusAsOf == nil || !vd.StatusAsOf.Equal(at) {
				t.Fatalf("got %+v", vd)
			}
			if (vd.ValidUntil == nil) != (tc.until == nil) || tc.until != nil && !vd.ValidUntil.Equal(*tc.until) {
				t.Errorf("valid until %v, want %v", vd.ValidUntil, tc.until)
			}
			if (vd.Holder == nil) != (tc.holder == nil) || tc.holder != nil && *vd.Holder != *tc.holder {
				t.Errorf("holder %v, want %v", vd.Holder, tc.holder)
			}
		})
	}
}

// lockedRecorder keeps copies of the records it is given, from any
// goroutine.
type lockedRecorder struct {
	mu   sync.Mutex
	recs map[string]audit.Record
}

func (l *lockedRecorder) Write(_ context.Context, recs ...audit.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range recs {
		l.recs[r.ID] = r
	}
	return nil
}

// TestConcurrentVerificationsKeepTheirRecords: verifications of distinct
// codes at once each record their own code under their own verdict's id
// (a record's slot is reused across verifications and must never carry
// one into another).
func TestConcurrentVerificationsKeepTheirRecords(t *testing.T) {
	w := newWorld(t)
	rec := &lockedRecorder{recs: map[string]audit.Record{}}
	w.v.Recorder = rec
	reqs, sts := batchOf(t, w, 8)
	const rounds = 50
	type answer struct {
		i  int
		vd verify.Verdict
	}
	answers := make(chan answer, len(reqs)*rounds)
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Go(func() {
			for range rounds {
				vd, err := w.v.Verify(context.Background(), reqs[i])
				if err != nil {
					t.Error(err)
					return
				}
				answers <- answer{i, vd}
			}
		})
	}
	wg.Wait()
	close(answers)
	n := 0
	for a := range answers {
		n++
		r, ok := rec.recs[a.vd.RecordID]
		if want := fmt.Sprintf("code-%d", a.i); !ok || r.CodeID != want || r.Status != string(sts[a.i]) || a.vd.Status != sts[a.i] {
			t.Fatalf("verdict %d (%s, id %s): record %v %q %q, want code %s, %s", a.i, a.vd.Status, a.vd.RecordID, ok, r.CodeID, r.Status, want, sts[a.i])
		}
	}
	if n != len(reqs)*rounds || len(rec.recs) != n {
		t.Fatalf("%d answers, %d records, want %d", n, len(rec.recs), len(reqs)*rounds)
	}
}
