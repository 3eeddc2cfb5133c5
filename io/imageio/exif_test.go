package imageio

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"reflect"
	"testing"

	"github.com/ember-df/ember/internal/fuzzwatch"
)

// byteOrder is what binary.LittleEndian and binary.BigEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffWithOrientation builds a TIFF structure whose IFD0 holds an
// unrelated tag and then the orientation tag (type SHORT) set to o.
func tiffWithOrientation(bo byteOrder, o uint16) []byte {
	var b []byte
	if bo == byteOrder(binary.LittleEndian) {
		b = append(b, "II"...)
	} else {
		b = append(b, "MM"...)
	}
	b = bo.AppendUint16(b, 42)
	b = bo.AppendUint32(b, 8) // IFD0 right after the header
	b = bo.AppendUint16(b, 2) // two entries
	// ImageWidth, LONG, 1, 640: makes the parser skip an entry.
	b = bo.AppendUint16(b, 0x0100)
	b = bo.AppendUint16(b, 4)
	b = bo.AppendUint32(b, 1)
	b = bo.AppendUint32(b, 640)
	// Orientation, SHORT, 1, o padded to four bytes.
	b = bo.AppendUint16(b, tagOrientation)
	b = bo.AppendUint16(b, 3)
	b = bo.AppendUint32(b, 1)
	b = bo.AppendUint16(b, o)
	b = bo.AppendUint16(b, 0)
	b = bo.AppendUint32(b, 0) // no IFD1
	return b
}

func testImage() image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 6, 4))
	for y := range 4 {
		for x := range 6 {
			img.SetNRGBA(x, y, color.NRGBA{uint8(40 * x), uint8(60 * y), 128, 255})
		}
	}
	return img
}

// jpegWithExif encodes testImage as a JPEG and splices an APP1 Exif
// segment holding tiff right after SOI.
func jpegWithExif(t testing.TB, tiff []byte) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte(exifHeader), tiff...)
	seg := []byte{0xff, 0xe1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	raw := enc.Bytes()
	out := append([]byte{}, raw[:2]...)
	out = append(out, seg...)
	return append(out, raw[2:]...)
}

// pngWithExif encodes testImage as a PNG and inserts an eXIf chunk
// holding tiff before IEND.
func pngWithExif(t testing.TB, tiff []byte) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := png.Encode(&enc, testImage()); err != nil {
		t.Fatal(err)
	}
	raw := enc.Bytes()
	iend := len(raw) - 12 // IEND is the last chunk and empty
	if string(raw[iend+4:iend+8]) != "IEND" {
		t.Fatalf("no IEND at end of PNG")
	}
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(tiff)))
	chunk = append(chunk, "eXIf"...)
	chunk = append(chunk, tiff...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := append([]byte{}, raw[:iend]...)
	out = append(out, chunk...)
	return append(out, raw[iend:]...)
}

// webpWithExif builds a minimal RIFF/WEBP container: a dummy odd-sized
// VP8X chunk (to exercise padding) then an EXIF chunk holding exif.
func webpWithExif(exif []byte) []byte {
	chunk := func(b []byte, fourcc string, body []byte) []byte {
		b = append(b, fourcc...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(body)))
		b = append(b, body...)
		if len(body)%2 == 1 {
			b = append(b, 0)
		}
		return b
	}
	var body []byte
	body = append(body, "WEBP"...)
	body = chunk(body, "VP8X", make([]byte, 9))
	body = chunk(body, "EXIF", exif)
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

func TestExifOrientation(t *testing.T) {
	orders := []byteOrder{binary.LittleEndian, binary.BigEndian}
	for _, bo := range orders {
		for o := uint16(1); o <= 8; o++ {
			tiff := tiffWithOrientation(bo, o)
			j := jpegWithExif(t, tiff)
			if got := exifOrientation(j); got != int(o) {
				t.Errorf("%v JPEG orientation %d: got %d", bo, o, got)
			}
			if _, _, err := image.Decode(bytes.NewReader(j)); err != nil {
				t.Errorf("%v spliced JPEG does not decode: %v", bo, err)
			}
			p := pngWithExif(t, tiff)
			if got := exifOrientation(p); got != int(o) {
				t.Errorf("%v PNG orientation %d: got %d", bo, o, got)
			}
			if _, _, err := image.Decode(bytes.NewReader(p)); err != nil {
				t.Errorf("%v PNG with eXIf does not decode: %v", bo, err)
			}
			if got := exifOrientation(webpWithExif(tiff)); got != int(o) {
				t.Errorf("%v WebP orientation %d: got %d", bo, o, got)
			}
			prefixed := append([]byte(exifHeader), tiff...)
			if got := exifOrientation(webpWithExif(prefixed)); got != int(o) {
				t.Errorf("%v WebP (Exif-prefixed) orientation %d: got %d", bo, o, got)
			}
		}
	}
}

func TestExifOrientationFallsBackToOne(t *testing.T) {
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	valid := jpegWithExif(t, tiffWithOrientation(binary.BigEndian, 6))
	noTag := tiffWithOrientation(binary.LittleEndian, 6)
	binary.LittleEndian.PutUint16(noTag[22:], 0x0131) // rename the orientation entry
	wrongType := tiffWithOrientation(binary.LittleEndian, 6)
	binary.LittleEndian.PutUint16(wrongType[24:], 4) // LONG instead of SHORT
	badIFD := tiffWithOrientation(binary.LittleEndian, 6)
	binary.LittleEndian.PutUint32(badIFD[4:], 0xfffffff0)
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not an image", []byte("hello, world")},
		{"JPEG without EXIF", plain.Bytes()},
		{"JPEG truncated in APP1", valid[:20]},
		{"out of range 0", jpegWithExif(t, tiffWithOrientation(binary.LittleEndian, 0))},
		{"out of range 9", jpegWithExif(t, tiffWithOrientation(binary.LittleEndian, 9))},
		{"no orientation tag", jpegWithExif(t, noTag)},
		{"orientation not SHORT", jpegWithExif(t, wrongType)},
		{"IFD0 past end", jpegWithExif(t, badIFD)},
		{"bad byte order", jpegWithExif(t, append([]byte("XX"), tiffWithOrientation(binary.BigEndian, 6)[2:]...))},
		{"PNG truncated", pngWithExif(t, tiffWithOrientation(binary.BigEndian, 6))[:40]},
		{"WebP truncated", webpWithExif(tiffWithOrientation(binary.BigEndian, 6))[:30]},
	}
	for _, c := range cases {
		if got := exifOrientation(c.data); got != 1 {
			t.Errorf("%s: got %d, want 1", c.name, got)
		}
	}
}

// EXIF after SOS is entropy-coded data, not metadata.
func TestExifOrientationStopsAtSOS(t *testing.T) {
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	raw := enc.Bytes()
	sos := bytes.Index(raw, []byte{0xff, 0xda})
	spliced := jpegWithExif(t, tiffWithOrientation(binary.BigEndian, 6))
	seg := spliced[2 : len(spliced)-len(raw)+2]
	late := append(append(append([]byte{}, raw[:sos+2]...), seg...), raw[sos+2:]...)
	if got := exifOrientation(late); got != 1 {
		t.Errorf("got %d, want 1", got)
	}
}

func FuzzExifOrientation(f *testing.F) {
	for _, bo := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		tiff := tiffWithOrientation(bo, 6)
		f.Add(jpegWithExif(f, tiff))
		f.Add(pngWithExif(f, tiff))
		f.Add(webpWithExif(tiff))
	}
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x08, 'E', 'x', 'i', 'f', 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		defer fuzzwatch.Watch(t, data)()
		if o := exifOrientation(data); o < 1 || o > 8 {
			t.Fatalf("orientation %d out of range", o)
		}
	})
}

// grid is a plane's contents as rows, for comparing layouts.
func grid(p plane) [][]uint8 {
	rows := make([][]uint8, p.height)
	for y := range rows {
		rows[y] = append([]uint8{}, p.pix[y*p.stride:y*p.stride+p.width]...)
	}
	return rows
}

func TestOriented(t *testing.T) {
	// A 3x2 image stored as
	//	1 2 3
	//	4 5 6
	// in a gray plane with padding (stride 4), and in RGB planes whose
	// green and blue are the gray values plus 10 and 20.
	gp := plane{width: 3, height: 2, stride: 4, pix: []uint8{1, 2, 3, 99, 4, 5, 6, 99}, xStep: 1, yStep: 1}
	add := func(d uint8) plane {
		p := newPlane(3, 2, 1, 1)
		for i, v := range []uint8{1, 2, 3, 4, 5, 6} {
			p.pix[i] = v + d
		}
		return p
	}
	cases := []struct {
		o    int
		want [][]uint8
	}{
		{1, [][]uint8{{1, 2, 3}, {4, 5, 6}}},
		{2, [][]uint8{{3, 2, 1}, {6, 5, 4}}},
		{3, [][]uint8{{6, 5, 4}, {3, 2, 1}}},
		{4, [][]uint8{{4, 5, 6}, {1, 2, 3}}},
		{5, [][]uint8{{1, 4}, {2, 5}, {3, 6}}},
		{6, [][]uint8{{4, 1}, {5, 2}, {6, 3}}},
		{7, [][]uint8{{6, 3}, {5, 2}, {4, 1}}},
		{8, [][]uint8{{3, 6}, {2, 5}, {1, 4}}},
	}
	for _, c := range cases {
		g := &raster{width: 3, height: 2, model: gray, planes: []plane{gp}}
		c3 := &raster{width: 3, height: 2, model: rgb, planes: []plane{add(0), add(10), add(20)}}
		for _, r := range []*raster{g, c3} {
			got := r.oriented(c.o)
			if c.o == 1 && got != r {
				t.Errorf("orientation 1 did not return the raster itself")
			}
			wantW, wantH := len(c.want[0]), len(c.want)
			if got.width != wantW || got.height != wantH || got.model != r.model || len(got.planes) != len(r.planes) {
				t.Fatalf("orientation %d: got %dx%d model %d with %d planes", c.o, got.width, got.height, got.model, len(got.planes))
			}
			for k, p := range got.planes {
				want := make([][]uint8, len(c.want))
				for y, row := range c.want {
					for _, v := range row {
						want[y] = append(want[y], v+uint8(10*k))
					}
				}
				if !reflect.DeepEqual(grid(p), want) {
					t.Errorf("orientation %d plane %d: got %v, want %v", c.o, k, grid(p), want)
				}
				if c.o != 1 && (p.stride != p.width || len(p.pix) != p.width*p.height) {
					t.Errorf("orientation %d plane %d: not tightly packed (stride %d, width %d, len %d)", c.o, k, p.stride, p.width, len(p.pix))
				}
			}
		}
	}
}

func TestOrientedOutOfRangeIsIdentity(t *testing.T) {
	r := &raster{width: 1, height: 1, model: gray, planes: []plane{newPlane(1, 1, 1, 1)}}
	for _, o := range []int{-1, 0, 9} {
		if r.oriented(o) != r {
			t.Errorf("orientation %d did not return the raster itself", o)
		}
	}
}

func TestOrientedSubsampledSwapsSteps(t *testing.T) {
	// A 4x2 YCbCr 4:2:2 image: full luma, chroma 2x2 with xStep 2.
	y := plane{width: 4, height: 2, stride: 4, pix: []uint8{1, 2, 3, 4, 5, 6, 7, 8}, xStep: 1, yStep: 1}
	cb := plane{width: 2, height: 2, stride: 2, pix: []uint8{10, 20, 30, 40}, xStep: 2, yStep: 1}
	cr := plane{width: 2, height: 2, stride: 2, pix: []uint8{50, 60, 70, 80}, xStep: 2, yStep: 1}
	r := &raster{width: 4, height: 2, model: ycbcr, planes: []plane{y, cb, cr}}
	got := r.oriented(6)
	if got.width != 2 || got.height != 4 || got.model != ycbcr {
		t.Fatalf("got %dx%d model %d, want 2x4 ycbcr", got.width, got.height, got.model)
	}
	want := []struct {
		w, h, xStep, yStep int
		rows               [][]uint8
	}{
		{2, 4, 1, 1, [][]uint8{{5, 1}, {6, 2}, {7, 3}, {8, 4}}},
		{2, 2, 1, 2, [][]uint8{{30, 10}, {40, 20}}},
		{2, 2, 1, 2, [][]uint8{{70, 50}, {80, 60}}},
	}
	for k, w := range want {
		p := got.planes[k]
		if p.width != w.w || p.height != w.h || p.xStep != w.xStep || p.yStep != w.yStep {
			t.Errorf("plane %d: got %dx%d steps (%d, %d), want %dx%d steps (%d, %d)",
				k, p.width, p.height, p.xStep, p.yStep, w.w, w.h, w.xStep, w.yStep)
		}
		if !reflect.DeepEqual(grid(p), w.rows) {
			t.Errorf("plane %d: got %v, want %v", k, grid(p), w.rows)
		}
	}
	// Every displayed pixel reads the chroma of the stored pixel it came
	// from: displayed (x, y) was stored at (y, h-1-x).
	for dy := range got.height {
		for dx := range got.width {
			sx, sy := dy, r.height-1-dx
			for k := 1; k < 3; k++ {
				p, q := got.planes[k], r.planes[k]
				if a, b := p.at(dx/p.xStep, dy/p.yStep), q.at(sx/q.xStep, sy/q.yStep); a != b {
					t.Errorf("plane %d at displayed (%d, %d): got %d, stored pixel has %d", k, dx, dy, a, b)
				}
			}
		}
	}
}
