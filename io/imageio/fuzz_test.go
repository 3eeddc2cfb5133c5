package imageio

import (
	"bytes"
	"errors"
	"go/build"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/ember-df/ember/internal/fuzzwatch"
	"github.com/ember-df/ember/internal/testcorpus"
)

// fuzzMaxPixels is the decompression-bomb limit the fuzz target decodes
// under: small, so no input costs more than a few milliseconds.
const fuzzMaxPixels = 1 << 20

// TestMain gives fuzzing runs a short -fuzzminimizetime: see fuzzwatch.
func TestMain(m *testing.M) { fuzzwatch.Main(m) }

// FuzzDecode feeds arbitrary bytes to the decode path of every format
// (JPEG, PNG, GIF, WebP), with the bomb limit on, and then resamples what
// decoded. It holds decode to its contract: it never panics; an image it
// returns has positive dimensions within the limit and planes that cover
// them; an error names its format once ("png: …", never "png: png: …"),
// and data that is no image is ErrNotImage.
//
// It is seeded with tiny images written here and, where they are on the
// machine, the corpus files the conformance tests read (GOROOT's image
// test data and PNG suite, libjpeg-turbo's test images and x/image's WebP
// files in the module cache). Run it with
//
//	go test -run '^$' -fuzz FuzzDecode -fuzztime 30m ./io/imageio
func FuzzDecode(f *testing.F) {
	for _, data := range generatedSeeds(f) {
		f.Add(data)
	}
	for _, path := range corpusSeeds() {
		if data, err := os.ReadFile(path); err == nil && len(data) <= 256<<10 {
			f.Add(data)
		}
	}
	steps := []Step{Resize(8, 8, Bilinear)}
	dst := make([]float32, 3*8*8)
	var s resampler
	f.Fuzz(func(t *testing.T, data []byte) {
		defer fuzzwatch.Watch(t, data)()
		r, format, err := decode(data, decodeOptions{maxPixels: fuzzMaxPixels})
		if err != nil {
			checkDecodeError(t, format, err)
			return
		}
		checkRaster(t, format, r)
		g, err := compile(steps, r.width, r.height)
		if err != nil {
			t.Fatalf("%s %dx%d: compiling %s: %v", format, r.width, r.height, stepList(steps), err)
		}
		s.resample(r, g, dst)
	})
}

// checkDecodeError holds a decode error to its wording.
func checkDecodeError(t *testing.T, format string, err error) {
	msg := err.Error()
	if format == "" {
		if !errors.Is(err, ErrNotImage) {
			t.Fatalf("an error with no format is not ErrNotImage: %v", err)
		}
		return
	}
	if !strings.HasPrefix(msg, format+": ") {
		t.Fatalf("error does not start with %q: %q", format+": ", msg)
	}
	for _, doubled := range []string{format + ": " + format + ": ", "JPEG format", "JPEG feature"} {
		if strings.Contains(msg, doubled) {
			t.Fatalf("error repeats itself (%q): %q", doubled, msg)
		}
	}
}

// checkRaster holds a decoded raster to its invariants.
func checkRaster(t *testing.T, format string, r *raster) {
	if r.width <= 0 || r.height <= 0 || int64(r.width)*int64(r.height) > fuzzMaxPixels {
		t.Fatalf("%s: decoded %dx%d under a limit of %d pixels", format, r.width, r.height, fuzzMaxPixels)
	}
	want := map[colorModel]int{gray: 1, rgb: 3, ycbcr: 3}[r.model]
	if len(r.planes) != want {
		t.Fatalf("%s: %d planes for color model %d", format, len(r.planes), r.model)
	}
	for i, p := range r.planes {
		if p.xStep < 1 || p.yStep < 1 || p.width < ceilDiv(r.width, p.xStep) || p.height < ceilDiv(r.height, p.yStep) ||
			p.stride < p.width || len(p.pix) < (p.height-1)*p.stride+p.width {
			t.Fatalf("%s %dx%d: plane %d (%dx%d, stride %d, steps %d,%d, %d bytes) does not cover the image",
				format, r.width, r.height, i, p.width, p.height, p.stride, p.xStep, p.yStep, len(p.pix))
		}
	}
}

// generatedSeeds are tiny images of each format and color model, written
// here so the fuzzer has a valid start for every decoder even where no
// corpus is on the machine.
func generatedSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	rect := image.Rect(0, 0, 17, 9) // odd sizes: partial blocks and chroma samples
	gray := image.NewGray(rect)
	gray16 := image.NewGray16(rect)
	nrgba := image.NewNRGBA(rect)
	ycc := image.NewYCbCr(rect, image.YCbCrSubsampleRatio420)
	paletted := image.NewPaletted(rect, palette.Plan9[:16])
	for y := range rect.Dy() {
		for x := range rect.Dx() {
			v := uint8(x*15 + y*7)
			gray.SetGray(x, y, color.Gray{v})
			gray16.SetGray16(x, y, color.Gray16{uint16(v) * 257})
			nrgba.SetNRGBA(x, y, color.NRGBA{v, 255 - v, uint8(x * 30), uint8(y * 28)})
			paletted.SetColorIndex(x, y, uint8(x+y)%16)
		}
	}
	for i := range ycc.Y {
		ycc.Y[i] = uint8(i * 3)
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = uint8(i*40), uint8(255-i*40)
	}
	var seeds [][]byte
	encode := func(fn func(*bytes.Buffer) error) {
		var buf bytes.Buffer
		if err := fn(&buf); err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, buf.Bytes())
	}
	for _, img := range []image.Image{gray, gray16, nrgba, paletted} {
		encode(func(b *bytes.Buffer) error { return png.Encode(b, img) })
	}
	for _, img := range []image.Image{gray, ycc} {
		encode(func(b *bytes.Buffer) error { return jpeg.Encode(b, img, &jpeg.Options{Quality: 50}) })
	}
	encode(func(b *bytes.Buffer) error { return gif.Encode(b, paletted, nil) })
	// A 1x1 lossless WebP (VP8L); x/image has no WebP encoder.
	seeds = append(seeds, []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"))
	return seeds
}

// corpusSeeds lists the conformance corpora's files that are already on
// this machine: fuzzing downloads nothing.
func corpusSeeds() []string {
	dirs := []string{
		filepath.Join(runtime.GOROOT(), "src", "image", "testdata"),
		filepath.Join(runtime.GOROOT(), "src", "image", "png", "testdata"),
		filepath.Join(runtime.GOROOT(), "src", "image", "png", "testdata", "pngsuite"),
		filepath.Join(runtime.GOROOT(), "src", "image", "gif", "testdata"),
		filepath.Join(cachedModule(testcorpus.LibjpegTurbo, testcorpus.LibjpegTurboVersion), "testimages"),
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == "golang.org/x/image" {
				dirs = append(dirs, filepath.Join(cachedModule(m.Path, m.Version), "testdata"))
			}
		}
	}
	var paths []string
	for _, d := range dirs {
		for _, pattern := range []string{"*.jpg", "*.jpeg", "*.png", "*.gif", "*.webp"} {
			m, _ := filepath.Glob(filepath.Join(d, pattern))
			paths = append(paths, m...)
		}
	}
	return paths
}

// cachedModule is where module path@version lies in the module cache, if
// it has been downloaded (module paths here have no upper-case letters,
// which the cache would escape).
func cachedModule(path, version string) string {
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		cache = filepath.Join(build.Default.GOPATH, "pkg", "mod")
	}
	return filepath.Join(cache, filepath.FromSlash(path)+"@"+version)
}
