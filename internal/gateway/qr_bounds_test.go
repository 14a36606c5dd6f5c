package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // DecodeConfig of the GIF case
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hcgw/hcgw/internal/testkit"
)

// upload is one crafted image and what DecodeConfig alone says decoding it
// would take: width × height × the bytes a pixel of its colour model (bit
// depth and channels), times the frames of a GIF. It understates what the
// decoders take (no progressive coefficients, no interlacing), so a growth
// below it means the image was not decoded.
type upload struct {
	name   string
	body   []byte
	frames int
}

func (u upload) configNeed(t *testing.T) int64 {
	t.Helper()
	cfg, _, err := image.DecodeConfig(bytes.NewReader(u.body))
	if err != nil {
		t.Fatalf("%s: %v", u.name, err)
	}
	var bpp int64
	switch cfg.ColorModel {
	case color.GrayModel:
		bpp = 1
	case color.Gray16Model:
		bpp = 2
	case color.YCbCrModel:
		bpp = 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		bpp = 4
	case color.RGBA64Model, color.NRGBA64Model:
		bpp = 8
	default:
		if _, ok := cfg.ColorModel.(color.Palette); !ok {
			t.Fatalf("%s: colour model %T", u.name, cfg.ColorModel)
		}
		bpp = 1
	}
	return int64(cfg.Width) * int64(cfg.Height) * bpp * int64(max(1, u.frames))
}

// memory is what the process's heap did while f ran: the bytes allocated,
// the heap's peak in use above where it started (sampled every 2 ms), and
// the heap obtained from the system before and after.
type memory struct {
	allocated, peakInUse int64
	sysBefore, sysAfter  uint64
}

func measure(f func()) memory {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var m runtime.MemStats
		top := before.HeapInuse
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				peak <- top
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				top = max(top, m.HeapInuse)
			}
		}
	}()
	f()
	close(done)
	top := <-peak
	runtime.ReadMemStats(&after)
	top = max(top, after.HeapInuse)
	return memory{allocated: int64(after.TotalAlloc - before.TotalAlloc), peakInUse: int64(top) - int64(before.HeapInuse),
		sysBefore: before.HeapSys, sysAfter: after.HeapSys}
}

func (m memory) String() string {
	return fmt.Sprintf("allocated %.1f MiB, heap in use at most %.1f MiB above its start, heap from the system %.1f → %.1f MiB",
		float64(m.allocated)/(1<<20), float64(m.peakInUse)/(1<<20), float64(m.sysBefore)/(1<<20), float64(m.sysAfter)/(1<<20))
}

type answer struct {
	status     int
	code       string
	retryAfter string
}

// uploadAll posts every image at once to /v1/qr/decode.
func uploadAll(t *testing.T, base string, ups []upload) []answer {
	out := make([]answer, len(ups))
	var wg sync.WaitGroup
	for i, u := range ups {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", base+"/v1/qr/decode", bytes.NewReader(u.body))
			req.Header.Set("Authorization", "Bearer "+verifierToken)
			req.Header.Set("Content-Type", "application/octet-stream")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("%s: %v", u.name, err)
				return
			}
			defer resp.Body.Close()
			var body struct{ Error struct{ Code string } }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			out[i] = answer{resp.StatusCode, body.Error.Code, resp.Header.Get("Retry-After")}
		})
	}
	wg.Wait()
	return out
}

// Item 5 of issue 16: six concurrent uploads of crafted images, each far
// beyond the bound by its header, are refused before anything of their
// size is allocated; images within the bound are decoded at most
// qr.max_concurrent at once, the others answered 503.
func TestImageDecodingIsBoundedByMemory(t *testing.T) {
	r := start(t, newEnv(t, "sqlite", ""))
	// Complete, valid PNGs (black pixels), a few hundred KiB each.
	png := func(w, h uint32, depth byte, c testkit.PNGColor, interlaced bool) []byte {
		return testkit.HugePNG(testkit.PNGSpec{Width: w, Height: h, Depth: depth, Color: c, Interlaced: interlaced, Complete: true})
	}
	issue := upload{name: "35 MP of 16-bit RGBA (PNG)", body: png(5916, 5916, 16, testkit.PNGRGBA, false)}
	hostile := map[string][]upload{
		"six copies of the issue's PNG": {issue, issue, issue, issue, issue, issue},
		"six kinds of hostile image": {
			issue,
			{name: "40 MP of 8-bit grey (PNG)", body: png(6324, 6324, 8, testkit.PNGGrey, false)},
			{name: "16 MP of 16-bit RGBA, interlaced (PNG)", body: png(4000, 4000, 16, testkit.PNGRGBA, true)},
			{name: "36 MP progressive YCbCr 4:4:4 (JPEG)", body: testkit.JPEG(testkit.JPEGSpec{Width: 6000, Height: 6000, Components: 3, Progressive: true})},
			{name: "36 MP baseline YCbCr 4:4:4 (JPEG)", body: testkit.JPEG(testkit.JPEGSpec{Width: 12000, Height: 3000, Components: 3})},
			{name: "400 frames of 1000×1000 (GIF)", body: testkit.ManyFrameGIF(400, 1000, 1000), frames: 400},
		},
	}
	for name, ups := range hostile {
		t.Run(name, func(t *testing.T) {
			least := int64(1 << 62)
			size := 0
			for _, u := range ups {
				least = min(least, u.configNeed(t))
				size = max(size, len(u.body))
			}
			var answers []answer
			m := measure(func() { answers = uploadAll(t, r.base, ups) })
			t.Logf("%s (files of at most %d KiB, the least needing %d MiB by its header): %s", name, size>>10, least>>20, m)
			for i, a := range answers {
				want := answer{413, "too_large", ""}
				if ups[i].frames > 0 {
					want = answer{400, "bad_request", ""} // GIF is not read at all
				}
				if a != want {
					t.Errorf("%s: %+v, want %+v", ups[i].name, a, want)
				}
			}
			if m.allocated >= least || m.peakInUse >= least {
				t.Fatalf("the six uploads allocated %d bytes (peak %d in use): at least one image was decoded (the least needs %d)",
					m.allocated, m.peakInUse, least)
			}
			testkit.Report(t, "image decoding bounded by memory", "six concurrent uploads: "+name, 6,
				fmt.Sprintf("every one refused from its header (413, GIF 400); %.1f MiB allocated in all", float64(m.allocated)/(1<<20)))
		})
	}

	t.Run("six images within the bound: at most qr.max_concurrent decoded at once", func(t *testing.T) {
		// 3000×3000 of 16-bit RGBA: 72 MB of canvas, 111 MB with the
		// reader's copies, within the default 160 MiB; the data stops after
		// two rows, so each decode allocates its canvas, then finds the
		// image damaged.
		u := upload{name: "9 MP of 16-bit RGBA", body: testkit.HugePNG(testkit.PNGSpec{Width: 3000, Height: 3000, Depth: 16, Color: testkit.PNGRGBA})}
		ups := []upload{u, u, u, u, u, u}
		need := u.configNeed(t)
		// The bound is on what decodes hold live; how far the heap grows
		// above that before a collection is the GC's pacing (GOGC, capped
		// by GOMEMLIMIT). Pace it tightly here, so that the heap in use
		// shows the live bytes.
		defer debug.SetGCPercent(debug.SetGCPercent(10))
		var answers []answer
		before := r.g.QR.Stats()
		m := measure(func() { answers = uploadAll(t, r.base, ups) })
		st := r.g.QR.Stats()
		decoded, busy := st.Decoded-before.Decoded, st.Busy-before.Busy
		t.Logf("six uploads needing %d MiB each: %d decoded, %d refused busy; %s", need>>20, decoded, busy, m)
		for _, a := range answers {
			switch a {
			case answer{400, "bad_request", ""}, answer{503, "unavailable", "1"}:
			default:
				t.Errorf("%+v", a)
			}
		}
		limit := int64(r.g.Config.QR.MaxConcurrent) * r.g.Config.QR.MaxDecodeBytes
		if decoded+busy != 6 || m.allocated > (decoded+1)*need || m.peakInUse > limit {
			t.Fatalf("%d decoded, %d busy; allocated %d bytes (%d decodes of %d each), at most %d in use (bound %d)",
				decoded, busy, m.allocated, decoded, need, m.peakInUse, limit)
		}
	})
}

// A decode whose request is abandoned stops, and frees its slot; while it
// runs, another upload beyond qr.max_concurrent is answered 503 at once.
func TestAbandonedDecodesStop(t *testing.T) {
	e := newEnv(t, "sqlite", "")
	e.cfg.QR.MaxConcurrent = 1
	r := start(t, e)
	// 4000×4000 of 8-bit grey with no code: about 83 MB to decode, within
	// the bound, and seconds of work for the reader.
	img := testkit.HugePNG(testkit.PNGSpec{Width: 4000, Height: 4000, Depth: 8, Color: testkit.PNGGrey, Complete: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", r.base+"/v1/qr/decode", bytes.NewReader(img))
		req.Header.Set("Authorization", "Bearer "+verifierToken)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("answered %d before it was abandoned", resp.StatusCode)
		}
		first <- err
	}()
	waitFor(t, "the first decode to start", func() bool { return r.g.QR.Stats().Active == 1 })

	st, b := do(t, "POST", r.base+"/v1/qr/decode", verifierToken, string(img), "Content-Type", "image/png")
	if st != 503 || !strings.Contains(string(b), `"unavailable"`) {
		t.Fatalf("a second upload while the first decodes: %d %s", st, b)
	}
	cancel()
	if err := <-first; err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("the first upload: %v", err)
	}
	waitFor(t, "the abandoned decode to stop", func() bool { s := r.g.QR.Stats(); return s.Abandoned == 1 && s.Active == 0 })
	if s := r.g.QR.Stats(); s.Decoded != 0 || s.Busy != 1 {
		t.Fatalf("%+v: the abandoned decode ran to its end", s)
	}
	// The slot is free again.
	code := testkit.JPEG(testkit.JPEGSpec{Width: 80, Height: 80, Components: 1, Dark: func(bx, by int) bool { return bx == by }})
	if st, b := do(t, "POST", r.base+"/v1/qr/decode", verifierToken, string(code), "Content-Type", "image/jpeg"); st != 422 {
		t.Fatalf("after the abandoned decode: %d %s", st, b)
	}
	testkit.Report(t, "abandoned image decodes stop", "a 16 MP upload abandoned mid-decode with qr.max_concurrent 1; a second upload meanwhile",
		2, "the second is 503 unavailable with Retry-After; the first stops (counted abandoned, not decoded) and frees its slot")
}

// waitFor polls cond for up to 60 s (a loaded machine under -race).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}
