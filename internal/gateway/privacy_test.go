package gateway_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/bj"
	"github.com/hcgw/hcgw/adapters/gd"

	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/internal/testkit"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// TestNoFullNameOrIdentityNumberIsLoggedOrStored drives issue and verify
// with full holder data through the API, then scans every log line and
// every byte of the database files for it.
func TestNoFullNameOrIdentityNumberIsLoggedOrStored(t *testing.T) {
	const name, id = "欧阳娜娜", "11010519491231002X"
	e := newEnv(t, "sqlite", "")
	logs := &syncBuffer{}
	g, err := gateway.New(context.Background(), e.cfg, gateway.Options{
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := g.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx) }()
	r := &running{g: g, base: "http://" + addr.String()}
	var haystackAnswers []byte

	st, b := r.call(t, "POST", "/v1/issue", adminToken, `{"status":"green","holder":{"name":"`+name+`","id":"`+id+`"}}`)
	if st != 200 {
		t.Fatalf("issue %d %s", st, b)
	}
	var issued struct{ Code string }
	_ = json.Unmarshal(b, &issued)
	// A careless operator putting a name where a checkpoint id belongs is
	// refused before anything is recorded.
	if st, b := r.call(t, "POST", "/v1/verify", verifierToken, `{"code":"`+issued.Code+`","checkpoint":"`+name+`"}`); st != 400 {
		t.Fatalf("free-text checkpoint: %d %s", st, b)
	}
	// Guangdong's and Beijing's local formats carry the full identity: the
	// adapters must mask it before anything is recorded or logged.
	gdKey, bjKey := testkit.Key(t, jwa.ES256), testkit.Key(t, jwa.EdDSA)
	for _, e := range []string{e.root.Endorse(gdKey, "440000", testkit.Spec{NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}),
		e.root.Endorse(bjKey, "110000", testkit.Spec{NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})} {
		if st, b := r.call(t, "POST", "/v1/trust/endorsements", adminToken, e); st != 201 {
			t.Fatalf("endorse %d %s", st, b)
		}
	}
	now := time.Now()
	gdCode, err := provsim.EncodeGD(gdKey, gd.Claims{Name: name, ID: id, Status: "10", StatusTime: now.Add(-time.Minute).Unix(), Expires: now.Add(time.Hour).Unix(), CodeID: "gd-privacy"})
	if err != nil {
		t.Fatal(err)
	}
	bjCode, err := provsim.EncodeBJ(bjKey, bj.Claims{Name: name, ID: id, Status: "弹窗", StatusTime: now.Add(-time.Minute).Unix(), Expires: now.Add(time.Hour).Unix(), CodeID: "bj-privacy"})
	if err != nil {
		t.Fatal(err)
	}
	bodies := []string{
		`{"code":"` + issued.Code + `","checkpoint":"SH-01"}`,
		`{"code":"` + gdCode + `"}`,
		`{"code":"` + bjCode + `"}`,
		`{"code":"` + name + ` ` + id + `"}`, // a full identity pasted as a code
		`{"code":"NIC1:` + testkit.B64([]byte(name)) + `.` + testkit.B64([]byte(id)) + `.AAAA"}`,
	}
	for _, body := range bodies {
		st, b := r.call(t, "POST", "/v1/verify", verifierToken, body)
		if st != 200 {
			t.Fatalf("verify %d %s", st, b)
		}
		haystackAnswers = append(haystackAnswers, b...)
	}
	// Conversion: widen this gateway's key to Guangdong's and Beijing's data
	// (a second endorsement of the same key), convert both local codes, and
	// keep the national codes' payloads for the scan.
	wide := e.root.Endorse(e.own, "310000", testkit.Spec{Scope: []string{"310000", "440000", "110000"}, JTI: "wide",
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})
	if st, b := r.call(t, "POST", "/v1/trust/endorsements", adminToken, wide); st != 201 {
		t.Fatalf("widen %d %s", st, b)
	}
	for _, code := range []string{gdCode, bjCode} {
		st, b := r.call(t, "POST", "/v1/convert", verifierToken, `{"code":"`+code+`"}`)
		var out struct {
			NationalCode string `json:"national_code"`
		}
		if st != 200 || json.Unmarshal(b, &out) != nil {
			t.Fatalf("convert %d %s", st, b)
		}
		parts := strings.Split(out.NationalCode, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		haystackAnswers = append(append(haystackAnswers, b...), payload...)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(e.dir, "gw.db*"))
	if len(files) == 0 {
		t.Fatal("no database file to scan")
	}
	haystacks := map[string][]byte{"log": logs.b.Bytes(), "answers": haystackAnswers}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		haystacks[f] = data
	}
	for where, data := range haystacks {
		for _, needle := range []string{id, strings.ToLower(id), id[:17], "欧阳娜"} {
			if bytes.Contains(data, []byte(needle)) {
				t.Errorf("%s contains %q", where, needle)
			}
		}
	}
	if bytes.Count(haystackAnswers, []byte(`"result":"valid"`)) != 5 {
		t.Fatalf("the issued, gd-v1 and bj-v1 codes must verify, else the scan proves nothing: %s", haystackAnswers)
	}
	testkit.Report(t, "privacy", "full names and identity numbers through /v1/issue, gd-v1 and bj-v1 codes carrying them, /v1/convert, a free-text checkpoint",
		len(haystacks), "no full name, no identity number (nor its first 17 characters) in any log line, database file, answer or converted code; a free-text checkpoint is refused 400")
	if !bytes.Contains(logs.b.Bytes(), []byte(`"action":"issue"`)) {
		t.Fatal("the scan saw no log at all; the test would prove nothing")
	}
}
