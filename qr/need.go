package qr

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Need is what decoding one image would take, read from its header alone:
// the decoder's canvas and buffers as the standard library allocates them
// for that layout (bit depth, channels, transparency, interlacing, JPEG
// sampling, progressive coefficients, colour conversion), and the reader's
// working copies (DecodeImage's grey images and ZXing's luminance and bit
// matrices). It is an upper bound of what one decode holds at once.
type Need struct {
	Format        string // "png" or "jpeg"
	Width, Height int
	Layout        string // e.g. "16-bit RGBA", "progressive YCbCr 4:2:0"
	Image         int64  // the decoded image and the decoder's own buffers
	Work          int64  // the reader's working copies
}

// Bytes is the whole need.
func (n Need) Bytes() int64 { return n.Image + n.Work }

func (n Need) String() string {
	return fmt.Sprintf("%d×%d-pixel %s %s", n.Width, n.Height, n.Layout, formatName(n.Format))
}

func formatName(f string) string {
	if f == "png" {
		return "PNG"
	}
	return "JPEG"
}

// maxDimension caps either side before any product is formed, so that the
// arithmetic below cannot overflow (PNG allows 2³¹−1; JPEG stops at 65535).
const maxDimension = 1 << 20

// fixedWork is what a decode holds whatever the image's size: zlib's window,
// Huffman and quantisation tables, ZXing's detector state.
const fixedWork = 1 << 20

// Estimate reads the header of a PNG or JPEG image and tells what decoding
// it would need. It returns an *ImageError when b is not such an image.
func Estimate(b []byte) (Need, error) {
	cfg, format, err := decodeConfig(b)
	if err != nil {
		return Need{}, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Need{}, imageErr("the %s image has no pixels", formatName(format))
	}
	n := Need{Format: format, Width: cfg.Width, Height: cfg.Height}
	if n.Width > maxDimension || n.Height > maxDimension {
		// Far past any bound: say so without computing the product.
		n.Layout, n.Image = "huge", 1<<62
		return n, nil
	}
	if format == "png" {
		err = pngNeed(b, &n)
	} else {
		err = jpegNeed(b, &n)
	}
	if err != nil {
		return Need{}, err
	}
	n.Work = workNeed(n.Width, n.Height)
	return n, nil
}

// workNeed is what DecodeImage holds besides the decoded image: the grey
// image at working size, the grey image at full size when that is larger,
// and, for the larger of them, ZXing's luminance copy, its inverted copy and
// the binarizers' matrices (together under three bytes a pixel).
func workNeed(w, h int) int64 {
	side := max(w, h)
	f := max(1, (side+workSide-1)/workSide)
	scaled := int64((w+f-1)/f) * int64((h+f-1)/f)
	var full int64
	if side > workSide {
		full = int64(w) * int64(h)
	}
	return scaled + full + 3*max(scaled, full) + fixedWork
}

// pngNeed walks the chunks up to the first IDAT (png.DecodeConfig has
// checked the signature and IHDR): the image type the decoder will
// allocate depends on the colour type, the bit depth and whether a tRNS
// chunk comes first; an interlaced image is decoded pass by pass into
// images of its own, then merged.
func pngNeed(b []byte, n *Need) error {
	var depth, ctype, interlace byte
	seenIHDR, trns := false, false
	for off := 8; off+8 <= len(b); {
		length := int64(binary.BigEndian.Uint32(b[off:]))
		typ := string(b[off+4 : off+8])
		data := b[off+8:]
		if length <= int64(len(data)) {
			data = data[:length]
		}
		switch typ {
		case "IHDR":
			if len(data) < 13 {
				return imageErr("the PNG image is damaged and cannot be read")
			}
			depth, ctype, interlace, seenIHDR = data[8], data[9], data[12], true
		case "tRNS":
			trns = true
		}
		if typ == "IDAT" || length > int64(len(b)) {
			break
		}
		off += 12 + int(length)
	}
	if !seenIHDR {
		return imageErr("the PNG image is damaged and cannot be read")
	}
	var channels, bpp int64
	switch ctype {
	case 0: // grey: Gray or Gray16, NRGBA or NRGBA64 with a tRNS chunk
		channels, bpp = 1, 1
		if trns {
			bpp = 4
		}
		n.Layout = "grey"
	case 2: // RGB: RGBA or NRGBA (tRNS)
		channels, bpp, n.Layout = 3, 4, "RGB"
	case 3: // paletted: Paletted, whatever the depth
		channels, bpp, n.Layout = 1, 1, "paletted"
	case 4: // grey and alpha: NRGBA
		channels, bpp, n.Layout = 2, 4, "grey+alpha"
	case 6: // RGBA: NRGBA
		channels, bpp, n.Layout = 4, 4, "RGBA"
	default:
		return imageErr("the PNG image is damaged and cannot be read")
	}
	if depth == 16 {
		bpp *= 2
	}
	n.Layout = fmt.Sprintf("%d-bit %s", depth, n.Layout)
	pixels := int64(n.Width) * int64(n.Height)
	n.Image = pixels * bpp
	if interlace == 1 {
		n.Image *= 2
		n.Layout += " interlaced"
	}
	// The decoder's current and previous rows, filter byte included: once,
	// or once for each of the seven passes.
	rows := 2 * ((channels*int64(depth)*int64(n.Width)+7)/8 + 1)
	if interlace == 1 {
		rows *= 7
	}
	n.Image += rows
	return nil
}

// jpegNeed walks the markers to the SOF (jpeg.DecodeConfig has read it) for
// the components' sampling factors and whether the image is progressive.
// The decoder allocates, at the first SOS, one plane a component at the
// MCU-rounded size, and for a progressive image a 64-coefficient int32
// block for every 8×8 block of every component; at the end a CMYK image or
// an RGB one (Adobe transform 0, or components named R, G, B) is converted
// into a new 4-byte-a-pixel image.
func jpegNeed(b []byte, n *Need) error {
	damaged := imageErr("the JPEG image is damaged and cannot be read")
	var sof []byte
	progressive := false
	for off := 2; off < len(b) && sof == nil; {
		if b[off] != 0xff {
			off++ // the decoder skips junk between markers too
			continue
		}
		for off < len(b) && b[off] == 0xff {
			off++
		}
		if off >= len(b) {
			break
		}
		m := b[off]
		off++
		switch {
		case m == 0x00 || m >= 0xd0 && m <= 0xd7:
			continue // no length (as the decoder reads them)
		case m == 0xd9 || m == 0xda:
			return damaged // EOI or SOS before the frame header
		}
		if off+2 > len(b) {
			return damaged
		}
		length := int(binary.BigEndian.Uint16(b[off:]))
		if length < 2 || off+length > len(b) {
			return damaged
		}
		if m == 0xc0 || m == 0xc1 || m == 0xc2 {
			sof, progressive = b[off+2:off+length], m == 0xc2
		}
		off += length
	}
	if len(sof) < 6 {
		return damaged
	}
	nComp := int(sof[5])
	if nComp != 1 && nComp != 3 && nComp != 4 || len(sof) < 6+3*nComp {
		return damaged
	}
	type comp struct{ id, h, v int }
	comps := make([]comp, nComp)
	for i := range comps {
		c := sof[6+3*i:]
		comps[i] = comp{int(c[0]), int(c[1] >> 4), int(c[1] & 0x0f)}
		if nComp == 1 {
			comps[i].h, comps[i].v = 1, 1 // non-interleaved by definition (A.2)
		}
		if comps[i].h < 1 || comps[i].h > 4 || comps[i].v < 1 || comps[i].v > 4 {
			return damaged
		}
	}
	h0, v0 := int64(comps[0].h), int64(comps[0].v)
	mxx := (int64(n.Width) + 8*h0 - 1) / (8 * h0)
	myy := (int64(n.Height) + 8*v0 - 1) / (8 * v0)
	var samples int64
	for i, c := range comps {
		s := 64 * mxx * myy * int64(c.h) * int64(c.v)
		if i == 1 || i == 2 {
			// Both chroma planes are allocated at the first one's size.
			s = 64 * mxx * myy * int64(max(comps[1].h, comps[2].h)) * int64(max(comps[1].v, comps[2].v))
		}
		samples += s
	}
	n.Image = samples
	if progressive {
		n.Image += 4 * samples
	}
	pixels := int64(n.Width) * int64(n.Height)
	switch {
	case nComp == 1:
		n.Layout = "grey"
	case nComp == 4:
		n.Layout = "CMYK"
		n.Image += 4 * pixels
	case comps[0].id == 'R' && comps[1].id == 'G' && comps[2].id == 'B' || bytes.Contains(b, []byte("Adobe")):
		// An Adobe marker may come anywhere before the end; any
		// mention of one counts, which can only overstate the need.
		n.Layout = "RGB"
		n.Image += 4 * pixels
	default:
		n.Layout = "YCbCr " + subsampling(comps[0].h/comps[1].h, comps[0].v/comps[1].v)
	}
	if progressive {
		n.Layout = "progressive " + n.Layout
	}
	return nil
}

func subsampling(h, v int) string {
	switch h<<4 | v {
	case 0x11:
		return "4:4:4"
	case 0x12:
		return "4:4:0"
	case 0x21:
		return "4:2:2"
	case 0x22:
		return "4:2:0"
	case 0x41:
		return "4:1:1"
	case 0x42:
		return "4:1:0"
	}
	return fmt.Sprintf("%d×%d", h, v)
}
