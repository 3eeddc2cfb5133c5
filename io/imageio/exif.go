package imageio

import (
	"bytes"
	"encoding/binary"
)

// exifHeader prefixes the TIFF data in a JPEG APP1 segment, and sometimes
// in WebP and PNG EXIF chunks written by tools that copy it from JPEGs.
const exifHeader = "Exif\x00\x00"

// tagOrientation is the TIFF/EXIF tag that says how the stored pixels
// must be turned to display upright.
const tagOrientation = 0x0112

// exifOrientation returns the EXIF orientation (1..8) of the encoded image
// in data: JPEG (APP1 "Exif" segment), PNG (eXIf chunk) or WebP (EXIF
// chunk of a RIFF container). It returns 1, "as stored", when the format
// is none of these, the tag is absent, or the metadata is truncated,
// malformed or out of range. It never panics and does not keep data.
func exifOrientation(data []byte) int {
	var o int
	switch {
	case len(data) >= 2 && data[0] == 0xff && data[1] == 0xd8:
		o = jpegOrientation(data)
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		o = pngOrientation(data)
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		o = webpOrientation(data)
	}
	if o < 1 || o > 8 {
		return 1
	}
	return o
}

// jpegOrientation walks the marker segments after SOI up to the first
// SOS (where entropy-coded data begins) and reads the first Exif APP1
// segment that holds an orientation. It returns 0 when there is none.
func jpegOrientation(data []byte) int {
	i := 2
	for i+1 < len(data) {
		if data[i] != 0xff {
			return 0 // not at a marker: corrupt
		}
		m := data[i+1]
		i += 2
		switch {
		case m == 0xff: // fill byte before a marker
			i--
			continue
		case m == 0x01 || (m >= 0xd0 && m <= 0xd7): // TEM, RSTn: no length
			continue
		case m == 0xd9 || m == 0xda: // EOI, SOS
			return 0
		}
		if i+2 > len(data) {
			return 0
		}
		n := int(binary.BigEndian.Uint16(data[i:])) // counts its own two bytes
		if n < 2 || i+n > len(data) {
			return 0
		}
		seg := data[i+2 : i+n]
		i += n
		if m == 0xe1 && bytes.HasPrefix(seg, []byte(exifHeader)) {
			if o := tiffOrientation(seg[len(exifHeader):]); o != 0 {
				return o
			}
		}
	}
	return 0
}

// pngOrientation reads the eXIf chunk of a PNG, scanning chunks (without
// checking CRCs) until IEND. It returns 0 when there is none.
func pngOrientation(data []byte) int {
	for i := 8; i+8 <= len(data); {
		n := uint64(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if n > uint64(len(data)-i-8) {
			return 0
		}
		body := data[i+8 : i+8+int(n)]
		switch typ {
		case "eXIf":
			return tiffOrientation(bytes.TrimPrefix(body, []byte(exifHeader)))
		case "IEND":
			return 0
		}
		i += 8 + int(n) + 4 // data, then CRC
	}
	return 0
}

// webpOrientation reads the EXIF chunk of a RIFF/WEBP container. It
// returns 0 when there is none.
func webpOrientation(data []byte) int {
	for i := 12; i+8 <= len(data); {
		n := uint64(binary.LittleEndian.Uint32(data[i+4:]))
		if n > uint64(len(data)-i-8) {
			return 0
		}
		body := data[i+8 : i+8+int(n)]
		if string(data[i:i+4]) == "EXIF" {
			return tiffOrientation(bytes.TrimPrefix(body, []byte(exifHeader)))
		}
		i += 8 + int(n) + int(n&1) // chunks are padded to even length
	}
	return 0
}

// tiffOrientation reads tag 0x0112 (type SHORT) from IFD0 of the TIFF
// structure in b, either byte order. It returns 0 when the header is
// malformed, IFD0 lies outside b, or the tag is absent or of another type.
func tiffOrientation(b []byte) int {
	if len(b) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(b[2:]) != 42 {
		return 0
	}
	off := uint64(bo.Uint32(b[4:]))
	if off+2 > uint64(len(b)) {
		return 0
	}
	count := uint64(bo.Uint16(b[off:]))
	entries := b[off+2:]
	for k := uint64(0); k < count && 12*k+12 <= uint64(len(entries)); k++ {
		e := entries[12*k : 12*k+12]
		if bo.Uint16(e) != tagOrientation {
			continue
		}
		const typeShort = 3
		if bo.Uint16(e[2:]) != typeShort || bo.Uint32(e[4:]) < 1 {
			return 0
		}
		return int(bo.Uint16(e[8:])) // a single SHORT sits at the start of the value field
	}
	return 0
}

// oriented returns r turned so that it displays upright when its EXIF
// orientation is o, as PIL's ImageOps.exif_transpose does:
//
//	1 as stored (r itself)        5 transpose (swap x and y)
//	2 mirror left-right           6 rotate 90° clockwise
//	3 rotate 180°                 7 transverse (mirror on the anti-diagonal)
//	4 mirror top-bottom           8 rotate 90° counter-clockwise
//
// Any other o returns r itself. Otherwise the result has new, tightly
// packed planes and does not alias r. Each plane is transformed on its
// own grid, so subsampled chroma stays subsampled; orientations 5–8 swap
// the width and height of the raster and of every plane, and each plane's
// xStep and yStep. When an image's size is not a multiple of a plane's
// step, mirrored chroma is off by up to one image pixel, as with any
// transform applied to subsampled planes.
func (r *raster) oriented(o int) *raster {
	if o < 2 || o > 8 {
		return r
	}
	swap := o >= 5
	out := &raster{width: r.width, height: r.height, model: r.model, planes: make([]plane, len(r.planes))}
	if swap {
		out.width, out.height = r.height, r.width
	}
	for k, p := range r.planes {
		w, h := p.width, p.height
		var q plane
		if swap {
			q = newPlane(h, w, p.yStep, p.xStep)
		} else {
			q = newPlane(w, h, p.xStep, p.yStep)
		}
		// (x, y) is a position in q; src maps it to its position in p.
		var src func(x, y int) (int, int)
		switch o {
		case 2:
			src = func(x, y int) (int, int) { return w - 1 - x, y }
		case 3:
			src = func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }
		case 4:
			src = func(x, y int) (int, int) { return x, h - 1 - y }
		case 5:
			src = func(x, y int) (int, int) { return y, x }
		case 6:
			src = func(x, y int) (int, int) { return y, h - 1 - x }
		case 7:
			src = func(x, y int) (int, int) { return w - 1 - y, h - 1 - x }
		case 8:
			src = func(x, y int) (int, int) { return w - 1 - y, x }
		}
		for y := range q.height {
			row := q.pix[y*q.stride : y*q.stride+q.width]
			for x := range row {
				row[x] = p.at(src(x, y))
			}
		}
		out.planes[k] = q
	}
	return out
}
