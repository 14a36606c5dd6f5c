package federation_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/federation"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// splice puts members (raw JSON, with a leading comma) at the end of obj.
func splice(obj []byte, members string) []byte {
	return []byte(strings.TrimSuffix(string(obj), "}") + members + "}")
}

// TestStatusMessagesAreReadStrictly signs payloads made here with properly
// endorsed keys, so that only the JSON can be what is refused: DESIGN §7
// names every claim of a request and an answer.
func TestStatusMessagesAreReadStrictly(t *testing.T) {
	n := newNation(t, shR, zjR)
	now := testkit.Now
	req := request(shR, zjR, "code-1", now)
	reqJSON := testkit.JSON(t, req)
	want := federation.Expect{Org: zjR, Aud: shR, RJTI: "rq-1", CID: "code-1"}
	red := federation.Answer{Iss: zjR, Aud: shR, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(), RJTI: "rq-1",
		CID: "code-1", St: mapping.Red, SA: now.Unix(), HN: maskedName, HID: maskedID}
	ansJSON := testkit.JSON(t, red)
	replace := func(b []byte, old, new string) []byte { return []byte(strings.Replace(string(b), old, new, 1)) }

	tests := map[string]struct {
		answer  bool // else a request
		payload []byte
		want    string
	}{
		// Case variants.
		"an answer with St green beside st red":  {true, splice(ansJSON, `,"St":"green"`), `claim "St": unknown claim`},
		"an answer with ST green beside st red":  {true, splice(ansJSON, `,"ST":"green"`), `claim "ST": unknown claim`},
		"an answer whose status is spelled St":   {true, replace(ansJSON, `"st":`, `"St":`), `claim "St": unknown claim`},
		"an answer with RJTI beside rjti":        {true, splice(ansJSON, `,"RJTI":"rq-2"`), `claim "RJTI": unknown claim`},
		"a request with AUD beside aud":          {false, splice(reqJSON, `,"AUD":"440000"`), `claim "AUD": unknown claim`},
		"a request with Iss beside iss":          {false, splice(reqJSON, `,"Iss":"000000"`), `claim "Iss": unknown claim`},
		"a request whose cid is spelled CID":     {false, replace(reqJSON, `"cid":`, `"CID":`), `claim "CID": unknown claim`},
		"an answer with Exp beside exp (longer)": {true, splice(ansJSON, `,"Exp":9999999999`), `claim "Exp": unknown claim`},

		// Duplicates, also through escapes.
		"an answer with st twice":               {true, splice(ansJSON, `,"st":"green"`), `claim "st": duplicate`},
		"an answer with st again as s\\u0074":   {true, splice(ansJSON, `,"s\u0074":"green"`), `claim "st": duplicate`},
		"an answer with exp again as \\u0065xp": {true, splice(ansJSON, `,"\u0065xp":9999999999`), `claim "exp": duplicate`},
		"a request with aud twice":              {false, splice(reqJSON, `,"aud":"440000"`), `claim "aud": duplicate`},
		"a request with cid again as c\\u0069d": {false, splice(reqJSON, `,"c\u0069d":"code-2"`), `claim "cid": duplicate`},

		// Unknown members.
		"an answer with a ttl":   {true, splice(ansJSON, `,"ttl":86400`), `claim "ttl": unknown claim`},
		"an answer with a nat":   {true, splice(ansJSON, `,"nat":{"r":"negative","t":1}`), `claim "nat": unknown claim`},
		"a request with a scope": {false, splice(reqJSON, `,"scope":["*"]`), `claim "scope": unknown claim`},

		// Invalid UTF-8.
		"an answer with invalid UTF-8 in hn":     {true, replace(ansJSON, `"`+maskedName+`"`, "\"\xe5\xbc*\""), "claims: invalid UTF-8"},
		"an answer with invalid UTF-8 in a name": {true, splice(ansJSON, ",\"\xff\":1"), "claims: invalid UTF-8"},
		"a request with invalid UTF-8 in scene":  {false, splice(reqJSON, ",\"scene\":\"\xc0\xaf\""), "claims: invalid UTF-8"},
		"a request with a lone surrogate":        {false, splice(reqJSON, `,"scene":"\udbff"`), `claim "scene": invalid JSON`},

		// null is not absent.
		"an answer with a null hn": {true, replace(ansJSON, `"`+maskedName+`"`, `null`), `claim "hn": must be a string, not null`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var err error
			if tc.answer {
				var a *federation.Answer
				a, err = federation.VerifyAnswer(n.reg.Snapshot(), hostile(t, n.keys[zjR], "EdDSA", federation.TypAnswer, tc.payload), want, now, skew)
				if err == nil {
					t.Fatalf("accepted %s as %+v", tc.payload, a)
				}
			} else {
				var r *federation.Request
				r, err = federation.VerifyRequest(n.reg.Snapshot(), hostile(t, n.keys[shR], "EdDSA", federation.TypRequest, tc.payload), now, skew)
				if err == nil {
					t.Fatalf("accepted %s as %+v", tc.payload, r)
				}
			}
			var p *fault.Error
			if !errors.As(err, &p) || p.Kind != fault.Malformed {
				t.Fatalf("error %v (%T), want a malformed *fault.Error", err, err)
			}
			if !strings.Contains(p.Message, tc.want) {
				t.Errorf("detail %q, want it to contain %q", p.Message, tc.want)
			}
		})
	}
	// The unchanged payloads are good.
	if _, err := federation.VerifyAnswer(n.reg.Snapshot(), hostile(t, n.keys[zjR], "EdDSA", federation.TypAnswer, ansJSON), want, now, skew); err != nil {
		t.Fatalf("the good answer: %v", err)
	}
	if _, err := federation.VerifyRequest(n.reg.Snapshot(), hostile(t, n.keys[shR], "EdDSA", federation.TypRequest, reqJSON), now, skew); err != nil {
		t.Fatalf("the good request: %v", err)
	}
}

// TestClientRefusesAHostilePeersAmbiguousAnswers: a peer holding zj's
// real status key answers red, and adds a second status a lenient reader
// would take (encoding/json: case-insensitive names, the last duplicate
// wins). The client must refuse every such answer: never green, and not red
// either, since the signer's meaning is not one thing.
func TestClientRefusesAHostilePeersAmbiguousAnswers(t *testing.T) {
	n := newNation(t, shR, zjR)
	for name, extra := range map[string]string{
		`"St":"green" after "st":"red"`:      `,"St":"green"`,
		`"s\u0074":"green" after "st":"red"`: `,"s\u0074":"green"`,
		`"st":"green" after "st":"red"`:      `,"st":"green"`,
		`"ST":"green" after "st":"red"`:      `,"ST":"green"`,
		`"\u0073\u0074":"green" after`:       `,"\u0073\u0074":"green"`,
	} {
		t.Run(name, func(t *testing.T) {
			peer := ambiguous(t, n.keys[zjR], extra)
			c := n.client(shR, map[string]string{zjR: serve(t, peer).URL}, func(o *federation.Options) { o.Retries = 0 })
			st, routed, err := c.Status(context.Background(), zjR, "code-1")
			if !routed {
				t.Fatal("zj is not routed")
			}
			if err == nil || st.Status == mapping.Green || st.Status == mapping.Red {
				t.Fatalf("Status = %+v, %v; want an unestablished status", st, err)
			}
			if r := fault.ReasonOf(err); r != fault.IssuerUnavailable {
				t.Fatalf("reason %s (%v), want issuer_unavailable", r, err)
			}
		})
	}
	// The same peer without the extra member is believed: the refusals
	// above are the JSON's.
	c := n.client(shR, map[string]string{zjR: serve(t, ambiguous(t, n.keys[zjR], "")).URL}, nil)
	if st, _, err := c.Status(context.Background(), zjR, "code-1"); err != nil || st.Status != mapping.Red {
		t.Fatalf("the plain red answer: %+v, %v", st, err)
	}
}

// ambiguous is a peer that answers each request red, signed with key, with
// extra members (raw JSON) after the status.
func ambiguous(t *testing.T, key trust.Signer, extra string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req federation.Request
		payloadOf(t, string(body), &req)
		now := time.Now()
		a := federation.Answer{Iss: req.Aud, Aud: req.Iss, IAT: now.Unix(), EXP: now.Add(time.Minute).Unix(), RJTI: req.JTI,
			CID: req.CID, St: mapping.Red, SA: now.Unix(), HN: maskedName, HID: maskedID}
		tok, err := key.SignCompact(splice(testkit.JSON(t, a), extra), federation.TypAnswer)
		if err != nil {
			t.Error(err)
			return
		}
		w.Header().Set("Content-Type", federation.ContentTypeJOSE)
		_, _ = w.Write([]byte(tok))
	}
}
