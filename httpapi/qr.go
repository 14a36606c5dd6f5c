package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/qr"
)

// multipartSlack is what a multipart body may carry besides the image:
// boundaries, part headers, a few small fields.
const multipartSlack = 64 << 10

// qrDecode reads the QR code in a photo or an image a checkpoint uploads:
// the raw image as the body (image/png, image/jpeg, application/octet-stream)
// or a multipart form with the image in the part "image" (or the first file
// part). It answers {"code"}: the checkpoint then verifies the code as usual.
func (a *api) qrDecode(c *gin.Context) {
	img, ok := readImage(c)
	if !ok {
		return
	}
	code, err := a.QR.Decode(c.Request.Context(), img)
	var (
		ie *qr.ImageError
		le *qr.LimitError
	)
	switch {
	case errors.As(err, &ie):
		renderError(c, fault.BadRequest, ie.Msg+": send a PNG or JPEG photo of the QR code")
		return
	case errors.As(err, &le):
		renderError(c, fault.TooLarge, "the image is too large to decode: "+le.Error()+"; send a smaller photo of the QR code")
		return
	case errors.Is(err, qr.ErrBusy):
		renderError(c, fault.Unavailable, "the gateway is reading as many images as it may at once; retry")
		return
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		renderError(c, fault.Unavailable, "the request ended before the image was read")
		return
	case err != nil:
		renderError(c, fault.NoQRCode, "no QR code could be read in the image: hold the code flat, in focus, and filling a good part of the picture")
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": code})
}

// readImage takes the image out of the request, rendering the error itself.
func readImage(c *gin.Context) ([]byte, bool) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil && c.GetHeader("Content-Type") != "" {
		renderError(c, fault.BadRequest, "the Content-Type header cannot be parsed")
		return nil, false
	}
	switch mt {
	case "", "image/png", "image/jpeg", "application/octet-stream":
		return readLimited(c, http.MaxBytesReader(c.Writer, c.Request.Body, qr.MaxImageBytes), "the image")
	case "multipart/form-data":
	default:
		renderError(c, fault.BadRequest, "send the image as the body (image/png or image/jpeg) or as the multipart/form-data part \"image\"")
		return nil, false
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, qr.MaxImageBytes+multipartSlack)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		renderError(c, fault.BadRequest, "the multipart body cannot be read")
		return nil, false
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			renderError(c, fault.BadRequest, "the multipart body has no part \"image\"")
			return nil, false
		}
		if err != nil {
			return nil, tooLargeOr(c, err, "the multipart body cannot be read")
		}
		if p.FormName() == "image" || p.FileName() != "" {
			return readLimited(c, p, "the image")
		}
	}
}

// readLimited reads at most qr.MaxImageBytes from r.
func readLimited(c *gin.Context, r io.Reader, what string) ([]byte, bool) {
	b, err := io.ReadAll(io.LimitReader(r, qr.MaxImageBytes+1))
	if err != nil {
		return nil, tooLargeOr(c, err, what+" could not be read")
	}
	if len(b) > qr.MaxImageBytes {
		renderError(c, fault.TooLarge, fmt.Sprintf("%s is larger than %d bytes", what, qr.MaxImageBytes))
		return nil, false
	}
	if len(b) == 0 {
		renderError(c, fault.BadRequest, what+" is empty: send a PNG or JPEG photo of the QR code")
		return nil, false
	}
	return b, true
}

func tooLargeOr(c *gin.Context, err error, msg string) bool {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		renderError(c, fault.TooLarge, fmt.Sprintf("body larger than %d bytes", mbe.Limit))
	} else {
		renderError(c, fault.BadRequest, msg)
	}
	return false
}

type qrEncodeRequest struct {
	Code *string `json:"code"`
	Size int     `json:"size"`
}

// qrEncode renders a code as a PNG QR image: GET ?code=…&size=… or POST
// {"code","size"?}. The code is not verified; it is only drawn.
func (a *api) qrEncode(c *gin.Context) {
	var req qrEncodeRequest
	if c.Request.Method == http.MethodGet {
		if code, ok := c.GetQuery("code"); ok {
			req.Code = &code
		}
		if s := c.Query("size"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				renderError(c, fault.BadRequest, `parameter "size" must be a number of pixels`)
				return
			}
			req.Size = n
		}
	} else if !readJSON(c, a.Limits.MaxBody, false, &req) {
		return
	}
	switch {
	case req.Code == nil || *req.Code == "":
		renderError(c, fault.BadRequest, `field "code" is required`)
		return
	case len(*req.Code) > qr.MaxContent:
		renderError(c, fault.BadRequest, fmt.Sprintf(`field "code" is %d bytes; a QR code holds at most %d`, len(*req.Code), qr.MaxContent))
		return
	case req.Size < 0 || req.Size > qr.MaxSize:
		renderError(c, fault.BadRequest, fmt.Sprintf(`field "size" must be between 1 and %d pixels`, qr.MaxSize))
		return
	}
	png, err := qr.Encode(*req.Code, req.Size)
	if err != nil {
		a.fail(c, fault.Wrap(fault.KindOf(err), err, "the code cannot be drawn as a QR code: "+fault.MessageOf(err)))
		return
	}
	// A traveller's code, even masked, is not for shared caches.
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "image/png", png)
}
