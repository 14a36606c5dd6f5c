package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/internal/provsim"
)

// chromiumPath is Debian's chromium. A developer without it skips the
// browser test; CI installs it (.ci/run), so there its absence fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	const p = "/usr/bin/chromium"
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: CI must install Debian's chromium (.ci/run)", p)
		}
		t.Skipf("%s is missing (apt-get install chromium): the browser test is skipped", p)
	}
	return p
}

// browser starts a headless Chromium with a fresh profile and no network
// chatter of its own, and returns a tab's context.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 1100),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("chromium does not start: %v", err)
	}
	return ctx
}

// card is what the page shows a checkpoint operator.
type card struct {
	Result, Status, Reason string
	Background             string
	Text                   string
}

func readCard(ctx context.Context, t *testing.T, result string) card {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#card[data-result="`+result+`"]`))); err != nil {
		msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('message').innerText`))
		t.Fatalf("no %s card (the page says %q): %v", result, msg, err)
	}
	c, err := chromedp.Run(ctx, chromedp.Evaluate[card](`(() => { const c = document.getElementById('card');
		return {Result: c.dataset.result, Status: c.dataset.status, Reason: c.dataset.reason,
			Background: getComputedStyle(c).backgroundColor, Text: c.innerText}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// decision is what the page's decision banner shows.
type decision struct {
	Decision, Default, Text string
	Rules                   []string // the ids of the rules listed (failed or open)
	Above                   bool     // the banner comes before the colour card
}

// readDecision waits for the decision banner and reads it.
func readDecision(ctx context.Context, t *testing.T, want string) decision {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#decision[data-decision="`+want+`"]`))); err != nil {
		t.Fatalf("no %s decision: %v", want, err)
	}
	d, err := chromedp.Run(ctx, chromedp.Evaluate[decision](`(() => { const d = document.getElementById('decision');
		const card = document.getElementById('card');
		return {Decision: d.dataset.decision, Default: d.dataset.default, Text: d.innerText,
			Rules: [...d.querySelectorAll('li')].map((li) => li.dataset.rule),
			Above: d.getBoundingClientRect().bottom <= card.getBoundingClientRect().top}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// errorMessage waits for the page's error line and returns it.
func errorMessage(ctx context.Context, t *testing.T) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#message.error`))); err != nil {
		t.Fatalf("no error message: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#message`)))
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func eval[T any](ctx context.Context, t *testing.T, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func do(ctx context.Context, t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func upload(ctx context.Context, t *testing.T, input, file string) {
	t.Helper()
	do(ctx, t, chromedp.SetUploadFiles(chromedp.CSS(input), []string{file}))
}

func screenshot(ctx context.Context, t *testing.T, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

// qrFromGateway renders a code through the gateway's own /v1/qr/encode.
func qrFromGateway(t *testing.T, base, code string) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"code": code, "size": 480})
	st, b := call(t, "POST", base+"/v1/qr/encode", demoVerifierToken, string(body))
	if st != 200 {
		t.Fatalf("qr/encode: %d %s", st, b)
	}
	return b
}

// tamper turns an sh-v1 code's status field to another colour, leaving its
// signature as it was: what a forger would try.
func tamper(t *testing.T, code, state string) string {
	t.Helper()
	f := strings.Split(code, "|")
	if len(f) != 8 || f[0] != sh.Prefix[:len(sh.Prefix)-1] {
		t.Fatalf("not an sh-v1 code: %s", code)
	}
	if f[2] == state {
		t.Fatalf("the code already has state %s", state)
	}
	f[2] = state
	return strings.Join(f, "|")
}

// TestCheckpointPageInChromium drives the checkpoint page in a real
// browser against the demo federation: the operator types the token,
// uploads photos of QR codes, and reads the verdict cards.
func TestCheckpointPageInChromium(t *testing.T) {
	ctx := browser(t)
	d := testDemo(t)
	shURL := d.node("310000").url
	codes := map[string]string{}
	for _, c := range d.codes {
		codes[c.format] = c.code
	}
	shots := t.ArtifactDir()
	t.Logf("screenshots and QR images in %s (kept with go test -artifacts -outputdir DIR)", shots)
	write := func(name string, b []byte) string {
		p := filepath.Join(shots, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	greenPNG := write("qr-green-sh-v1.png", qrFromGateway(t, shURL, codes["sh-v1"]))
	tamperedPNG := write("qr-tampered-sh-v1.png", qrFromGateway(t, shURL, tamper(t, codes["sh-v1"], "2")))
	white := image.NewGray(image.Rect(0, 0, 300, 300))
	draw.Draw(white, white.Bounds(), image.White, image.Point{}, draw.Src)
	blankPNG := write("no-qr.png", pngOf(t, white))

	do(ctx, t, chromedp.Navigate(shURL+"/checkpoint"), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))
	// The page starts in the browser's language (headless Chromium's is
	// en-US), and the switch turns it to Chinese.
	if lang := eval[string](ctx, t, `document.documentElement.lang`); lang != "en" {
		t.Fatalf("the page starts in %q in an en-US browser", lang)
	}
	do(ctx, t, chromedp.Click(chromedp.CSS(`#lang`)))
	if lang, title := eval[string](ctx, t, `document.documentElement.lang`), eval[string](ctx, t, `document.querySelector('h1').textContent`); lang != "zh-CN" || title != "健康码核验" {
		t.Fatalf("after the switch: %q %q", lang, title)
	}

	t.Run("without a token the page asks for one", func(t *testing.T) {
		upload(ctx, t, `#file`, greenPNG)
		if msg := errorMessage(ctx, t); !strings.Contains(msg, "令牌") {
			t.Fatalf("message %q", msg)
		}
	})

	do(ctx, t,
		chromedp.SendKeys(chromedp.CSS(`#token`), demoVerifierToken),
		chromedp.SendKeys(chromedp.CSS(`#checkpoint-id`), "SH-E2E-1"),
		chromedp.SendKeys(chromedp.CSS(`#scene`), "rail"),
		chromedp.Click(chromedp.CSS(`#save-token`)),
	)
	if stored, field := eval[string](ctx, t, `sessionStorage.getItem('hcgw.token')`), eval[string](ctx, t, `document.getElementById('token').value`); stored != demoVerifierToken || field != "" {
		t.Fatalf("token in sessionStorage %q, left in the field %q", stored, field)
	}
	if eval[bool](ctx, t, `localStorage.getItem('hcgw.token') !== null || document.cookie !== ''`) {
		t.Fatal("the token outlives the tab")
	}

	t.Run("a valid green code is a green card with the masked holder and the province's name", func(t *testing.T) {
		upload(ctx, t, `#file`, greenPNG)
		c := readCard(ctx, t, "valid")
		if c.Status != "green" || c.Background != "rgb(26, 143, 60)" {
			t.Errorf("card %+v", c)
		}
		for _, want := range []string{"绿码", "通行", "李*", "3101**********0011", "上海市 (310000)", "sh-v1", "在线", "状态已确认"} {
			if !strings.Contains(c.Text, want) {
				t.Errorf("the green card does not say %q:\n%s", want, c.Text)
			}
		}
		if strings.Contains(c.Text, "李四") || strings.Contains(c.Text, "310101198001010011") {
			t.Errorf("the card shows the full holder:\n%s", c.Text)
		}
		// The page's scene is rail: Shanghai's demo rule for it (green) decides.
		if d := readDecision(ctx, t, "admit"); d.Text != "通行" || d.Default != "false" || len(d.Rules) != 0 || !d.Above {
			t.Errorf("decision %+v, want 通行 by the rail rule, above the card", d)
		}
		screenshot(ctx, t, shots, "checkpoint-green-zh.png")

		do(ctx, t, chromedp.Click(chromedp.CSS(`#lang`)))
		en := readCard(ctx, t, "valid")
		for _, want := range []string{"GREEN", "may pass", "Shanghai (310000)", "online", "Status established"} {
			if !strings.Contains(en.Text, want) {
				t.Errorf("the English card does not say %q:\n%s", want, en.Text)
			}
		}
		screenshot(ctx, t, shots, "checkpoint-green-en.png")
	})

	t.Run("a tampered code is an invalid card that says why", func(t *testing.T) {
		upload(ctx, t, `#file`, tamperedPNG)
		c := readCard(ctx, t, "invalid")
		if c.Status != "grey" || c.Reason != "bad_signature" || c.Background != "rgb(31, 31, 31)" {
			t.Errorf("card %+v", c)
		}
		if d := readDecision(ctx, t, "deny"); d.Text != "DO NOT ADMIT" || len(d.Rules) != 0 {
			t.Errorf("decision %+v, want DO NOT ADMIT without a rule", d)
		}
		for _, want := range []string{"INVALID CODE", "do not admit", "Invalid signature", "altered or forged"} {
			if !strings.Contains(c.Text, want) {
				t.Errorf("the invalid card does not say %q:\n%s", want, c.Text)
			}
		}
		if strings.Contains(c.Text, "李*") {
			t.Errorf("an invalid card echoes holder data:\n%s", c.Text)
		}
		screenshot(ctx, t, shots, "checkpoint-tampered-en.png")
		do(ctx, t, chromedp.Click(chromedp.CSS(`#lang`)))
		zh := readCard(ctx, t, "invalid")
		if !strings.Contains(zh.Text, "无效码") || !strings.Contains(zh.Text, "签名无效") {
			t.Errorf("the Chinese invalid card:\n%s", zh.Text)
		}
		screenshot(ctx, t, shots, "checkpoint-tampered-zh.png")
	})

	t.Run("a pasted red code is a red card; its conflict is shown", func(t *testing.T) {
		do(ctx, t, chromedp.SetValue(chromedp.CSS(`#code`), codes["bj-v1"]), chromedp.Click(chromedp.CSS(`#verify`)))
		c := readCard(ctx, t, "valid")
		if c.Status != "red" || c.Background != "rgb(198, 40, 40)" || !strings.Contains(c.Text, "红码") ||
			!strings.Contains(c.Text, "北京市 (110000)") || !strings.Contains(c.Text, "状态冲突") {
			t.Errorf("card %+v", c)
		}
		d := readDecision(ctx, t, "deny")
		if !strings.HasPrefix(d.Text, "禁止通行") || !strings.Contains(d.Text, "绿码通行") || len(d.Rules) != 1 || d.Rules[0] != "SH-RAIL-01" {
			t.Errorf("decision %+v, want 禁止通行 naming the rail rule in Chinese", d)
		}
		screenshot(ctx, t, shots, "checkpoint-red-zh.png")
	})

	t.Run("a wrong colour is reported from the card: the ticket goes to the issuing region", func(t *testing.T) {
		do(ctx, t, chromedp.Click(chromedp.CSS(`#report`)), chromedp.WaitVisible(chromedp.CSS(`#correction`)))
		do(ctx, t, chromedp.SetValue(chromedp.CSS(`#correction-detail`), "王小明"), chromedp.Click(chromedp.CSS(`#send-correction`)))
		if msg := errorMessage(ctx, t); !strings.Contains(msg, "detail") {
			t.Fatalf("a detail with a name: message %q", msg)
		}
		do(ctx, t, chromedp.SetValue(chromedp.CSS(`#correction-detail`), "核酸阴性，平台显示红码"), chromedp.Click(chromedp.CSS(`#send-correction`)),
			chromedp.WaitVisible(chromedp.CSS(`#correction-result`)))
		ticket := eval[string](ctx, t, `document.getElementById('correction-result').dataset.ticket`)
		state := eval[string](ctx, t, `document.getElementById('correction-result').dataset.state`)
		if ticket == "" || state != "open" {
			t.Fatalf("ticket %q state %q", ticket, state)
		}
		screenshot(ctx, t, shots, "checkpoint-correction-zh.png")
		st, b := call(t, "GET", d.node("110000").url+"/v1/corrections?state=open", demoAdminToken, "")
		if st != 200 || !strings.Contains(string(b), ticket) || !strings.Contains(string(b), `"from":"310000"`) {
			t.Fatalf("Beijing's open corrections: %d %s", st, b)
		}
	})

	t.Run("the itinerary's star is on the card, with the regions by name", func(t *testing.T) {
		var star string
		for _, c := range d.codes {
			if strings.Contains(c.expect, "itinerary star") {
				star = c.code
			}
		}
		do(ctx, t, chromedp.SetValue(chromedp.CSS(`#code`), star), chromedp.Click(chromedp.CSS(`#verify`)))
		c := readCard(ctx, t, "valid")
		if !strings.Contains(c.Text, "★ 途经有风险地区的城市") || !strings.Contains(c.Text, "湖北省 (420100)") || !strings.Contains(c.Text, "浙江省 (330100)") {
			t.Errorf("card %+v", c)
		}
		if !eval[bool](ctx, t, `document.querySelector('#card-facts dd[data-fact="itinerary"]').dataset.star === 'true'`) {
			t.Error("the star is not marked")
		}
		screenshot(ctx, t, shots, "checkpoint-itinerary-star-zh.png")
	})

	t.Run("a code its issuer does not know is an unverified card", func(t *testing.T) {
		unknown, err := provsim.EncodeZJ(provsim.NewZJToken())
		if err != nil {
			t.Fatal(err)
		}
		do(ctx, t, chromedp.SetValue(chromedp.CSS(`#code`), unknown), chromedp.Click(chromedp.CSS(`#verify`)))
		c := readCard(ctx, t, "unverified")
		if c.Status != "grey" || c.Reason != "status_unknown" || c.Background != "rgb(74, 63, 140)" ||
			!strings.Contains(c.Text, "无法核验") || !strings.Contains(c.Text, "浙江省 (330000)") {
			t.Errorf("card %+v", c)
		}
		screenshot(ctx, t, shots, "checkpoint-unverified-zh.png")
		do(ctx, t, chromedp.SetValue(chromedp.CSS(`#code`), codes["bj-v1"]), chromedp.Click(chromedp.CSS(`#verify`)))
		readCard(ctx, t, "valid")
	})

	// the record id of the last verdict shown (the red one)
	recordID := eval[string](ctx, t, `(() => { const e = document.querySelector('#card-facts dd[data-fact="record"]'); return e ? e.textContent : ''; })()`)

	t.Run("a traveller without a phone is checked by identity card", func(t *testing.T) {
		do(ctx, t, chromedp.SendKeys(chromedp.CSS(`#id-number`), demoElderID), chromedp.Click(chromedp.CSS(`#verify-id`)))
		c := readCard(ctx, t, "valid")
		if c.Status != "yellow" || !strings.Contains(c.Text, "3301**********102X") || !strings.Contains(c.Text, "id-document") ||
			!strings.Contains(c.Text, "状态冲突") || strings.Contains(c.Text, demoElderID) {
			t.Errorf("card %+v", c)
		}
		if d := readDecision(ctx, t, "deny"); !strings.HasPrefix(d.Text, "禁止通行") {
			t.Errorf("decision %+v", d)
		}
		if left := eval[string](ctx, t, `document.getElementById('id-number').value`); left != "" {
			t.Errorf("the number stays in the field: %q", left)
		}
		if eval[bool](ctx, t, `document.body.innerText.includes(`+strconv.Quote(demoElderID)+`) || JSON.stringify(sessionStorage).includes(`+strconv.Quote(demoElderID[:17])+`)`) {
			t.Error("the page keeps the full number")
		}
		screenshot(ctx, t, shots, "checkpoint-id-card-zh.png")
		do(ctx, t, chromedp.SendKeys(chromedp.CSS(`#id-number`), "33010219450318102"), chromedp.Click(chromedp.CSS(`#verify-id`)))
		if msg := errorMessage(ctx, t); !strings.Contains(msg, "18位") {
			t.Errorf("a short number: message %q", msg)
		}
	})

	t.Run("a picture without a QR code says so", func(t *testing.T) {
		upload(ctx, t, `#camera`, blankPNG)
		if msg := errorMessage(ctx, t); !strings.Contains(msg, "未找到可识别的二维码") {
			t.Fatalf("message %q", msg)
		}
		if !eval[bool](ctx, t, `document.getElementById('card').hidden`) {
			t.Error("an old verdict is still shown after a failed scan")
		}
	})

	t.Run("the verifications are recorded under the page's checkpoint id", func(t *testing.T) {
		if recordID == "" {
			t.Fatal("no record id on the card")
		}
		st, b := call(t, "GET", shURL+"/v1/records/"+recordID, demoAdminToken, "")
		if st != 200 || !bytes.Contains(b, []byte(`"checkpoint":"SH-E2E-1"`)) || !bytes.Contains(b, []byte(`"scene":"rail"`)) ||
			!bytes.Contains(b, []byte(`"admission":"deny"`)) {
			t.Fatalf("record %d %s", st, b)
		}
	})
}
