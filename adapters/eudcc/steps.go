package eudcc

import (
	"bytes"
	"compress/zlib"
	"io"
	"strings"

	"github.com/hcgw/hcgw/adapters/eudcc/base45"
	"github.com/hcgw/hcgw/fault"
)

// MaxInflated bounds what a compressed certificate may expand to: a QR code
// holds under 4 KiB, so anything near this is a decompression bomb.
const MaxInflated = 64 << 10

// Unprefix strips the context identifier "HC1:" and returns the Base45 text.
func Unprefix(code string) (string, error) {
	b45, ok := strings.CutPrefix(code, Prefix)
	if !ok {
		return "", fault.Fail(fault.UnrecognizedFormat, "not a %s code (no %s prefix)", Format, Prefix)
	}
	return b45, nil
}

// DecodeBase45 decodes the Base45 text of a code.
func DecodeBase45(b45 string) ([]byte, error) {
	z, err := base45.Decode(b45)
	if err != nil {
		return nil, fault.Fail(fault.Malformed, "%v", err)
	}
	return z, nil
}

// Inflate decompresses a zlib stream (RFC 1950) of at most MaxInflated
// bytes. A stream that is not zlib, is truncated, fails its checksum, is
// followed by other bytes or expands beyond the bound is malformed.
func Inflate(z []byte) ([]byte, error) {
	br := bytes.NewReader(z)
	zr, err := zlib.NewReader(br)
	if err != nil {
		return nil, fault.Fail(fault.Malformed, "not a zlib stream")
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxInflated+1))
	switch {
	case len(out) > MaxInflated:
		return nil, fault.Fail(fault.Malformed, "decompresses to more than %d bytes", MaxInflated)
	case err != nil:
		return nil, fault.Fail(fault.Malformed, "broken zlib stream")
	case br.Len() > 0:
		// bytes.Reader is an io.ByteReader, so flate read no further than
		// the stream's end: what is left follows the checksum.
		return nil, fault.Fail(fault.Malformed, "%d bytes after the zlib stream", br.Len())
	}
	return out, nil
}
