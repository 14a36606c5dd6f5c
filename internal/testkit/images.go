package testkit

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
)

// Images crafted to exhaust a decoder: small files whose headers declare
// huge canvases. The decoders of the standard library allocate the whole
// canvas (and a progressive JPEG's coefficients) when the first image data
// arrives, so a file needs only a header and a few rows of data to cost the
// full amount; these carry exactly that, then end.

// PNGColor is a PNG colour type (IHDR).
type PNGColor byte

// The colour types of PNG.
const (
	PNGGrey      PNGColor = 0
	PNGRGB       PNGColor = 2
	PNGPaletted  PNGColor = 3
	PNGGreyAlpha PNGColor = 4
	PNGRGBA      PNGColor = 6
)

// PNGSpec describes a crafted PNG.
type PNGSpec struct {
	Width, Height uint32
	Depth         byte // 1, 2, 4, 8 or 16
	Color         PNGColor
	Interlaced    bool
	TRNS          bool // a tRNS chunk (transparency) before the data
	// Rows of (zero) data behind the header, 0: 2; the decoder allocates
	// the declared canvas, then finds the data short.
	Rows int
	// Complete gives the image all its rows (every pass when interlaced):
	// a valid PNG of black or transparent pixels, about a thousandth of
	// its decoded size.
	Complete bool
}

// HugePNG returns a PNG with the header of s and zero pixels in one IDAT
// chunk, then IEND.
func HugePNG(s PNGSpec) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], s.Width)
	binary.BigEndian.PutUint32(ihdr[4:], s.Height)
	ihdr[8], ihdr[9] = s.Depth, byte(s.Color)
	if s.Interlaced {
		ihdr[12] = 1
	}
	pngChunk(&b, "IHDR", ihdr)
	if s.Color == PNGPaletted {
		pngChunk(&b, "PLTE", []byte{0, 0, 0, 255, 255, 255})
	}
	if s.TRNS {
		switch s.Color {
		case PNGPaletted:
			pngChunk(&b, "tRNS", []byte{0})
		case PNGGrey:
			pngChunk(&b, "tRNS", []byte{0, 0})
		case PNGRGB:
			pngChunk(&b, "tRNS", make([]byte, 6))
		}
	}
	bits := int64(map[PNGColor]int{PNGGrey: 1, PNGRGB: 3, PNGPaletted: 1, PNGGreyAlpha: 2, PNGRGBA: 4}[s.Color]) * int64(s.Depth)
	rowBytes := func(w int64) int64 { return 1 + (bits*w+7)/8 }
	var total int64
	switch {
	case s.Complete && s.Interlaced:
		// Adam7: the passes' origins and steps.
		for _, p := range [7][4]int64{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
			pw := (int64(s.Width) - p[0] + p[2] - 1) / p[2]
			ph := (int64(s.Height) - p[1] + p[3] - 1) / p[3]
			if pw > 0 && ph > 0 {
				total += ph * rowBytes(pw)
			}
		}
	case s.Complete:
		total = int64(s.Height) * rowBytes(int64(s.Width))
	case s.Rows > 0:
		total = int64(s.Rows) * rowBytes(int64(s.Width))
	default:
		total = 2 * rowBytes(int64(s.Width))
	}
	pngChunk(&b, "IDAT", zeroZlib(total))
	pngChunk(&b, "IEND", nil)
	return b.Bytes()
}

// zeroZlib is the zlib stream of n zero bytes, built without compressing
// them all: a deflate piece of 64 KiB of zeros refers only to itself, so
// copies of it decompress to 64 KiB each, one after another; then the
// remainder, a final empty block, and the Adler-32 of n zeros
// ((n mod 65521) << 16 | 1).
func zeroZlib(n int64) []byte {
	piece := func(size int64) []byte {
		var z bytes.Buffer
		fw, _ := flate.NewWriter(&z, flate.BestCompression)
		_, _ = fw.Write(make([]byte, size))
		_ = fw.Flush() // ends on a byte boundary, not final
		return z.Bytes()
	}
	const unit = 64 << 10
	out := []byte{0x78, 0xda}
	if n >= unit {
		p := piece(unit)
		out = append(out, bytes.Repeat(p, int(n/unit))...)
	}
	if n%unit > 0 {
		out = append(out, piece(n%unit)...)
	}
	out = append(out, 0x01, 0x00, 0x00, 0xff, 0xff) // a final, empty stored block
	return binary.BigEndian.AppendUint32(out, uint32(n%65521)<<16|1)
}

func pngChunk(b *bytes.Buffer, typ string, data []byte) {
	_ = binary.Write(b, binary.BigEndian, uint32(len(data)))
	c := append([]byte(typ), data...)
	b.Write(c)
	_ = binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(c))
}

// JPEGSpec describes a crafted JPEG.
type JPEGSpec struct {
	Width, Height int
	// Components is 1 (grey), 3 (YCbCr) or 4 (CMYK); the first (and, with
	// 4, the last) is sampled Sampling (0x11 or 0x22), the others 0x11.
	Components  int
	Sampling    byte
	Progressive bool
	// Dark, when set, gives every 8×8 block of a grey image (Components 1)
	// its colour, and the image is complete: a real, decodable JPEG whose
	// blocks are flat black or white (a QR code of 8-pixel modules). When
	// nil, only a few blocks of data follow the header.
	Dark func(bx, by int) bool
	// Adobe adds an APP14 "Adobe" marker with transform 0 (RGB, no YCbCr).
	Adobe bool
}

// JPEG writes a baseline or progressive JPEG whose blocks carry only their
// DC coefficient (quantisation 1; flat white is +1024, flat black −1024):
// the smallest encoder that gives a real progressive file, which
// image/jpeg cannot write.
func JPEG(s JPEGSpec) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xff, 0xd8})
	if s.Adobe {
		seg := append([]byte("Adobe"), 0, 100, 0, 0, 0, 0, 0) // version, flags0, flags1, transform 0
		jpegSegment(&b, 0xee, seg)
	}
	dqt := make([]byte, 65)
	for i := 1; i < 65; i++ {
		dqt[i] = 1
	}
	jpegSegment(&b, 0xdb, dqt)
	sof := []byte{8, byte(s.Height >> 8), byte(s.Height), byte(s.Width >> 8), byte(s.Width), byte(s.Components)}
	for i := range s.Components {
		hv := byte(0x11)
		if i == 0 || i == 3 {
			hv = s.Sampling
		}
		if hv == 0 {
			hv = 0x11
		}
		sof = append(sof, byte(i+1), hv, 0)
	}
	marker := byte(0xc0)
	if s.Progressive {
		marker = 0xc2
	}
	jpegSegment(&b, marker, sof)
	// DC: categories 0, 11 and 12 in two bits each; AC: end of block in one.
	dht := []byte{0x00, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11, 12}
	dht = append(dht, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00)
	jpegSegment(&b, 0xc4, dht)
	ns := 1
	if s.Dark == nil {
		ns = s.Components // the first scan names every component
	}
	sos := []byte{byte(ns)}
	for i := range ns {
		sos = append(sos, byte(i+1), 0x00)
	}
	if s.Progressive {
		sos = append(sos, 0, 0, 0) // DC first scan
	} else {
		sos = append(sos, 0, 63, 0)
	}
	jpegSegment(&b, 0xda, sos)
	var w bitWriter
	pred := 0
	put := func(dc int) {
		diff := dc - pred
		pred = dc
		switch {
		case diff == 0:
			w.bits(0b00, 2)
		case diff == 1024 || diff == -1024:
			w.bits(0b01, 2)
			w.bits(magnitude(diff, 11), 11)
		default:
			w.bits(0b10, 2)
			w.bits(magnitude(diff, 12), 12)
		}
		if !s.Progressive {
			w.bits(0, 1) // end of block
		}
	}
	if s.Dark != nil {
		for by := range (s.Height + 7) / 8 {
			for bx := range (s.Width + 7) / 8 {
				if s.Dark(bx, by) {
					put(-1024)
				} else {
					put(1024)
				}
			}
		}
	} else {
		for range 16 {
			put(1024)
		}
	}
	b.Write(w.flush())
	b.Write([]byte{0xff, 0xd9})
	return b.Bytes()
}

func magnitude(v, n int) uint32 {
	if v < 0 {
		v += 1<<n - 1
	}
	return uint32(v) & (1<<n - 1)
}

func jpegSegment(b *bytes.Buffer, marker byte, data []byte) {
	b.Write([]byte{0xff, marker, byte((len(data) + 2) >> 8), byte(len(data) + 2)})
	b.Write(data)
}

// bitWriter packs entropy-coded bits, stuffing a zero byte after 0xff.
type bitWriter struct {
	out  []byte
	acc  uint32
	nacc uint
}

func (w *bitWriter) bits(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | (v>>uint(i))&1
		w.nacc++
		if w.nacc == 8 {
			w.emit(byte(w.acc))
		}
	}
}

func (w *bitWriter) emit(c byte) {
	w.out = append(w.out, c)
	if c == 0xff {
		w.out = append(w.out, 0)
	}
	w.acc, w.nacc = 0, 0
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		n := w.nacc
		w.emit(byte(w.acc<<(8-n) | (1<<(8-n) - 1)))
	}
	return w.out
}

// ManyFrameGIF is an animated GIF of frames frames of w×h pixels each:
// image/gif's DecodeAll would hold every frame at once.
func ManyFrameGIF(frames, w, h int) []byte {
	pal := color.Palette{color.Black, color.White}
	img := image.NewPaletted(image.Rect(0, 0, w, h), pal) // one frame, shown frames times
	g := &gif.GIF{}
	for range frames {
		g.Image = append(g.Image, img)
		g.Delay = append(g.Delay, 1)
	}
	var b bytes.Buffer
	_ = gif.EncodeAll(&b, g)
	return b.Bytes()
}
