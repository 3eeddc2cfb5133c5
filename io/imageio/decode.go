package imageio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // GIF decoder
	_ "image/png" // PNG decoder
	"io"
	"strings"

	"github.com/ember-df/ember/io/imageio/internal/jpeg"
	_ "golang.org/x/image/webp" // WebP decoder
)

// ErrNotImage is wrapped by the errors for data that is no image ember
// decodes (JPEG, PNG, GIF, WebP).
var ErrNotImage = errors.New("not a JPEG, PNG, GIF or WebP image")

// ErrTooLarge is wrapped by the error for an image whose header declares
// more pixels than the decoder's limit (see DefaultMaxPixels and
// TensorExpr.MaxPixels): it is refused before any pixel is decoded.
var ErrTooLarge = errors.New("image too large")

// DefaultMaxPixels is the default limit on the pixels (width × height) an
// image's header may declare: Pillow's decompression-bomb error threshold
// (twice its warning threshold of 89,478,485 pixels), about 13,400 ×
// 13,400. A header is a few bytes, so without a limit a 471-byte PNG that
// declares 100,000 × 100,000 pixels makes the decoder allocate 40 GB. At
// the limit, decoding needs up to 8 bytes a pixel (16-bit RGBA), 1.4 GB.
const DefaultMaxPixels = 178_956_970

// decodeOptions say how bytes become a raster.
type decodeOptions struct {
	// background is what transparent pixels show.
	background color.NRGBA
	// ignoreOrientation keeps the stored pixel order, ignoring EXIF.
	ignoreOrientation bool
	// maxPixels bounds width × height as the header declares them;
	// 0 means DefaultMaxPixels.
	maxPixels int64
}

// decode decodes an encoded image into an upright raster, returning its
// format name ("jpeg", "png", "gif", "webp"). The header is read first:
// an image declaring more than the limit's pixels is an error wrapping
// ErrTooLarge, and nothing more of it is decoded.
func decode(data []byte, opts decodeOptions) (*raster, string, error) {
	cfg, format, err := decodeConfig(bytes.NewReader(data))
	if err == nil {
		err = checkPixels(format, cfg.Width, cfg.Height, opts.maxPixels)
	}
	var img image.Image
	if err == nil {
		if format == "jpeg" {
			img, err = jpeg.Decode(bytes.NewReader(data))
		} else {
			img, format, err = image.Decode(bytes.NewReader(data))
		}
	}
	if errors.Is(err, image.ErrFormat) {
		return nil, "", ErrNotImage
	}
	if err != nil {
		return nil, format, decodeError(format, err)
	}
	if b := img.Bounds(); b.Empty() {
		return nil, format, fmt.Errorf("%s: empty image", format)
	}
	r := rasterOf(img, opts.background)
	if !opts.ignoreOrientation {
		r = r.oriented(exifOrientation(data))
	}
	return r, format, nil
}

// jpegMagic starts every JPEG: the start-of-image marker.
var jpegMagic = []byte{0xff, 0xd8}

// decodeConfig reads an image's header: its dimensions and format name.
// JPEGs are read by ember's decoder (internal/jpeg, which reads the
// arithmetic-coded, lossless, 12-bit and subsampled-CMYK JPEGs Go's
// image/jpeg refuses), the other formats by the decoders registered with
// package image.
func decodeConfig(r io.Reader) (image.Config, string, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	if magic, _ := br.Peek(len(jpegMagic)); bytes.Equal(magic, jpegMagic) {
		cfg, err := jpeg.DecodeConfig(br)
		return cfg, "jpeg", err
	}
	return image.DecodeConfig(br)
}

// checkPixels refuses dimensions over the limit (0: DefaultMaxPixels).
func checkPixels(format string, width, height int, limit int64) error {
	if limit <= 0 {
		limit = DefaultMaxPixels
	}
	if width < 0 || height < 0 {
		return fmt.Errorf("%s: negative dimensions %dx%d", format, width, height)
	}
	// width and height come from at most 32-bit header fields, so their
	// product fits an int64.
	if n := int64(width) * int64(height); n > limit {
		return fmt.Errorf("%s: %dx%d is %d pixels, over the limit of %d (a decompression bomb? raise TensorExpr.MaxPixels to decode it): %w",
			format, width, height, n, limit, ErrTooLarge)
	}
	return nil
}

// decodeError words a decoder's error as "<format>: <problem>", naming
// the format once: Go's PNG, GIF and WebP decoders start their messages
// with "png: " and so on; ember's JPEG decoder does not. An unsupported
// JPEG's error names the feature (hierarchical coding, …). The decoder's
// error stays in the chain (errors.As finds jpeg.FormatError and the
// like).
func decodeError(format string, err error) error {
	if format == "" || errors.Is(err, ErrTooLarge) {
		return err
	}
	msg := err.Error()
	for strings.HasPrefix(msg, format+": ") {
		msg = strings.TrimPrefix(msg, format+": ")
	}
	return &decoderError{msg: format + ": " + msg, err: err}
}

// decoderError is a decoder's error reworded by decodeError; it unwraps
// to the decoder's own error.
type decoderError struct {
	msg string
	err error
}

func (e *decoderError) Error() string { return e.msg }
func (e *decoderError) Unwrap() error { return e.err }
