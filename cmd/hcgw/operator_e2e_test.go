package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// peerRow and keyRow are rows of the operator page's tables as shown.
type peerRow struct {
	Region, Breaker, Name, URL, BreakerText, BreakerColor, P50, P95, Calls, Errors, RowBackground string
}

type keyRow struct {
	Kid, Region, State, Class, Name, Uses, Scope, DaysLeft, Revoked, Background string
}

const readPeers = `Array.from(document.querySelectorAll('#peers tbody tr')).map((tr) => {
	const c = (col) => tr.querySelector('[data-col="' + col + '"]');
	return {Region: tr.dataset.region, Breaker: tr.dataset.breaker, Name: c('region').textContent, URL: c('url').textContent,
		BreakerText: c('breaker').textContent, BreakerColor: getComputedStyle(c('breaker')).color,
		P50: c('p50').textContent, P95: c('p95').textContent, Calls: c('calls').textContent, Errors: c('errors').textContent,
		RowBackground: getComputedStyle(tr).backgroundColor};
})`

const readKeys = `Array.from(document.querySelectorAll('#keys tbody tr')).map((tr) => {
	const c = (col) => tr.querySelector('[data-col="' + col + '"]');
	return {Kid: tr.dataset.kid, Region: tr.dataset.region, State: tr.dataset.state, Class: tr.className,
		Name: c('region').textContent, Uses: c('uses').textContent, Scope: c('scope').textContent,
		DaysLeft: c('days_left').textContent, Revoked: c('revoked').textContent, Background: getComputedStyle(tr).backgroundColor};
})`

// verifyAt verifies a code at a gateway of the demo, as a checkpoint would.
func verifyAt(t *testing.T, base, code string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"code": code, "checkpoint": "OPS-E2E"})
	st, b := call(t, "POST", base+"/v1/verify", demoVerifierToken, string(body))
	if st != 200 {
		t.Fatalf("verify at %s: %d %s", base, st, b)
	}
	var vd struct{ Result string }
	_ = json.Unmarshal(b, &vd)
	return vd.Result
}

// waitForVerdicts waits until the hub's overview counts n verdicts: records
// are group-committed after the answer.
func waitForVerdicts(t *testing.T, base string, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, b := call(t, "GET", base+"/v1/ops/overview", demoAdminToken, "")
		var ov struct {
			Verdicts []struct{ Count int64 } `json:"verdicts_last_hour"`
		}
		if err := json.Unmarshal(b, &ov); st != 200 || err != nil {
			t.Fatalf("overview %d %v: %s", st, err, b)
		}
		got := int64(0)
		for _, v := range ov.Verdicts {
			got += v.Count
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the overview counts %d verdicts, want %d", got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestOperatorPageInChromium opens the hub's operator page in a real
// browser on the demo federation, after the hub has verified a code of each
// province (so it has asked each of them): the operator types the admin
// token, and reads the peers, keys and verdicts.
func TestOperatorPageInChromium(t *testing.T) {
	ctx := browser(t)
	d := testDemo(t)
	hubURL := d.node("000000").url
	var printout strings.Builder
	d.print(&printout)
	if !strings.Contains(printout.String(), "Operator page:   "+hubURL+"/operator") {
		t.Errorf("the demo printout does not give the hub's operator page:\n%s", printout.String())
	}
	results := map[string]int{}
	for _, c := range d.codes { // one code of each province: the hub asks each of them
		results[verifyAt(t, hubURL, c.code)]++
		if c.format == "sh-v1" {
			results[verifyAt(t, hubURL, tamper(t, c.code, "2"))]++ // bad_signature
		}
	}
	if results["valid"] != len(d.codes) || results["invalid"] != 1 {
		t.Fatalf("verdicts at the hub: %v", results)
	}
	waitForVerdicts(t, hubURL, int64(len(d.codes)+1))
	shots := t.ArtifactDir()
	t.Logf("screenshots in %s (kept with go test -artifacts -outputdir DIR)", shots)

	do(ctx, t, chromedp.Navigate(hubURL+"/operator"), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))
	if lang, title := eval[string](ctx, t, `document.documentElement.lang`), eval[string](ctx, t, `document.querySelector('h1').textContent`); lang != "en" || title != "Operator overview" {
		t.Fatalf("the page starts in %q with title %q in an en-US browser", lang, title)
	}
	if n := eval[int](ctx, t, `document.querySelectorAll('#peers tbody tr').length`); n != 0 {
		t.Fatalf("%d peers shown without a token", n)
	}

	t.Run("a verifier token is refused", func(t *testing.T) {
		do(ctx, t, chromedp.SendKeys(chromedp.CSS(`#token`), demoVerifierToken), chromedp.Click(chromedp.CSS(`#save-token`)))
		if msg := errorMessage(ctx, t); msg != "This token is not an admin token" {
			t.Fatalf("message %q", msg)
		}
		if n := eval[int](ctx, t, `document.querySelectorAll('#peers tbody tr').length`); n != 0 {
			t.Fatalf("%d peers shown to a verifier", n)
		}
	})

	do(ctx, t, chromedp.SendKeys(chromedp.CSS(`#token`), demoAdminToken), chromedp.Click(chromedp.CSS(`#save-token`)),
		chromedp.WaitVisible(chromedp.CSS(`#peers tbody tr[data-region="440000"]`)))
	if stored, field := eval[string](ctx, t, `sessionStorage.getItem('hcgw.admin_token')`), eval[string](ctx, t, `document.getElementById('token').value`); stored != demoAdminToken || field != "" {
		t.Fatalf("token in sessionStorage %q, left in the field %q", stored, field)
	}
	if eval[bool](ctx, t, `localStorage.getItem('hcgw.admin_token') !== null || document.cookie !== ''`) {
		t.Fatal("the token outlives the tab")
	}
	if msg := eval[bool](ctx, t, `document.getElementById('message').hidden`); !msg {
		t.Errorf("an error is still shown: %q", eval[string](ctx, t, `document.getElementById('message').textContent`))
	}

	t.Run("the hub's peers: the four provinces, breakers closed, each asked", func(t *testing.T) {
		peers := eval[[]peerRow](ctx, t, readPeers)
		want := map[string]string{"110000": "Beijing (110000)", "310000": "Shanghai (310000)", "330000": "Zhejiang (330000)", "440000": "Guangdong (440000)"}
		if len(peers) != len(want) {
			t.Fatalf("peers %+v", peers)
		}
		for _, p := range peers {
			if want[p.Region] != p.Name || p.Breaker != "closed" || p.BreakerText != "closed" || p.BreakerColor != "rgb(26, 127, 55)" ||
				p.URL != d.node(p.Region).url || p.Errors != "0" || p.Calls == "0" || p.P50 == "—" || p.P95 == "—" {
				t.Errorf("peer %+v", p)
			}
		}
	})

	t.Run("the keys: every region's, with its window and days left", func(t *testing.T) {
		keys := eval[[]keyRow](ctx, t, readKeys)
		if len(keys) != len(demoRegions) {
			t.Fatalf("keys %+v", keys)
		}
		byRegion := map[string]keyRow{}
		for _, k := range keys {
			byRegion[k.Region] = k
		}
		sh := byRegion["310000"]
		if sh.Kid != d.node("310000").key.Public().Kid || sh.Name != "Shanghai (310000)" || sh.Uses != "codes, status, federation" ||
			sh.Scope != "Shanghai (310000)" || (sh.DaysLeft != "29.9" && sh.DaysLeft != "30.0") || sh.Revoked != "no" || sh.State != "ok" ||
			sh.Background != "rgba(0, 0, 0, 0)" {
			t.Errorf("Shanghai's key %+v", sh)
		}
		if hub := byRegion["000000"]; hub.Scope != "every region (*)" || hub.Name != "National platform (000000)" {
			t.Errorf("the hub's key %+v", hub)
		}
	})

	t.Run("the admission rules in force: Shanghai's four scenes", func(t *testing.T) {
		rows := eval[[]struct{ ID, State, Text string }](ctx, t, `Array.from(document.querySelectorAll('#rules tbody tr')).map((tr) =>
			({ID: tr.dataset.id, State: tr.dataset.state, Text: tr.innerText}))`)
		if len(rows) != 4 {
			t.Fatalf("rules %+v", rows)
		}
		for _, r := range rows {
			if r.State != "in_force" || !strings.Contains(r.Text, "Shanghai (310000)") || !strings.Contains(r.Text, "in force") {
				t.Errorf("rule %+v", r)
			}
		}
	})

	t.Run("the verdicts of the last hour, by result and reason", func(t *testing.T) {
		rows := eval[[]struct{ Result, Reason, Count string }](ctx, t, `Array.from(document.querySelectorAll('#verdicts tbody tr')).map((tr) =>
			({Result: tr.dataset.result, Reason: tr.dataset.reason, Count: tr.querySelector('[data-col="count"]').textContent}))`)
		got := map[string]string{}
		for _, r := range rows {
			got[r.Result+"/"+r.Reason] = r.Count
		}
		if got["valid/"] != strconv.Itoa(len(d.codes)) || got["invalid/bad_signature"] != "1" || len(got) != 2 {
			t.Errorf("verdicts %v", rows)
		}
		if total := eval[string](ctx, t, `document.getElementById('verdicts-total').textContent`); total != strconv.Itoa(len(d.codes)+1) {
			t.Errorf("total %q", total)
		}
		if txt := eval[string](ctx, t, `document.getElementById('verdicts').innerText`); !strings.Contains(txt, "bad signature") {
			t.Errorf("the reason is not named:\n%s", txt)
		}
	})
	if n := eval[int](ctx, t, `document.querySelectorAll('#revocations tbody tr').length`); n != 0 {
		t.Errorf("%d revocations in the demo", n)
	}
	screenshot(ctx, t, shots, "operator-hub-en.png")

	t.Run("in Chinese", func(t *testing.T) {
		do(ctx, t, chromedp.Click(chromedp.CSS(`#lang`)))
		if title := eval[string](ctx, t, `document.querySelector('h1').textContent`); title != "运维总览" {
			t.Fatalf("title %q", title)
		}
		peers := eval[[]peerRow](ctx, t, readPeers)
		if len(peers) != 4 || peers[0].Name != "北京市 (110000)" || peers[0].BreakerText != "正常（闭合）" {
			t.Errorf("peers %+v", peers)
		}
		screenshot(ctx, t, shots, "operator-hub-zh.png")
		do(ctx, t, chromedp.Click(chromedp.CSS(`#lang`)))
	})

	// The demo's keys all run 30 days and its breakers are closed. To see
	// the highlights, the browser's fetch alters the next overview: the
	// Zhejiang key ends in 3.5 days, Guangdong's breaker is open. This
	// checks the page, not the gateway.
	t.Run("a key within 7 days is highlighted; an open breaker is red", func(t *testing.T) {
		eval[bool](ctx, t, `(() => { const real = window.fetch;
			window.fetch = async (u, o) => {
				const r = await real(u, o);
				if (!String(u).includes('/v1/ops/overview') || !r.ok) return r;
				const d = await r.json();
				for (const k of d.keys) if (k.region === '330000') {
					k.days_left = 3.5; k.not_after = new Date(new Date(d.time).getTime() + 3.5 * 86400e3).toISOString();
				}
				for (const p of d.peers) if (p.region === '440000') p.breaker = 'open';
				return new Response(JSON.stringify(d), {status: 200, headers: {'Content-Type': 'application/json'}});
			};
			return true; })()`)
		do(ctx, t, chromedp.Click(chromedp.CSS(`#save-token`)), // an empty field keeps the token and refreshes
			chromedp.WaitVisible(chromedp.CSS(`#keys tr.key-expiring`)))
		for _, k := range eval[[]keyRow](ctx, t, readKeys) {
			wantBg := "rgba(0, 0, 0, 0)"
			if k.Region == "330000" {
				wantBg = "rgb(255, 243, 196)"
				if k.State != "expiring" || k.DaysLeft != "3.5" {
					t.Errorf("Zhejiang's key %+v", k)
				}
			}
			if k.Background != wantBg {
				t.Errorf("key of %s: background %s, want %s", k.Region, k.Background, wantBg)
			}
		}
		for _, p := range eval[[]peerRow](ctx, t, readPeers) {
			if p.Region == "440000" && (p.BreakerText != "open" || p.BreakerColor != "rgb(198, 40, 40)" || p.RowBackground != "rgb(253, 236, 234)") {
				t.Errorf("Guangdong's open breaker %+v", p)
			}
		}
		screenshot(ctx, t, shots, "operator-highlights-en.png")
	})
}
