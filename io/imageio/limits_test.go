package imageio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	ejpeg "github.com/ember-df/ember/io/imageio/internal/jpeg"
	"github.com/ember-df/ember/plan"
)

// pngChunk is one PNG chunk: length, type, data, CRC.
func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// pngBomb is a valid PNG header declaring w × h RGB pixels, followed by an
// IDAT of a little zlib data: a few hundred bytes a decoder without a
// limit would allocate w·h·3 bytes for.
func pngBomb(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", bytes.Repeat([]byte{0x78, 0x9c, 0xed, 0xc1, 0x01}, 80))...)
	return append(out, pngChunk("IEND", nil)...)
}

// jpegBomb is a JPEG whose baseline frame header declares w × h pixels.
func jpegBomb(w, h uint16) []byte {
	out := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 11, 8}
	out = binary.BigEndian.AppendUint16(out, h)
	out = binary.BigEndian.AppendUint16(out, w)
	out = append(out, 1, 1, 0x11, 0)
	out = append(out, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0) // start of scan: the header ends
	return append(out, 0xff, 0xd9)
}

// gifBomb is a GIF whose screen and one frame are w × h.
func gifBomb(w, h uint16) []byte {
	out := []byte("GIF89a")
	out = binary.LittleEndian.AppendUint16(out, w)
	out = binary.LittleEndian.AppendUint16(out, h)
	out = append(out, 0x80, 0, 0, 0, 0, 0, 255, 255, 255) // a 2-colour global table
	out = append(out, 0x2c, 0, 0, 0, 0)
	out = binary.LittleEndian.AppendUint16(out, w)
	out = binary.LittleEndian.AppendUint16(out, h)
	out = append(out, 0, 2, 2, 0x4c, 0x01, 0)
	return append(out, 0x3b)
}

// webpBomb is an extended WebP (VP8X) whose canvas is w × h.
func webpBomb(w, h uint32) []byte {
	vp8x := []byte{0, 0, 0, 0}
	vp8x = append(vp8x, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	vp8x = append(vp8x, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	body := []byte("WEBPVP8X")
	body = binary.LittleEndian.AppendUint32(body, uint32(len(vp8x)))
	body = append(body, vp8x...)
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

// runTensor runs a Tensor over paths as the engine does, with a checked
// allocator, and returns the tensor column's per-row errors (nil for a
// row that decoded).
func runTensor(t *testing.T, x *TensorExpr, paths ...string) []error {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f := x.function()
	if _, err := f.Bind([]arrow.Field{{Name: "path", Type: arrow.BinaryTypes.String}}); err != nil {
		t.Fatal(err)
	}
	b := array.NewStringBuilder(mem)
	b.AppendValues(paths, nil)
	col := b.NewArray()
	b.Release()
	defer col.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	out, err := f.Run(ctx, []arrow.Array{col}, len(paths))
	errs := make([]error, len(paths))
	var rowErrs *plan.RowErrors
	switch {
	case errors.As(err, &rowErrs):
		defer rowErrs.Result.Release()
		for i, r := range rowErrs.Rows {
			errs[r] = rowErrs.Errs[i]
		}
	case err != nil:
		t.Fatal(err)
	default:
		out.Release()
	}
	return errs
}

// TestDecompressionBombs: images whose headers declare more pixels than
// the limit are failed rows naming the file, refused before decoding (a
// 100,000 × 100,000 PNG would need 30 GB), in every format.
func TestDecompressionBombs(t *testing.T) {
	dir := t.TempDir()
	bombs := map[string][]byte{
		"bomb.png":  pngBomb(100_000, 100_000),
		"bomb.jpg":  jpegBomb(65_535, 65_535),
		"bomb.gif":  gifBomb(65_535, 65_535),
		"bomb.webp": webpBomb(16_384, 16_384),
	}
	var paths []string
	for name, data := range bombs {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || int64(cfg.Width)*int64(cfg.Height) <= DefaultMaxPixels {
			t.Fatalf("%s: header %+v, %v; want a valid header over the limit", name, cfg, err)
		}
		paths = append(paths, p)
	}
	if n := len(bombs["bomb.png"]); n > 600 {
		t.Errorf("the PNG bomb is %d bytes", n)
	}
	good := filepath.Join(dir, "good.png")
	if err := os.WriteFile(good, encodeTestPNG(t, 40, 30), 0o644); err != nil {
		t.Fatal(err)
	}
	paths = append(paths, good)
	errs := runTensor(t, Tensor("path", Resize(8, 8, Bilinear)).OnErrorNull("error"), paths...)
	for i, p := range paths[:len(paths)-1] {
		err := errs[i]
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "over the limit of 178956970") {
			t.Errorf("%s: %v; want ErrTooLarge naming the file and the limit", p, err)
		}
	}
	if errs[len(paths)-1] != nil {
		t.Errorf("good image: %v", errs[len(paths)-1])
	}
}

func encodeTestPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.UintN(256))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestMaxPixels: the limit is an option of the expression, and travels
// with it.
func TestMaxPixels(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.png")
	if err := os.WriteFile(p, encodeTestPNG(t, 100, 50), 0o644); err != nil {
		t.Fatal(err)
	}
	x := Tensor("path", Resize(8, 8, Bilinear))
	if errs := runTensor(t, x.MaxPixels(5000), p); errs[0] != nil {
		t.Errorf("100x50 under a limit of 5000: %v", errs[0])
	}
	errs := runTensor(t, x.MaxPixels(4999), p)
	if !errors.Is(errs[0], ErrTooLarge) || !strings.Contains(errs[0].Error(), "100x50 is 5000 pixels, over the limit of 4999") {
		t.Errorf("100x50 over a limit of 4999: %v", errs[0])
	}
	cfg, err := x.MaxPixels(4999).function().Config()
	if err != nil || !strings.Contains(string(cfg), `"max_pixels":4999`) {
		t.Errorf("config %s, %v; want max_pixels", cfg, err)
	}
}

// TestStepSizeLimits: sizes no image pipeline needs are refused when the
// plan is built, with the documented maximum, instead of overflowing.
func TestStepSizeLimits(t *testing.T) {
	cases := map[string][]Step{
		"MaxStepSize":     {Resize(1<<20, 1<<20, Bilinear)},
		"(MaxStepSize)":   {Resize(224, 224, Bilinear), Pad(1<<30, 0, 0, 0)},
		"MaxTensorPixels": {Resize(8192, 8192, Bilinear)},
		"MaxStepSize)":    {ResizeShorter(1<<31-1, Bilinear), CenterCrop(224, 224)},
	}
	for want, steps := range cases {
		_, err := Tensor("path", steps...).Shape()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want an error naming %s", stepList(steps), err, want)
		}
		f := Tensor("path", steps...).function()
		if _, err := f.Bind([]arrow.Field{{Name: "path", Type: arrow.BinaryTypes.String}}); err == nil {
			t.Errorf("%s: Bind accepted it", stepList(steps))
		}
	}
	if shape, err := Tensor("path", Resize(4096, 4096, Bilinear)).Shape(); err != nil || shape[1] != 4096 {
		t.Errorf("4096x4096: %v, %v", shape, err)
	}
}

// TestDecodeErrorsNameTheFormatOnce: a failed row's error names the file,
// the format and the problem once each ("png: png: …" and "jpeg: invalid
// JPEG format: …" no more), and keeps the decoder's error in its chain.
func TestDecodeErrorsNameTheFormatOnce(t *testing.T) {
	dir := t.TempDir()
	corruptPNG := encodeTestPNG(t, 10, 10)
	corruptPNG[len(corruptPNG)-20] ^= 0xff // in the IDAT's CRC or data
	gifData := gifBomb(4, 4)
	var jpegBuf bytes.Buffer
	if err := jpeg.Encode(&jpegBuf, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	badJPEG := jpegBuf.Bytes()
	dqt := bytes.Index(badJPEG, []byte{0xff, 0xdb})
	badJPEG[dqt+4] = 0x07 // a quantization table id (Tq) over 3
	cases := []struct {
		name, format string
		data         []byte
	}{
		{"corrupt.png", "png", corruptPNG},
		{"truncated.gif", "gif", gifData[:len(gifData)-4]},
		{"bad-table.jpg", "jpeg", badJPEG},
	}
	var paths []string
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	errs := runTensor(t, Tensor("path", Resize(8, 8, Bilinear)).OnErrorNull("error"), paths...)
	for i, c := range cases {
		err := errs[i]
		if err == nil {
			t.Errorf("%s decoded", c.name)
			continue
		}
		msg := err.Error()
		prefix := fmt.Sprintf("imageio: decoding %q: %s: ", paths[i], c.format)
		if !strings.HasPrefix(msg, prefix) || strings.Count(msg, c.name) != 1 ||
			strings.Contains(msg[len(prefix):], c.format+": ") || strings.Contains(msg, "JPEG format") {
			t.Errorf("%s: %q; want %q and the problem, each named once", c.name, msg, prefix)
		}
	}
	var formatErr ejpeg.FormatError
	if !errors.As(errs[2], &formatErr) {
		t.Errorf("%v: the decoder's jpeg.FormatError is not in the chain", errs[2])
	}
}

// TestUnsupportedJPEGFeatures: JPEGs ember's decoder refuses say which
// feature they use. (Those it reads and Go's image/jpeg does not, it is
// held to in conformance_test.go.)
func TestUnsupportedJPEGFeatures(t *testing.T) {
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	base := buf.Bytes()
	sof := bytes.Index(base, []byte{0xff, 0xc0})
	withMarker := func(m byte) []byte {
		b := bytes.Clone(base)
		b[sof+1] = m
		return b
	}
	precision := bytes.Clone(base)
	precision[sof+4] = 10
	cases := map[string][]byte{
		"hierarchical (differential sequential) coding (SOF5)":                    withMarker(0xc5),
		"hierarchical (differential lossless) coding (SOF7)":                      withMarker(0xc7),
		"arithmetic-coded lossless coding (SOF11)":                                withMarker(0xcb),
		"hierarchical arithmetic-coded (differential progressive) coding (SOF14)": withMarker(0xce),
	}
	for want, data := range cases {
		_, format, err := decode(data, decodeOptions{})
		if format != "jpeg" || err == nil || !strings.HasPrefix(err.Error(), "jpeg: unsupported feature: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %s, %v", want, format, err)
		}
	}
	if _, _, err := decode(precision, decodeOptions{}); err == nil || err.Error() != "jpeg: invalid format: 10-bit samples in a DCT frame" {
		t.Errorf("10-bit DCT frame: %v", err)
	}
	// A JPEG the decoder reads needs no explanation.
	if _, _, err := decode(base, decodeOptions{}); err != nil {
		t.Errorf("baseline JPEG: %v", err)
	}
}
