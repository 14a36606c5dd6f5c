package qr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/hcgw/hcgw/fault"
)

// Limits of what Decode accepts and Encode produces.
const (
	// MaxImageBytes is the largest image accepted (DESIGN §6's batch limit).
	MaxImageBytes = 4 << 20
	// workSide is the longest side the reader works on: a phone photo of
	// 4000×3000 is scaled down first, which keeps a decode well under a
	// second and loses nothing for a code that fills a fair part of it.
	workSide = 1600
	// MaxContent is what a QR code holds at most (version 40, level L, bytes).
	MaxContent = 2953
	// DefaultSize and MaxSize are Encode's image sizes in pixels.
	DefaultSize = 512
	MaxSize     = 2048
)

// ErrNoCode means the image was read but holds no readable QR code.
var ErrNoCode = errors.New("no QR code could be read in the image")

// ImageError means the bytes are not an acceptable PNG or JPEG image.
type ImageError struct{ Msg string }

func (e *ImageError) Error() string { return e.Msg }

func imageErr(format string, args ...any) error {
	return &ImageError{Msg: fmt.Sprintf(format, args...)}
}

// Decode reads the QR code in a PNG or JPEG image and returns its text,
// within DefaultMaxDecodeBytes and without a limit on concurrent calls (the
// command line; the gateway uses a Decoder). It returns an *ImageError when
// b is not such an image, a *LimitError when decoding it would need too
// much memory, and ErrNoCode when the image holds no readable QR code.
func Decode(b []byte) (string, error) {
	return unlimited.Decode(context.Background(), b)
}

var unlimited = &Decoder{maxBytes: DefaultMaxDecodeBytes}

// decodeBounded decodes b, whose need n is within the bound, stopping when
// ctx ends: the decoders read through a reader that fails from then on, and
// the reader checks ctx between its steps.
func decodeBounded(ctx context.Context, b []byte, n Need) (string, error) {
	r := ctxReader{ctx: ctx, r: bytes.NewReader(b)}
	var (
		img image.Image
		err error
	)
	if n.Format == "png" {
		img, err = png.Decode(r)
	} else {
		img, err = jpeg.Decode(r)
	}
	if cerr := ctx.Err(); cerr != nil {
		return "", cerr
	}
	if err != nil {
		return "", imageErr("the %s image is damaged and cannot be read", formatName(n.Format))
	}
	return decodeImage(ctx, img)
}

// ctxReader fails every read once ctx has ended, which stops png.Decode and
// jpeg.Decode at their next read (every 4 KiB of compressed input at most:
// both read through buffers of that size).
type ctxReader struct {
	ctx context.Context
	r   *bytes.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// decodeConfig sniffs the format from the bytes, not from what the client
// claims, and reads only the header.
func decodeConfig(b []byte) (image.Config, string, error) {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		c, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return c, "", imageErr("the PNG image is damaged and cannot be read")
		}
		return c, "png", nil
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		c, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return c, "", imageErr("the JPEG image is damaged and cannot be read")
		}
		return c, "jpeg", nil
	}
	return image.Config{}, "", imageErr("not a PNG or JPEG image")
}

// DecodeImage reads the QR code in img. It tries the image scaled down to a
// working size, then (for an image that was scaled) at full size, each with
// ZXing's local and global thresholds and inverted (light on dark).
func DecodeImage(img image.Image) (text string, err error) {
	return decodeImage(context.Background(), img)
}

// decodeImage is DecodeImage, stopping with ctx's error between its steps.
func decodeImage(ctx context.Context, img image.Image) (text string, err error) {
	defer func() {
		// The reader is a port of a large Java library; a panic on some
		// odd image must not become a 500.
		if recover() != nil {
			text, err = "", ErrNoCode
		}
	}()
	small, err := scaledGray(ctx, img, workSide)
	if err != nil {
		return "", err
	}
	grays := []*image.Gray{small}
	full := small
	if b := img.Bounds(); max(b.Dx(), b.Dy()) > workSide {
		if full, err = scaledGray(ctx, img, max(b.Dx(), b.Dy())); err != nil {
			return "", err
		}
		grays = append(grays, full)
	}
	// A rendered code (a screenshot, hcgw issue --qr, /v1/qr/encode) is a
	// "pure" barcode: read it exactly at full resolution first; scaling an
	// image whose size is not a multiple of its modules can blur a module
	// edge enough to lose the code (1 in 20 renders did).
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(full))); err == nil {
		res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{
			gozxing.DecodeHintType_PURE_BARCODE: true, gozxing.DecodeHintType_CHARACTER_SET: "UTF-8"})
		if err == nil && res.GetText() != "" && utf8.ValidString(res.GetText()) {
			return res.GetText(), nil
		}
	}
	hints := map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_TRY_HARDER: true,
		// go-qrcode and most phone apps write bytes without an ECI
		// header; every code this gateway reads is UTF-8.
		gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
	}
	reader := zxqr.NewQRCodeReader()
	for _, g := range grays {
		src := gozxing.NewLuminanceSourceFromImage(g)
		for _, s := range []gozxing.LuminanceSource{src, src.Invert()} {
			for _, bin := range []gozxing.Binarizer{gozxing.NewHybridBinarizer(s), gozxing.NewGlobalHistgramBinarizer(s)} {
				if err := ctx.Err(); err != nil {
					return "", err
				}
				bmp, err := gozxing.NewBinaryBitmap(bin)
				if err != nil {
					continue
				}
				res, err := reader.Decode(bmp, hints)
				if err != nil {
					continue
				}
				t := res.GetText()
				if t == "" || !utf8.ValidString(t) {
					continue
				}
				return t, nil
			}
		}
	}
	return "", ErrNoCode
}

// scaledGray converts img to grey levels over a white background (a
// transparent PNG is light, not black), averaging boxes of pixels so that
// the longer side is at most side.
func scaledGray(ctx context.Context, img image.Image, side int) (*image.Gray, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	f := max(1, (max(w, h)+side-1)/side)
	lum := luminance(img)
	out := image.NewGray(image.Rect(0, 0, (w+f-1)/f, (h+f-1)/f))
	for oy := 0; oy < out.Rect.Dy(); oy++ {
		if oy%64 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for ox := 0; ox < out.Rect.Dx(); ox++ {
			var sum, n uint32
			for y := b.Min.Y + oy*f; y < b.Min.Y+min(oy*f+f, h); y++ {
				for x := b.Min.X + ox*f; x < b.Min.X+min(ox*f+f, w); x++ {
					sum += uint32(lum(x, y))
					n++
				}
			}
			out.Pix[oy*out.Stride+ox] = uint8(sum / n)
		}
	}
	return out, nil
}

// luminance reads the grey level of a pixel: straight from the luma plane
// of a JPEG, else from the colour composed over white.
func luminance(img image.Image) func(x, y int) uint8 {
	switch m := img.(type) {
	case *image.YCbCr:
		return func(x, y int) uint8 { return m.Y[m.YOffset(x, y)] }
	case *image.Gray:
		return func(x, y int) uint8 { return m.Pix[m.PixOffset(x, y)] }
	}
	return func(x, y int) uint8 {
		r, g, bl, a := img.At(x, y).RGBA()
		bg := 0xffff - a
		r, g, bl = r+bg, g+bg, bl+bg
		return uint8((19595*r + 38470*g + 7471*bl + 1<<15) >> 24)
	}
}

// Encode renders content as a PNG QR code of about size pixels (at most
// MaxSize, and never smaller than two pixels a module), with the standard
// quiet zone. Level M (15 % recovery) is used when the content fits, else L.
func Encode(content string, size int) ([]byte, error) {
	if content == "" {
		return nil, fault.New(fault.BadRequest, "nothing to encode")
	}
	if len(content) > MaxContent {
		return nil, fault.Fail(fault.BadRequest, "%d bytes do not fit in a QR code (at most %d)", len(content), MaxContent)
	}
	if size <= 0 {
		size = DefaultSize
	}
	size = min(size, MaxSize)
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		if q, err = qrcode.New(content, qrcode.Low); err != nil {
			return nil, fault.Wrap(fault.BadRequest, err, fmt.Sprintf("%d bytes do not fit in a QR code", len(content)))
		}
	}
	// Whole pixels per module keep every module the same width: easier on
	// cameras than go-qrcode's nearest-module scaling to an exact size.
	modules := len(q.Bitmap())
	scale := max(2, size/modules)
	return q.PNG(-scale)
}
