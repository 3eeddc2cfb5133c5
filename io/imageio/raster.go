package imageio

import (
	"image"
	"image/color"
)

// colorModel is how a raster's planes are to be read.
type colorModel int

const (
	gray  colorModel = iota // one plane of luma
	rgb                     // three planes: red, green, blue
	ycbcr                   // three planes: Y, Cb, Cr (JFIF); Cb and Cr may be subsampled
)

// plane is one 8-bit channel of an image. Pixel (x, y) of the image lies
// at (x/xStep, y/yStep) of the plane: chroma planes of JPEGs are often
// subsampled by 2 in one or both directions.
type plane struct {
	width, height int
	stride        int
	pix           []uint8
	xStep, yStep  int
}

func (p plane) at(x, y int) uint8 { return p.pix[y*p.stride+x] }

func newPlane(w, h, xStep, yStep int) plane {
	return plane{width: w, height: h, stride: w, pix: make([]uint8, w*h), xStep: xStep, yStep: yStep}
}

// raster is a decoded image as planes, before any resampling: the form
// every step works from. Planes may alias the decoder's buffers.
type raster struct {
	width, height int
	model         colorModel
	planes        []plane
}

// rasterOf converts a decoded image into planes: YCbCr and gray images
// keep the decoder's buffers; images with alpha are composited over
// background (straight alpha blended correctly, premultiplied RGBA
// un-premultiplied first), so a transparent pixel shows the background,
// not black.
func rasterOf(img image.Image, background color.NRGBA) *raster {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		return ycbcrRaster(m)
	case *image.NYCbCrA:
		if opaque(m.A, m.AStride, w, h, m.AOffset(b.Min.X, b.Min.Y)) {
			return ycbcrRaster(&m.YCbCr)
		}
	case *image.Gray:
		return &raster{width: w, height: h, model: gray, planes: []plane{{
			width: w, height: h, stride: m.Stride, pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], xStep: 1, yStep: 1,
		}}}
	case *image.NRGBA:
		return compositeRows(w, h, background, func(y int) []uint8 {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			return m.Pix[i : i+4*w]
		}, false)
	case *image.RGBA:
		return compositeRows(w, h, background, func(y int) []uint8 {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			return m.Pix[i : i+4*w]
		}, true)
	}
	// Everything else (paletted, 16-bit, CMYK, YCbCr with alpha) through
	// the color model: slower, and rare.
	row := make([]uint8, 4*w)
	return compositeRows(w, h, background, func(y int) []uint8 {
		for x := range w {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = c.R, c.G, c.B, c.A
		}
		return row
	}, false)
}

func opaque(a []uint8, stride, w, h, offset int) bool {
	for y := range h {
		for _, v := range a[offset+y*stride : offset+y*stride+w] {
			if v != 0xff {
				return false
			}
		}
	}
	return true
}

func ycbcrRaster(m *image.YCbCr) *raster {
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	xs, ys := 1, 1
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		xs = 2
	case image.YCbCrSubsampleRatio420:
		xs, ys = 2, 2
	case image.YCbCrSubsampleRatio440:
		ys = 2
	case image.YCbCrSubsampleRatio411:
		xs = 4
	case image.YCbCrSubsampleRatio410:
		xs, ys = 4, 2
	}
	// Chroma sample (cx, cy) covers pixels [cx*xs, cx*xs+xs) × [cy*ys,
	// cy*ys+ys); decoders give images whose bounds start at (0, 0).
	chroma := func(pix []uint8) plane {
		return plane{width: ceilDiv(w, xs), height: ceilDiv(h, ys), stride: m.CStride, pix: pix, xStep: xs, yStep: ys}
	}
	yOff := m.YOffset(b.Min.X, b.Min.Y)
	return &raster{width: w, height: h, model: ycbcr, planes: []plane{
		{width: w, height: h, stride: m.YStride, pix: m.Y[yOff:], xStep: 1, yStep: 1},
		chroma(m.Cb),
		chroma(m.Cr),
	}}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// compositeRows builds an RGB raster from rows of 4-byte pixels
// (premultiplied or straight alpha), blending each over background.
func compositeRows(w, h int, bg color.NRGBA, row func(y int) []uint8, premultiplied bool) *raster {
	r, g, b := newPlane(w, h, 1, 1), newPlane(w, h, 1, 1), newPlane(w, h, 1, 1)
	back := [3]uint32{uint32(bg.R), uint32(bg.G), uint32(bg.B)}
	for y := range h {
		src := row(y)
		o := y * w
		for x := range w {
			p := src[4*x : 4*x+4 : 4*x+4]
			a := uint32(p[3])
			var c [3]uint32
			for k := range 3 {
				v := uint32(p[k])
				switch {
				case a == 0xff:
					c[k] = v
				case premultiplied: // v already holds v·a
					c[k] = (v*255 + back[k]*(255-a) + 127) / 255
				default:
					c[k] = (v*a + back[k]*(255-a) + 127) / 255
				}
				if c[k] > 255 {
					c[k] = 255
				}
			}
			r.pix[o+x], g.pix[o+x], b.pix[o+x] = uint8(c[0]), uint8(c[1]), uint8(c[2])
		}
	}
	return &raster{width: w, height: h, model: rgb, planes: []plane{r, g, b}}
}
