// Copyright 2026 The ember Authors. Licensed as the rest of this package
// (see LICENSE): turning decoded components into an image, for any
// sampling factors and precisions.

package jpeg

import (
	"image"
	"image/color"
)

// assemble turns the decoded components into an image. Gray images and
// YCbCr images of the six subsampling ratios image.YCbCr has are views of
// the decoded samples; other sampling factors are upsampled to full size
// first, as libjpeg does (its "fancy" triangle filter for 2:1 ratios,
// replication for others). Samples of more than 8 bits are scaled to 8
// bits, rounding.
func (d *decoder) assemble() (image.Image, error) {
	if d.wide[0] != nil {
		d.narrow()
	}
	rect := image.Rect(0, 0, d.width, d.height)
	switch d.nComp {
	case 1:
		return &image.Gray{Pix: d.planes[0], Stride: d.strides[0], Rect: rect}, nil
	case 3:
		if !d.isRGB() {
			if ratio, ok := d.ycbcrRatio(); ok {
				return &image.YCbCr{
					Y: d.planes[0], Cb: d.planes[1], Cr: d.planes[2],
					YStride: d.strides[0], CStride: d.strides[1],
					SubsampleRatio: ratio, Rect: rect,
				}, nil
			}
		}
		full := d.fullSize()
		if d.isRGB() {
			img := image.NewRGBA(rect)
			for i := range d.width * d.height {
				img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = full[0][i], full[1][i], full[2][i], 0xff
			}
			return img, nil
		}
		return &image.YCbCr{
			Y: full[0], Cb: full[1], Cr: full[2], YStride: d.width, CStride: d.width,
			SubsampleRatio: image.YCbCrSubsampleRatio444, Rect: rect,
		}, nil
	case 4:
		return d.cmyk(d.fullSize(), rect), nil
	}
	return nil, FormatError("missing SOF marker")
}

// ycbcrRatio says whether the components are laid out as an image.YCbCr
// of some subsampling ratio: luma at the largest sampling factors, both
// chroma components alike.
func (d *decoder) ycbcrRatio() (image.YCbCrSubsampleRatio, bool) {
	y, cb, cr := d.comp[0], d.comp[1], d.comp[2]
	if y.h != d.hMax || y.v != d.vMax || cb.h != cr.h || cb.v != cr.v {
		return 0, false
	}
	switch (y.h/cb.h)<<4 | y.v/cb.v {
	case 0x11:
		return image.YCbCrSubsampleRatio444, true
	case 0x12:
		return image.YCbCrSubsampleRatio440, true
	case 0x21:
		return image.YCbCrSubsampleRatio422, true
	case 0x22:
		return image.YCbCrSubsampleRatio420, true
	case 0x41:
		return image.YCbCrSubsampleRatio411, true
	case 0x42:
		return image.YCbCrSubsampleRatio410, true
	}
	return 0, false
}

// cmyk interleaves four full-size components into a CMYK image. The
// Adobe APP14 segment says how they are stored: YCCK (transform 2, or
// any but 0), inverted CMYK (transform 0, Adobe's convention), and
// without it plain CMYK, as libjpeg assumes.
func (d *decoder) cmyk(full [maxComponents][]byte, rect image.Rectangle) *image.CMYK {
	img := image.NewCMYK(rect)
	n := d.width * d.height
	switch {
	case d.adobeTransformValid && d.adobeTransform != adobeTransformUnknown:
		// YCbCr to RGB, inverted to CMY, cancels Adobe's inversion: the
		// RGB values are the CMY ones; only black is inverted.
		for i := range n {
			r, g, b := color.YCbCrToRGB(full[0][i], full[1][i], full[2][i])
			img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = r, g, b, 255-full[3][i]
		}
	case d.adobeTransformValid:
		for i := range n {
			for c := range 4 {
				img.Pix[4*i+c] = 255 - full[c][i]
			}
		}
	default:
		for i := range n {
			for c := range 4 {
				img.Pix[4*i+c] = full[c][i]
			}
		}
	}
	return img
}

// narrow scales samples of more than 8 bits (or a lossless point
// transform) to 8 bits, rounding, into planes of the same layout.
func (d *decoder) narrow() {
	maxIn := uint32(1)<<d.precision - 1
	for i := 0; i < d.nComp; i++ {
		wide := d.wide[i]
		pt := d.pointTransform[i]
		out := make([]byte, len(wide))
		for j, v := range wide {
			s := min(uint32(v)<<pt, maxIn)
			out[j] = uint8((s*255 + maxIn/2) / maxIn)
		}
		d.planes[i], d.wide[i] = out, nil
	}
}

// fullSize returns every component at the image's size (stride: its
// width), upsampled by its whole factors.
func (d *decoder) fullSize() (full [maxComponents][]byte) {
	for i := 0; i < d.nComp; i++ {
		w, h := d.componentSize(i)
		full[i] = upsample(d.planes[i], d.strides[i], w, h, d.hMax/d.comp[i].h, d.vMax/d.comp[i].v, d.width, d.height)
	}
	return full
}

// upsample enlarges a w×h component (stride) by fx across and fy down
// into a width×height plane, as libjpeg's jdsample.c does: a triangle
// filter (¾ of the nearer sample, ¼ of the farther) for factors of 2 in
// one or both directions, replication for other factors. Edges repeat
// the outermost samples.
func upsample(src []byte, stride, w, h, fx, fy, width, height int) []byte {
	out := make([]byte, width*height)
	at := func(x, y int) int32 { // clamped to the component
		return int32(src[min(max(y, 0), h-1)*stride+min(max(x, 0), w-1)])
	}
	switch {
	case fx == 1 && fy == 1:
		for y := range height {
			copy(out[y*width:(y+1)*width], src[y*stride:y*stride+width])
		}
	case fx == 2 && fy == 1 && w > 2:
		for y := range height {
			for x := range width {
				sx := x / 2
				near := 3 * at(sx, y)
				if x%2 == 0 { // h2v1_fancy_upsample
					if sx == 0 {
						out[y*width+x] = uint8(at(0, y))
					} else {
						out[y*width+x] = uint8((near + at(sx-1, y) + 1) >> 2)
					}
				} else if sx == w-1 {
					out[y*width+x] = uint8(at(sx, y))
				} else {
					out[y*width+x] = uint8((near + at(sx+1, y) + 2) >> 2)
				}
			}
		}
	case fx == 1 && fy == 2:
		for y := range height {
			sy, far, bias := y/2, y/2-1, int32(1)
			if y%2 == 1 {
				far, bias = y/2+1, 2
			}
			for x := range width {
				out[y*width+x] = uint8((3*at(x, sy) + at(x, far) + bias) >> 2)
			}
		}
	case fx == 2 && fy == 2 && w > 2:
		for y := range height {
			sy, far := y/2, y/2-1
			if y%2 == 1 {
				far = y/2 + 1
			}
			colsum := func(sx int) int32 { return 3*at(sx, sy) + at(sx, far) }
			for x := range width {
				sx := x / 2
				this := colsum(sx)
				var v int32
				switch {
				case x%2 == 0 && sx == 0:
					v = (this*4 + 8) >> 4
				case x%2 == 0:
					v = (this*3 + colsum(sx-1) + 8) >> 4
				case sx == w-1:
					v = (this*4 + 7) >> 4
				default:
					v = (this*3 + colsum(sx+1) + 7) >> 4
				}
				out[y*width+x] = uint8(v)
			}
		}
	default:
		for y := range height {
			for x := range width {
				out[y*width+x] = uint8(at(x/fx, y/fy))
			}
		}
	}
	return out
}
