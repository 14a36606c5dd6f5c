package fault_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hcgw/hcgw/fault"
)

// The wire names are the contract: DESIGN §4's reasons, DESIGN §6's codes
// and the federation's (openapi.yaml), spelt here apart from the table.
func TestTheWireNamesAreTheContracts(t *testing.T) {
	reasons := map[fault.Kind]string{
		fault.UnrecognizedFormat: "unrecognized_format", fault.Malformed: "malformed", fault.BadSignature: "bad_signature",
		fault.UnknownIssuer: "unknown_issuer", fault.UnknownKey: "unknown_key", fault.RevokedKey: "revoked_key",
		fault.KeyNotValid: "key_not_valid", fault.ScopeViolation: "scope_violation", fault.Expired: "expired",
		fault.NotYetValid: "not_yet_valid", fault.IssuerUnavailable: "issuer_unavailable", fault.StatusUnknown: "status_unknown",
	}
	codes := map[fault.Kind]struct {
		status int
		code   string
	}{
		fault.BadRequest: {400, "bad_request"}, fault.TooLarge: {413, "too_large"}, fault.Unauthenticated: {401, "unauthenticated"},
		fault.Forbidden: {403, "forbidden"}, fault.NotFound: {404, "not_found"}, fault.MethodNotAllowed: {405, "method_not_allowed"},
		fault.Conflict: {409, "conflict"}, fault.RateLimited: {429, "rate_limited"}, fault.Unavailable: {503, "unavailable"},
		fault.Internal: {500, "internal"}, fault.CodeNotValid: {422, "code_not_valid"}, fault.ScopeViolation: {422, "scope_violation"},
		fault.NoQRCode: {422, "no_qr_code"}, fault.BadRule: {400, "bad_rule"},
		fault.Replayed: {409, "replayed"}, fault.UnknownCode: {404, "unknown_code"}, fault.UnknownTicket: {404, "unknown_ticket"},
		fault.LoopDetected: {508, "loop_detected"}, fault.WrongGateway: {421, "wrong_gateway"},
		fault.UpstreamUnavailable: {502, "upstream_unavailable"},
		// A verdict reason answering a request: the request was bad, or
		// the issuer is away.
		fault.Malformed: {400, "bad_request"}, fault.IssuerUnavailable: {503, "unavailable"},
	}
	if len(fault.Reasons) != len(reasons) {
		t.Fatalf("%d reasons, DESIGN §4 has %d", len(fault.Reasons), len(reasons))
	}
	for _, k := range fault.Reasons {
		if k.String() != reasons[k] || !k.IsVerdict() {
			t.Errorf("reason %q (verdict %v), want %q", k, k.IsVerdict(), reasons[k])
		}
	}
	for k, want := range codes {
		if k.Status() != want.status || k.Code() != want.code {
			t.Errorf("%s answers %d %s, want %d %s", k, k.Status(), k.Code(), want.status, want.code)
		}
	}
	seen := map[string]bool{}
	for _, k := range fault.Kinds() {
		switch {
		case k.String() == "" || k.Code() == "" || k.Message() == "":
			t.Errorf("kind %d has an empty view: %q %q %q", k, k, k.Code(), k.Message())
		case k.Status() < 400:
			t.Errorf("%s answers %d, not an error", k, k.Status())
		case seen[k.String()]:
			t.Errorf("two kinds are named %q", k)
		}
		seen[k.String()] = true
		if _, isReason := reasons[k]; isReason != k.IsVerdict() {
			t.Errorf("%s: IsVerdict %v", k, k.IsVerdict())
		}
	}
}

func TestReasonResult(t *testing.T) {
	for _, k := range fault.Reasons {
		want := fault.Invalid
		if k == fault.IssuerUnavailable || k == fault.StatusUnknown {
			want = fault.Unverified
		}
		if got := k.Result(); got != want {
			t.Errorf("%s.Result() = %s, want %s", k, got, want)
		}
	}
	if got := fault.None.Result(); got != fault.Valid {
		t.Errorf("None.Result() = %s, want valid", got)
	}
	if got := fault.Unavailable.Result(); got != fault.Invalid {
		t.Errorf("a kind that is no reason gives %s, want invalid (never a pass)", got)
	}
}

func TestOfAnError(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.7:3306: connection refused")
	tests := map[string]struct {
		err     error
		kind    fault.Kind
		reason  fault.Kind
		message string
	}{
		"no error is no fault":                    {nil, fault.None, fault.None, ""},
		"a fault carries its kind and message":    {fault.Fail(fault.Expired, "at %d", 1), fault.Expired, fault.Expired, "at 1"},
		"a wrapped fault keeps both":              {fmt.Errorf("verify: %w", fault.New(fault.RevokedKey, "x")), fault.RevokedKey, fault.RevokedKey, "x"},
		"a plain error is internal and malformed": {cause, fault.Internal, fault.Malformed, "internal error"},
		"a fault with no kind is malformed too":   {&fault.Error{}, fault.None, fault.Malformed, ""},
		"a request fault is no verdict reason":    {fault.Wrap(fault.Unavailable, cause, ""), fault.Unavailable, fault.Malformed, "the gateway cannot answer now; retry"},
		"the outermost fault speaks":              {fault.Wrap(fault.BadRequest, fault.New(fault.BadSignature, "sig"), "refused"), fault.BadRequest, fault.Malformed, "refused"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := fault.KindOf(tc.err); got != tc.kind {
				t.Errorf("KindOf = %s, want %s", got, tc.kind)
			}
			if got := fault.ReasonOf(tc.err); got != tc.reason {
				t.Errorf("ReasonOf = %s, want %s", got, tc.reason)
			}
			if tc.err == nil {
				return
			}
			msg := fault.MessageOf(tc.err)
			if msg != tc.message {
				t.Errorf("MessageOf = %q, want %q", msg, tc.message)
			}
			if strings.Contains(msg, "10.0.0.7") {
				t.Errorf("the cause reached the client's message: %q", msg)
			}
		})
	}
}

func TestTheCauseIsForLogsAndMatching(t *testing.T) {
	sentinel := fault.New(fault.NotFound, "no such record")
	err := fault.Wrap(fault.Unavailable, fmt.Errorf("read: %w", sentinel), "")
	if !errors.Is(err, sentinel) || !fault.Is(err, fault.NotFound) || !fault.Is(err, fault.Unavailable) || fault.Is(err, fault.Conflict) {
		t.Fatalf("errors.Is / fault.Is do not see through %v", err)
	}
	if got, want := err.Error(), "unavailable: read: not_found: no such record"; got != want {
		t.Errorf("log text %q, want %q", got, want)
	}
}

func TestADetailedSentinelIsStillTheSentinel(t *testing.T) {
	errBusy := fault.New(fault.Unavailable, "busy")
	other := fault.New(fault.Unavailable, "busy")
	err := fmt.Errorf("call: %w", fault.Detail(errBusy, "%d in flight", 3))
	if !errors.Is(err, errBusy) || errors.Is(err, other) {
		t.Fatalf("errors.Is: sentinel %v, a look-alike %v", errors.Is(err, errBusy), errors.Is(err, other))
	}
	if fault.KindOf(err) != fault.Unavailable || fault.MessageOf(err) != "busy: 3 in flight" {
		t.Fatalf("kind %s, message %q", fault.KindOf(err), fault.MessageOf(err))
	}
}

func TestAKindIsItsNameInJSON(t *testing.T) {
	for _, k := range append(fault.Kinds(), fault.None) {
		b, err := json.Marshal(struct {
			R fault.Kind `json:"reason"`
		}{k})
		if err != nil || string(b) != `{"reason":"`+k.String()+`"}` {
			t.Fatalf("%s marshals as %s (%v)", k, b, err)
		}
		var back struct {
			R fault.Kind `json:"reason"`
		}
		if err := json.Unmarshal(b, &back); err != nil || back.R != k {
			t.Fatalf("%s reads back as %s (%v)", b, back.R, err)
		}
	}
	var k fault.Kind
	if err := json.Unmarshal([]byte(`"no_such_kind"`), &k); err == nil {
		t.Fatal("an unknown name was read")
	}
}

// FuzzKindText: reading a kind's name is the one decoder here; whatever it
// reads, it writes back the same, and it reads nothing else.
func FuzzKindText(f *testing.F) {
	for _, k := range fault.Kinds() {
		f.Add(k.String())
	}
	f.Add("")
	f.Add("MALFORMED")
	f.Add("malformed ")
	f.Fuzz(func(t *testing.T, s string) {
		var k fault.Kind
		err := k.UnmarshalText([]byte(s))
		if err != nil {
			if _, ok := fault.Parse(s); ok {
				t.Fatalf("%q: Parse reads it, UnmarshalText refuses it: %v", s, err)
			}
			return
		}
		if b, _ := k.MarshalText(); string(b) != s {
			t.Fatalf("%q reads as %d, which writes %q", s, k, b)
		}
		if k != fault.None && (k.Code() == "" || k.Status() < 400) {
			t.Fatalf("%q reads as a kind with no HTTP view", s)
		}
	})
}
