package qr

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// Defaults of a Decoder's limits (config keys qr.max_decode_bytes and
// qr.max_concurrent).
const (
	// DefaultMaxDecodeBytes admits a 12-megapixel phone photo, progressive
	// JPEG included (about 140 MB), and refuses a 16-bit RGBA PNG of
	// 4000×4000 (about 195 MB).
	DefaultMaxDecodeBytes = 160 << 20
	// DefaultMaxConcurrent decodes at once: decoding is CPU-bound, so more
	// than the cores would not answer sooner, only hold more memory.
	DefaultMaxConcurrent = 2
)

// ErrBusy means that as many images as allowed are being decoded: the
// caller should retry shortly.
var ErrBusy = errors.New("as many images as allowed are being decoded; retry")

// LimitError means decoding the image would need more memory than allowed.
type LimitError struct {
	Need Need
	Max  int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("decoding the %s would need %s; at most %s is allowed", e.Need, mib(e.Need.Bytes()), mib(e.Max))
}

func mib(n int64) string {
	if n >= 1<<60 {
		return "more than an exabyte"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// Limits bound a Decoder.
type Limits struct {
	// MaxDecodeBytes is the most one decode may need (Need.Bytes); 0:
	// DefaultMaxDecodeBytes.
	MaxDecodeBytes int64
	// MaxConcurrent is how many decodes may run at once; 0:
	// DefaultMaxConcurrent.
	MaxConcurrent int
}

// Stats count a Decoder's calls.
type Stats struct {
	Active    int64 // decoding now
	Decoded   int64 // ran to the end: a code, no code, or a damaged image
	TooLarge  int64 // refused by the memory bound, before any decoding
	Busy      int64 // refused because MaxConcurrent were running
	Abandoned int64 // stopped because their context ended
}

// Decoder decodes images within a memory bound a decode and a number of
// decodes at once, so that decoding never holds more than their product.
// Share one; it is safe for concurrent use.
type Decoder struct {
	maxBytes                                   int64
	slots                                      chan struct{} // nil: no limit
	active, decoded, tooLarge, busy, abandoned atomic.Int64
}

// NewDecoder returns a Decoder with limits l.
func NewDecoder(l Limits) *Decoder {
	if l.MaxDecodeBytes <= 0 {
		l.MaxDecodeBytes = DefaultMaxDecodeBytes
	}
	if l.MaxConcurrent <= 0 {
		l.MaxConcurrent = DefaultMaxConcurrent
	}
	return &Decoder{maxBytes: l.MaxDecodeBytes, slots: make(chan struct{}, l.MaxConcurrent)}
}

// Decode reads the QR code in a PNG or JPEG image. Its header is read first:
// an image whose decoding would need more than the bound is refused with a
// *LimitError, having allocated nothing of its size; past MaxConcurrent
// decodes it returns ErrBusy at once; and it returns ctx's error as soon as
// ctx ends (the request was abandoned). Otherwise as the package's Decode.
func (d *Decoder) Decode(ctx context.Context, b []byte) (string, error) {
	if len(b) == 0 {
		return "", imageErr("the image is empty")
	}
	if len(b) > MaxImageBytes {
		return "", imageErr("the image is larger than %d bytes", MaxImageBytes)
	}
	n, err := Estimate(b)
	if err != nil {
		return "", err
	}
	if n.Bytes() > d.maxBytes {
		d.tooLarge.Add(1)
		return "", &LimitError{Need: n, Max: d.maxBytes}
	}
	if d.slots != nil {
		select {
		case d.slots <- struct{}{}:
			defer func() { <-d.slots }()
		default:
			d.busy.Add(1)
			return "", ErrBusy
		}
	}
	d.active.Add(1)
	defer d.active.Add(-1)
	text, err := decodeBounded(ctx, b, n)
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		d.abandoned.Add(1)
		return "", err
	}
	d.decoded.Add(1)
	return text, err
}

// Stats returns the counts so far.
func (d *Decoder) Stats() Stats {
	return Stats{Active: d.active.Load(), Decoded: d.decoded.Load(), TooLarge: d.tooLarge.Load(),
		Busy: d.busy.Load(), Abandoned: d.abandoned.Load()}
}
