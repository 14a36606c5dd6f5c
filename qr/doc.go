// Package qr reads a QR code out of a photo or an uploaded image, and renders
// a code as a PNG QR image. Decoding is gozxing's (a port of ZXing), encoding
// go-qrcode's: this package only bounds what they are given, so that a
// hostile image cannot exhaust the gateway, and turns their errors into two
// kinds a caller can answer differently (not an image; no QR code in it).
//
// It imports nothing of hcgw but fault, and knows nothing of what a code
// means.
package qr
