package qr_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"

	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/qr"
	qrcode "github.com/skip2/go-qrcode"
)

// rows is what a PNG decoder holds besides the canvas: its current and
// previous row, filter byte included.
func rows(channels, depth, w int64) int64 { return 2 * ((channels*depth*w+7)/8 + 1) }

// work restates what the reader holds besides the decoded image.
func work(w, h int64) int64 {
	f := max(1, (max(w, h)+1599)/1600)
	scaled := ((w + f - 1) / f) * ((h + f - 1) / f)
	var full int64
	if max(w, h) > 1600 {
		full = w * h
	}
	return scaled + full + 3*max(scaled, full) + 1<<20
}

// The need counts the pixels with what the decoder stores for each: bit
// depth, channels, transparency, interlacing; JPEG's sampling, progressive
// coefficients (four bytes a sample) and colour conversions.
func TestEstimate(t *testing.T) {
	png16 := func(w, h uint32, c testkit.PNGColor) []byte {
		return testkit.HugePNG(testkit.PNGSpec{Width: w, Height: h, Depth: 16, Color: c})
	}
	tests := map[string]struct {
		image  []byte
		layout string
		bytes  int64 // the canvas and the decoder's buffers
	}{
		"the issue's PNG: 35 MP of 16-bit RGBA": {png16(5916, 5916, testkit.PNGRGBA), "16-bit RGBA", 5916*5916*8 + rows(4, 16, 5916)},
		"16-bit grey":                           {png16(3000, 2000, testkit.PNGGrey), "16-bit grey", 3000*2000*2 + rows(1, 16, 3000)},
		"16-bit RGB":                            {png16(3000, 2000, testkit.PNGRGB), "16-bit RGB", 3000*2000*8 + rows(3, 16, 3000)},
		"8-bit grey, one byte a pixel": {testkit.HugePNG(testkit.PNGSpec{Width: 6324, Height: 6324, Depth: 8, Color: testkit.PNGGrey}),
			"8-bit grey", 6324*6324 + rows(1, 8, 6324)},
		"8-bit grey with transparency becomes NRGBA": {testkit.HugePNG(testkit.PNGSpec{Width: 4000, Height: 3000, Depth: 8, Color: testkit.PNGGrey, TRNS: true}),
			"8-bit grey", 4000*3000*4 + rows(1, 8, 4000)},
		"1-bit grey is still a byte a pixel": {testkit.HugePNG(testkit.PNGSpec{Width: 8000, Height: 8000, Depth: 1, Color: testkit.PNGGrey}),
			"1-bit grey", 8000*8000 + rows(1, 1, 8000)},
		"8-bit paletted": {testkit.HugePNG(testkit.PNGSpec{Width: 4000, Height: 3000, Depth: 8, Color: testkit.PNGPaletted}),
			"8-bit paletted", 4000*3000 + rows(1, 8, 4000)},
		"8-bit grey and alpha": {testkit.HugePNG(testkit.PNGSpec{Width: 4000, Height: 3000, Depth: 8, Color: testkit.PNGGreyAlpha}),
			"8-bit grey+alpha", 4000*3000*4 + rows(2, 8, 4000)},
		"interlaced: each pass has its own image, then the merge": {testkit.HugePNG(testkit.PNGSpec{Width: 4000, Height: 4000, Depth: 16, Color: testkit.PNGRGBA, Interlaced: true}),
			"16-bit RGBA interlaced", 2*4000*4000*8 + 7*rows(4, 16, 4000)},
		"baseline JPEG 4:2:0 (a phone photo)": {testkit.JPEG(testkit.JPEGSpec{Width: 4000, Height: 3000, Components: 3, Sampling: 0x22}),
			"YCbCr 4:2:0", 4000*3008 + 2*2000*1504},
		"progressive JPEG 4:4:4: four bytes of coefficients a sample": {testkit.JPEG(testkit.JPEGSpec{Width: 6000, Height: 6000, Components: 3, Progressive: true}),
			"progressive YCbCr 4:4:4", 5 * 3 * 6000 * 6000},
		"progressive JPEG 4:2:0": {testkit.JPEG(testkit.JPEGSpec{Width: 4000, Height: 3000, Components: 3, Sampling: 0x22, Progressive: true}),
			"progressive YCbCr 4:2:0", 5 * (4000*3008 + 2*2000*1504)},
		"grey JPEG, rounded to blocks": {testkit.JPEG(testkit.JPEGSpec{Width: 1001, Height: 999, Components: 1}),
			"grey", 1008 * 1000},
		"CMYK JPEG: four planes, then a CMYK image": {testkit.JPEG(testkit.JPEGSpec{Width: 3000, Height: 3000, Components: 4}),
			"CMYK", 4*3000*3000 + 4*3000*3000},
		"an Adobe RGB JPEG is converted to RGBA": {testkit.JPEG(testkit.JPEGSpec{Width: 3000, Height: 3000, Components: 3, Adobe: true}),
			"RGB", 3*3000*3000 + 4*3000*3000},
		"a JPEG declaring 65535×65535": {testkit.JPEG(testkit.JPEGSpec{Width: 65535, Height: 65535, Components: 3, Progressive: true}),
			"progressive YCbCr 4:4:4", 5 * 3 * 65536 * 65536},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n, err := qr.Estimate(tc.image)
			if err != nil {
				t.Fatal(err)
			}
			cfg, _, err := image.DecodeConfig(bytes.NewReader(tc.image))
			if err != nil || cfg.Width != n.Width || cfg.Height != n.Height {
				t.Fatalf("%+v, DecodeConfig %+v %v", n, cfg, err)
			}
			if n.Layout != tc.layout || n.Image != tc.bytes {
				t.Errorf("%s: image %d bytes, want %s, %d", n.Layout, n.Image, tc.layout, tc.bytes)
			}
			if want := work(int64(n.Width), int64(n.Height)); n.Work != want || n.Bytes() != n.Image+n.Work {
				t.Errorf("work %d, want %d", n.Work, want)
			}
		})
	}
	for name, b := range map[string][]byte{
		"a GIF (refused by its signature: never decoded)": testkit.ManyFrameGIF(50, 200, 200),
		"a PNG whose IHDR is cut":                         []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00"),
		"a JPEG with no frame header":                     {0xff, 0xd8, 0xff, 0xd9},
	} {
		t.Run(name, func(t *testing.T) {
			var ie *qr.ImageError
			if _, err := qr.Estimate(b); !errors.As(err, &ie) {
				t.Fatalf("%v", err)
			}
		})
	}
}

// allocated is how many bytes f allocated.
func allocated(f func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// The standard decoders allocate no more than the need's Image says, for
// every layout: complete images, and crafted ones that end after their
// first rows or blocks (the canvas is allocated all the same).
func TestTheEstimateBoundsWhatTheDecoderAllocates(t *testing.T) {
	encode := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	encodeJPEG := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, nil); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	r := image.Rect(0, 0, 900, 700)
	nrgba, nrgba64 := image.NewNRGBA(r), image.NewNRGBA64(r)
	nrgba.Pix[3], nrgba64.Pix[7] = 1, 1 // not opaque: kept as RGBA
	full := func(s testkit.PNGSpec) []byte { s.Complete = true; return testkit.HugePNG(s) }
	q, _ := qrcode.New("NIC1:a-progressive-code", qrcode.Medium)
	bm := q.Bitmap()
	dark := func(bx, by int) bool { return bm[by][bx] }
	images := map[string][]byte{
		"PNG 8-bit grey":                  encode(image.NewGray(r)),
		"PNG 16-bit grey":                 encode(image.NewGray16(r)),
		"PNG 8-bit RGBA":                  encode(nrgba),
		"PNG 16-bit RGBA":                 encode(nrgba64),
		"PNG paletted":                    encode(image.NewPaletted(r, color.Palette{color.Black, color.White})),
		"PNG 8-bit grey with tRNS":        full(testkit.PNGSpec{Width: 900, Height: 700, Depth: 8, Color: testkit.PNGGrey, TRNS: true}),
		"PNG 16-bit grey with tRNS":       full(testkit.PNGSpec{Width: 900, Height: 700, Depth: 16, Color: testkit.PNGGrey, TRNS: true}),
		"PNG 16-bit RGB":                  full(testkit.PNGSpec{Width: 900, Height: 700, Depth: 16, Color: testkit.PNGRGB}),
		"PNG 2-bit grey":                  full(testkit.PNGSpec{Width: 900, Height: 700, Depth: 2, Color: testkit.PNGGrey}),
		"PNG 16-bit RGBA interlaced":      full(testkit.PNGSpec{Width: 900, Height: 700, Depth: 16, Color: testkit.PNGRGBA, Interlaced: true}),
		"PNG 8-bit grey+alpha, cut short": testkit.HugePNG(testkit.PNGSpec{Width: 900, Height: 700, Depth: 8, Color: testkit.PNGGreyAlpha}),
		"JPEG 4:2:0 (image/jpeg)":         encodeJPEG(nrgba),
		"JPEG grey (image/jpeg)":          encodeJPEG(image.NewGray(r)),
		"JPEG grey, baseline, a QR code":  testkit.JPEG(testkit.JPEGSpec{Width: 8 * len(bm), Height: 8 * len(bm), Components: 1, Dark: dark}),
		"JPEG grey, progressive, a QR":    testkit.JPEG(testkit.JPEGSpec{Width: 8 * len(bm), Height: 8 * len(bm), Components: 1, Dark: dark, Progressive: true}),
		"JPEG progressive 4:4:4, cut":     testkit.JPEG(testkit.JPEGSpec{Width: 900, Height: 700, Components: 3, Progressive: true}),
		"JPEG progressive 4:2:0, cut":     testkit.JPEG(testkit.JPEGSpec{Width: 900, Height: 700, Components: 3, Sampling: 0x22, Progressive: true}),
		"JPEG CMYK 2:2, cut":              testkit.JPEG(testkit.JPEGSpec{Width: 900, Height: 700, Components: 4, Sampling: 0x22}),
		"JPEG Adobe RGB, cut":             testkit.JPEG(testkit.JPEGSpec{Width: 900, Height: 700, Components: 3, Adobe: true}),
	}
	for name, b := range images {
		t.Run(name, func(t *testing.T) {
			n, err := qr.Estimate(b)
			if err != nil {
				t.Fatal(err)
			}
			var derr error
			got := allocated(func() {
				if n.Format == "png" {
					_, derr = png.Decode(bytes.NewReader(b))
				} else {
					_, derr = jpeg.Decode(bytes.NewReader(b))
				}
			})
			canvas := int64(n.Width * n.Height)
			t.Logf("%s: decoder allocated %d bytes (%.2f a pixel), estimated %d (%.2f); decode error: %v",
				n.Layout, got, float64(got)/float64(canvas), n.Image, float64(n.Image)/float64(canvas), derr)
			// 64 KiB: zlib's and bufio's buffers, the decoder struct.
			if got > n.Image+64<<10 {
				t.Fatalf("the decoder allocated %d bytes, more than the %d estimated", got, n.Image)
			}
			if got < canvas/2 {
				t.Fatalf("the decoder allocated only %d bytes for %d pixels: the case tests nothing", got, canvas)
			}
		})
	}
}

func FuzzEstimate(f *testing.F) {
	for _, b := range [][]byte{
		testkit.HugePNG(testkit.PNGSpec{Width: 10, Height: 10, Depth: 16, Color: testkit.PNGRGBA, Interlaced: true}),
		testkit.HugePNG(testkit.PNGSpec{Width: 10, Height: 10, Depth: 8, Color: testkit.PNGGrey, TRNS: true}),
		testkit.JPEG(testkit.JPEGSpec{Width: 10, Height: 10, Components: 3, Sampling: 0x22, Progressive: true}),
		testkit.JPEG(testkit.JPEGSpec{Width: 10, Height: 10, Components: 4, Adobe: true}),
		{0xff, 0xd8, 0xff, 0xff, 0x00, 0xff, 0xc0, 0x00, 0x02},
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := qr.Estimate(b)
		var ie *qr.ImageError
		if err != nil {
			if !errors.As(err, &ie) {
				t.Fatalf("unexpected error kind %v", err)
			}
			return
		}
		cfg, _, cerr := image.DecodeConfig(bytes.NewReader(b))
		if cerr != nil || cfg.Width != n.Width || cfg.Height != n.Height {
			t.Fatalf("estimated %+v for an image whose config is %+v, %v", n, cfg, cerr)
		}
		if n.Image < int64(n.Width)*int64(n.Height) && n.Layout != "huge" || n.Work <= 0 {
			t.Fatalf("%+v: less than a byte a pixel", n)
		}
	})
}
