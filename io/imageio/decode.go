package imageio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // GIF decoder
	_ "image/jpeg" // JPEG decoder
	_ "image/png"  // PNG decoder

	_ "golang.org/x/image/webp" // WebP decoder
)

// ErrNotImage is wrapped by the errors for data that is no image ember
// decodes (JPEG, PNG, GIF, WebP).
var ErrNotImage = errors.New("not a JPEG, PNG, GIF or WebP image")

// decodeOptions say how bytes become a raster.
type decodeOptions struct {
	// background is what transparent pixels show.
	background color.NRGBA
	// ignoreOrientation keeps the stored pixel order, ignoring EXIF.
	ignoreOrientation bool
}

// decode decodes an encoded image into an upright raster, returning its
// format name ("jpeg", "png", "gif", "webp").
func decode(data []byte, opts decodeOptions) (*raster, string, error) {
	img, format, err := image.Decode(bytes.NewReader(data))
	if errors.Is(err, image.ErrFormat) {
		return nil, "", ErrNotImage
	}
	if err != nil {
		if format != "" {
			return nil, format, fmt.Errorf("%s: %w", format, err)
		}
		return nil, "", err
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
