package imageio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // GIF decoder
	"image/jpeg"
	_ "image/png" // PNG decoder
	"strings"

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
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err == nil {
		err = checkPixels(format, cfg.Width, cfg.Height, opts.maxPixels)
	}
	var img image.Image
	if err == nil {
		img, format, err = image.Decode(bytes.NewReader(data))
	}
	if errors.Is(err, image.ErrFormat) {
		return nil, "", ErrNotImage
	}
	if err != nil {
		return nil, format, decodeError(format, data, err)
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
// with "png: " and so on, and its JPEG decoder says "invalid JPEG format: "
// and "unsupported JPEG feature: ". An unsupported JPEG also says which
// feature of its frame header the decoder refused. The decoder's error
// stays in the chain (errors.As finds jpeg.FormatError and the like).
func decodeError(format string, data []byte, err error) error {
	if format == "" || errors.Is(err, ErrTooLarge) {
		return err
	}
	msg := err.Error()
	for strings.HasPrefix(msg, format+": ") {
		msg = strings.TrimPrefix(msg, format+": ")
	}
	if format == "jpeg" {
		msg = strings.Replace(msg, "invalid JPEG format: ", "invalid format: ", 1)
		msg = strings.Replace(msg, "unsupported JPEG feature: ", "unsupported feature: ", 1)
		var unsupported jpeg.UnsupportedError
		if errors.As(err, &unsupported) {
			if feature := jpegFeature(data); feature != "" {
				msg += ": " + feature + " (Go's decoder reads baseline and progressive Huffman-coded 8-bit JPEGs; see docs/images.md, Limits)"
			}
		}
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

// jpegFeature names what in a JPEG's frame header Go's decoder does not
// read: the coding process of its start-of-frame marker, a precision other
// than 8 bits, or the sampling factors of a 4-component (CMYK or YCCK)
// image that is subsampled. "" when the header shows none of these.
func jpegFeature(data []byte) string {
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return ""
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return ""
		}
		marker := data[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		if marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01 {
			i += 2
			continue
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		seg := data[i+4 : min(len(data), i+2+n)]
		switch marker {
		case 0xc4, 0xc8, 0xcc: // DHT, JPG, DAC: not frames
		case 0xda, 0xd9: // start of scan, end of image: no frame header seen
			return ""
		default:
			if marker&0xf0 == 0xc0 {
				return frameFeature(marker, seg)
			}
		}
		i += 2 + n
	}
	return ""
}

// sofNames are the coding processes of the start-of-frame markers Go's
// decoder refuses (ITU T.81, table B.1).
var sofNames = map[byte]string{
	0xc3: "lossless coding (SOF3)",
	0xc5: "hierarchical (differential sequential) coding (SOF5)",
	0xc6: "hierarchical (differential progressive) coding (SOF6)",
	0xc7: "hierarchical (differential lossless) coding (SOF7)",
	0xc9: "arithmetic coding (extended sequential, SOF9)",
	0xca: "arithmetic coding (progressive, SOF10)",
	0xcb: "arithmetic coding (lossless, SOF11)",
	0xcd: "arithmetic coding (differential sequential, SOF13)",
	0xce: "arithmetic coding (differential progressive, SOF14)",
	0xcf: "arithmetic coding (differential lossless, SOF15)",
}

// frameFeature describes a frame header (after its length) Go's decoder
// refuses: precision, components and their sampling factors.
func frameFeature(marker byte, seg []byte) string {
	if name, ok := sofNames[marker]; ok {
		return name
	}
	if len(seg) < 6 {
		return ""
	}
	if seg[0] != 8 {
		return fmt.Sprintf("%d-bit samples", seg[0])
	}
	comps := int(seg[5])
	if comps != 1 && comps != 3 && comps != 4 {
		return fmt.Sprintf("%d components", comps)
	}
	var factors []string
	for c := range comps {
		if 6+3*c+2 > len(seg) {
			return ""
		}
		f := seg[6+3*c+1]
		factors = append(factors, fmt.Sprintf("%dx%d", f>>4, f&0xf))
	}
	// Go reads 4 components at 1x1 each, or 2x2, 1x1, 1x1, 2x2.
	if f := strings.Join(factors, ","); comps == 4 && f != "1x1,1x1,1x1,1x1" && f != "2x2,1x1,1x1,2x2" {
		return "a subsampled 4-component (CMYK or YCCK) image, sampling factors " + strings.Join(factors, ", ")
	}
	// Anything else the decoder refused is in the data, not the header.
	return ""
}
