package httpapi

import (
	"encoding/json"
	"testing"
)

func TestDecodeFastVerifyRequest(t *testing.T) {
	str := func(s string) *string { return &s }
	for name, tc := range map[string]struct {
		body string
		ok   bool // taken by the fast path
		want verifyRequest
	}{
		"code only":         {`{"code":"HC1:abc.def"}`, true, verifyRequest{Code: str("HC1:abc.def")}},
		"all three":         {`{"code":"a.b.c","scene":"transport","checkpoint":"gate-07"}`, true, verifyRequest{Code: str("a.b.c"), Scene: "transport", Checkpoint: "gate-07"}},
		"white space":       {" \t\r\n{ \"scene\" : \"s\" ,\n\"code\"\t:\"x\" } \n", true, verifyRequest{Code: str("x"), Scene: "s"}},
		"empty object":      {`{}`, true, verifyRequest{}},
		"empty code":        {`{"code":""}`, true, verifyRequest{Code: str("")}},
		"last repeat wins":  {`{"code":"first","code":"second"}`, true, verifyRequest{Code: str("second")}},
		"UTF-8":             {`{"checkpoint":"浦东机场","code":"x"}`, true, verifyRequest{Code: str("x"), Checkpoint: "浦东机场"}},
		"escape":            {`{"code":"a\u0041"}`, false, verifyRequest{}},
		"escaped quote":     {`{"code":"a\"b"}`, false, verifyRequest{}},
		"control character": {"{\"code\":\"a\tb\"}", false, verifyRequest{}},
		"invalid UTF-8":     {"{\"code\":\"a\xffb\"}", false, verifyRequest{}},
		"other key":         {`{"code":"x","extra":"y"}`, false, verifyRequest{}},
		"key in capitals":   {`{"CODE":"x"}`, false, verifyRequest{}},
		"null":              {`{"code":null}`, false, verifyRequest{}},
		"number":            {`{"code":1}`, false, verifyRequest{}},
		"array":             {`["code"]`, false, verifyRequest{}},
		"trailing data":     {`{"code":"x"} {}`, false, verifyRequest{}},
		"trailing comma":    {`{"code":"x",}`, false, verifyRequest{}},
		"missing colon":     {`{"code" "x"}`, false, verifyRequest{}},
		"unterminated":      {`{"code":"x`, false, verifyRequest{}},
		"unclosed object":   {`{"code":"x"`, false, verifyRequest{}},
		"empty":             {``, false, verifyRequest{}},
	} {
		t.Run(name, func(t *testing.T) {
			var got verifyRequest
			ok := got.decodeFast([]byte(tc.body))
			if ok != tc.ok {
				t.Fatalf("decodeFast(%q) took it: %v, want %v", tc.body, ok, tc.ok)
			}
			if !sameVerifyRequest(got, tc.want) {
				t.Fatalf("decodeFast(%q) = %s, want %s", tc.body, show(got), show(tc.want))
			}
		})
	}
}

// FuzzDecodeFast holds the fast path to json.Unmarshal: whatever it takes,
// json.Unmarshal must take too and decode to the same request.
func FuzzDecodeFast(f *testing.F) {
	for _, s := range []string{
		`{"code":"HC1:abc.def","scene":"transport","checkpoint":"gate-07"}`,
		`{"code":"a","code":"b"}`, `{"Code":"x"}`, `{"code":"\u00e9"}`, `{}`, ` { } `,
		`{"checkpoint":"浦东机场"}`, "{\"code\":\"\xed\xa0\x80\"}", `{"code":"x"}x`, `{"code":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast verifyRequest
		if !fast.decodeFast(b) {
			if fast != (verifyRequest{}) {
				t.Fatalf("declined %q but changed the request to %s", b, show(fast))
			}
			return
		}
		var std verifyRequest
		if err := json.Unmarshal(b, &std); err != nil {
			t.Fatalf("fast path took %q, json.Unmarshal refuses it: %v", b, err)
		}
		if !sameVerifyRequest(fast, std) {
			t.Fatalf("%q: fast path %s, json.Unmarshal %s", b, show(fast), show(std))
		}
	})
}

func sameVerifyRequest(a, b verifyRequest) bool {
	if (a.Code == nil) != (b.Code == nil) || a.Code != nil && *a.Code != *b.Code {
		return false
	}
	return a.Scene == b.Scene && a.Checkpoint == b.Checkpoint
}

func show(r verifyRequest) string {
	out, _ := json.Marshal(r)
	return string(out)
}
