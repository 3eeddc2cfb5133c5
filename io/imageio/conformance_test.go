package imageio

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ember-df/ember/internal/testcorpus"
)

// The conformance tests hold ember's image decoding to the reference
// renderings that ship with peer corpora: the PNG suite's sng files
// (libpng's sng tool), GOROOT's JPEG test images and their PNG
// renderings, and libjpeg-turbo's test images with their reference
// decoding (testorig.ppm, written by libjpeg's djpeg). What is compared is
// what a model sees: the image as ember decodes it (alpha composited over
// white) rendered at its own size by the resampler (so subsampled chroma
// is interpolated as libjpeg's "fancy" upsampling does), before scaling.

// rendering is an image as RGB values in [0, 255], row by row.
type rendering struct {
	width, height int
	rgb           []float64 // 3 per pixel
}

// renderEmber decodes data as ember does and renders it at its own size.
func renderEmber(data []byte) (rendering, error) {
	r, _, err := decode(data, decodeOptions{background: color.NRGBA{255, 255, 255, 255}})
	if err != nil {
		return rendering{}, err
	}
	g, err := compile([]Step{Resize(r.width, r.height, Bilinear)}, r.width, r.height)
	if err != nil {
		return rendering{}, err
	}
	n := r.width * r.height
	chw := make([]float32, 3*n)
	var s resampler
	s.resample(r, g, chw)
	out := rendering{width: r.width, height: r.height, rgb: make([]float64, 3*n)}
	for c := range 3 {
		for i := range n {
			out.rgb[3*i+c] = float64(chw[c*n+i])
		}
	}
	return out, nil
}

// renderReference renders an image decoded by a reference reader (a
// PNG or PPM rendering) over white, at full precision.
func renderReference(img image.Image) rendering {
	b := img.Bounds()
	out := rendering{width: b.Dx(), height: b.Dy(), rgb: make([]float64, 0, 3*b.Dx()*b.Dy())}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
			a := float64(c.A) / 0xffff
			for _, v := range []uint16{c.R, c.G, c.B} {
				out.rgb = append(out.rgb, 255*(float64(v)/0xffff*a+1-a))
			}
		}
	}
	return out
}

// diff is the largest and mean absolute difference of two renderings.
func diff(got, want rendering) (maxDiff, mean float64, err error) {
	if got.width != want.width || got.height != want.height {
		return 0, 0, fmt.Errorf("%dx%d, want %dx%d", got.width, got.height, want.width, want.height)
	}
	var sum float64
	for i, v := range got.rgb {
		d := math.Abs(v - want.rgb[i])
		maxDiff = max(maxDiff, d)
		sum += d
	}
	return maxDiff, sum / float64(len(got.rgb)), nil
}

// TestPNGSuite: every image of the PNG suite GOROOT ships, decoded by
// ember, equals the rendering in its .sng file over white: within
// rounding (0.5) for 8-bit samples and within 1 for 16-bit ones, which
// ember's 8-bit rasters truncate.
func TestPNGSuite(t *testing.T) {
	dir := testcorpus.GOROOT(t, "src/image/png/testdata/pngsuite")
	files, err := filepath.Glob(filepath.Join(dir, "*.png"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no PNG suite in %s: %v", dir, err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, depth, err := readSNG(strings.TrimSuffix(f, ".png") + ".sng")
		if err != nil {
			t.Errorf("%s: reading its sng: %v", name, err)
			continue
		}
		got, err := renderEmber(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		maxDiff, mean, err := diff(got, want)
		tolerance := 0.5 + 1e-3
		if depth == 16 {
			tolerance = 1 + 1e-3
		}
		if err != nil || maxDiff > tolerance {
			t.Errorf("%s: %v; differs from its sng by up to %.2f (mean %.3f), over %.1f", name, err, maxDiff, mean, tolerance)
		}
	}
	t.Logf("%d PNG suite images equal their sng renderings", len(files))
}

// readSNG reads the image an sng file (libpng's sng tool) describes and
// renders it over white, with its bit depth. It reads what the PNG
// suite's files use: IHDR, PLTE, tRNS and IMAGE with "pixels hex".
func readSNG(path string) (rendering, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return rendering{}, 0, err
	}
	defer f.Close()
	var (
		width, height, depth int
		using                string
		palette              [][3]float64
		paletteAlpha         []float64
		key                  []int // tRNS key of gray or RGB images
		rows                 [][]byte
		chunk                string
	)
	number := regexp.MustCompile(`(\w+):\s*(\d+)`)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case line == "":
			continue
		case strings.HasSuffix(line, "{") || strings.Contains(line, "{"):
			chunk = strings.Fields(line)[0]
			line = strings.TrimSpace(line[strings.Index(line, "{")+1:])
		}
		body := strings.TrimSuffix(line, "}")
		switch chunk {
		case "IHDR":
			for _, m := range number.FindAllStringSubmatch(body, -1) {
				v, _ := strconv.Atoi(m[2])
				switch m[1] {
				case "width":
					width = v
				case "height":
					height = v
				case "bitdepth":
					depth = v
				}
			}
			if strings.HasPrefix(body, "using ") {
				using = strings.TrimSuffix(strings.TrimPrefix(body, "using "), ";")
			}
		case "PLTE":
			var r, g, b float64
			if _, err := fmt.Sscanf(strings.NewReplacer("(", "", ")", "", ",", " ").Replace(body), "%g %g %g", &r, &g, &b); err == nil {
				palette = append(palette, [3]float64{r / 255, g / 255, b / 255})
			}
		case "tRNS":
			if ms := number.FindAllStringSubmatch(body, -1); len(ms) > 0 {
				for _, m := range ms {
					v, _ := strconv.Atoi(m[2])
					key = append(key, v)
				}
			} else {
				for _, fld := range strings.Fields(body) {
					v, err := strconv.Atoi(fld)
					if err != nil {
						return rendering{}, 0, fmt.Errorf("tRNS: %v", err)
					}
					paletteAlpha = append(paletteAlpha, float64(v)/255)
				}
			}
		case "IMAGE":
			if body == "" || strings.HasPrefix(body, "pixels") {
				break
			}
			row, err := hex.DecodeString(strings.ReplaceAll(body, " ", ""))
			if err != nil {
				return rendering{}, 0, fmt.Errorf("IMAGE row %d: %v", len(rows), err)
			}
			rows = append(rows, row)
		}
		if strings.HasSuffix(line, "}") {
			chunk = ""
		}
	}
	if err := sc.Err(); err != nil {
		return rendering{}, 0, err
	}
	channels := map[string]int{"grayscale": 1, "grayscale alpha": 2, "color": 3, "color alpha": 4, "color palette": 1}[using]
	if channels == 0 || width <= 0 || height <= 0 || len(rows) != height {
		return rendering{}, 0, fmt.Errorf("IHDR %dx%d, %q, %d rows: not an image this reader knows", width, height, using, len(rows))
	}
	maxSample := float64(int(1)<<depth - 1)
	out := rendering{width: width, height: height, rgb: make([]float64, 0, 3*width*height)}
	for _, row := range rows {
		if len(row)*8 < width*channels*depth {
			return rendering{}, 0, fmt.Errorf("a row of %d bytes for %d pixels", len(row), width)
		}
		sample := func(i int) int { // the i-th sample of the row, big-endian bit-packed
			bit := i * depth
			v := 0
			for k := range depth {
				b := bit + k
				v = v<<1 | int(row[b/8]>>(7-b%8)&1)
			}
			return v
		}
		for x := range width {
			s := make([]int, channels)
			for c := range s {
				s[c] = sample(x*channels + c)
			}
			var rgb [3]float64
			alpha := 1.0
			switch using {
			case "color palette":
				if s[0] >= len(palette) {
					return rendering{}, 0, fmt.Errorf("palette index %d of %d", s[0], len(palette))
				}
				rgb = palette[s[0]]
				if s[0] < len(paletteAlpha) {
					alpha = paletteAlpha[s[0]]
				}
			case "grayscale", "grayscale alpha":
				g := float64(s[0]) / maxSample
				rgb = [3]float64{g, g, g}
				if channels == 2 {
					alpha = float64(s[1]) / maxSample
				}
			default:
				for c := range 3 {
					rgb[c] = float64(s[c]) / maxSample
				}
				if channels == 4 {
					alpha = float64(s[3]) / maxSample
				}
			}
			if len(key) > 0 && len(key) == channels && equalInts(key, s) {
				alpha = 0
			}
			for _, v := range rgb {
				out.rgb = append(out.rgb, 255*(v*alpha+1-alpha))
			}
		}
	}
	return out, depth, nil
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// readImage reads a reference rendering: a PNG, or a binary PPM/PGM
// (P6/P5 with 8-bit samples, as djpeg writes them).
func readImage(t *testing.T, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(data, []byte("P6")) || bytes.HasPrefix(data, []byte("P5")) {
		img, err := readPNM(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return img
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// readPNM reads a binary PPM (P6) or PGM (P5) of 8-bit samples.
func readPNM(data []byte) (image.Image, error) {
	var magic string
	var w, h, maxVal int
	r := bytes.NewReader(data)
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxVal); err != nil {
		return nil, err
	}
	if maxVal != 255 {
		return nil, fmt.Errorf("maximum sample %d, not 255", maxVal)
	}
	if _, err := r.ReadByte(); err != nil { // the one whitespace byte
		return nil, err
	}
	pix := data[len(data)-r.Len():]
	channels := 3
	if magic == "P5" {
		channels = 1
	}
	if len(pix) < w*h*channels {
		return nil, fmt.Errorf("%d bytes of pixels for %dx%d", len(pix), w, h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		for c := range 3 {
			img.Pix[4*i+c] = pix[channels*i+c%channels]
		}
		img.Pix[4*i+3] = 0xff
	}
	return img, nil
}

// TestGOROOTJPEGs: the JPEGs of GOROOT's image test data that have a PNG
// rendering (the pairs Go's image/decode_test.go uses), decoded by ember,
// against it within the tolerance Go holds its own decoder to (8 per
// sample), and every progressive JPEG there equal to its sequential
// twin. Two renderings upsample subsampled chroma (221212) and subsampled
// G and B (rgb) by replicating samples, where ember, like libjpeg,
// interpolates: they get a bound that allows for it.
func TestGOROOTJPEGs(t *testing.T) {
	dir := testcorpus.GOROOT(t, "src/image/testdata")
	pairs := []struct {
		jpeg, png        string
		maxBound, meanBd float64
	}{
		{"video-001.jpeg", "video-001.png", 8, 1},
		{"video-001.progressive.jpeg", "video-001.png", 8, 1},
		{"video-001.progressive.truncated.jpeg", "video-001.progressive.truncated.png", 8, 1},
		{"video-001.cmyk.jpeg", "video-001.cmyk.png", 8, 1},
		{"video-005.gray.jpeg", "video-005.gray.png", 8, 1},
		{"video-001.221212.jpeg", "video-001.221212.png", 40, 1.5},
		{"video-001.rgb.jpeg", "video-001.rgb.png", 100, 5},
	}
	for _, p := range pairs {
		data, err := os.ReadFile(filepath.Join(dir, p.jpeg))
		if err != nil {
			t.Fatal(err)
		}
		got, err := renderEmber(data)
		if err != nil {
			t.Errorf("%s: %v", p.jpeg, err)
			continue
		}
		maxDiff, mean, err := diff(got, renderReference(readImage(t, filepath.Join(dir, p.png))))
		if err != nil || maxDiff > p.maxBound || mean > p.meanBd {
			t.Errorf("%s against %s: %v; max abs diff %.1f, mean %.3f; want at most %.0f and %.1f", p.jpeg, p.png, err, maxDiff, mean, p.maxBound, p.meanBd)
		}
		t.Logf("%-38s vs %-38s max abs diff %5.1f, mean %.3f", p.jpeg, p.png, maxDiff, mean)
	}
	progressive, err := filepath.Glob(filepath.Join(dir, "*.progressive.jpeg"))
	if err != nil || len(progressive) == 0 {
		t.Fatalf("no progressive JPEGs in %s: %v", dir, err)
	}
	for _, f := range progressive {
		sequential := strings.TrimSuffix(f, ".progressive.jpeg") + ".jpeg"
		var r [2]rendering
		for i, path := range []string{f, sequential} {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if r[i], err = renderEmber(data); err != nil {
				t.Fatalf("%s: %v", filepath.Base(path), err)
			}
		}
		if maxDiff, _, err := diff(r[0], r[1]); err != nil || maxDiff != 0 {
			t.Errorf("%s differs from %s by up to %.1f (%v)", filepath.Base(f), filepath.Base(sequential), maxDiff, err)
		}
	}
}

// TestLibjpegTurboImages: libjpeg-turbo's test images, decoded by ember,
// against their reference decoding testorig.ppm (libjpeg's djpeg, integer
// IDCT, fancy upsampling): the baseline original, its re-encoding with
// the integer DCT and the arithmetic-coded one (SOF9, which Go's
// image/jpeg refuses). They differ from djpeg's output by IDCT and
// color-conversion rounding only. monkey12.jpg (12-bit samples, which Go
// refuses) is held to the 16-bit original it was encoded from,
// monkey16.png, within its compression error.
func TestLibjpegTurboImages(t *testing.T) {
	dir := filepath.Join(testcorpus.Module(t, testcorpus.LibjpegTurbo, testcorpus.LibjpegTurboVersion), "testimages")
	reference := renderReference(readImage(t, filepath.Join(dir, "testorig.ppm")))
	cases := []struct {
		file, reference   string
		maxBound, meanBnd float64
	}{
		{"testorig.jpg", "testorig.ppm", 4, 0.6},
		// Re-encodings of the original: their coefficients differ a little.
		{"testimgint.jpg", "testorig.ppm", 20, 1},
		{"testimgari.jpg", "testorig.ppm", 20, 1},
		{"monkey12.jpg", "monkey16.png", 24, 2},
	}
	for _, c := range cases {
		data, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := renderEmber(data)
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		want := reference
		if c.reference != "testorig.ppm" {
			want = renderReference(readImage(t, filepath.Join(dir, c.reference)))
		}
		maxDiff, mean, err := diff(got, want)
		if err != nil || maxDiff > c.maxBound || mean > c.meanBnd {
			t.Errorf("%s against %s: %v; max abs diff %.1f, mean %.3f; want at most %.0f and %.1f", c.file, c.reference, err, maxDiff, mean, c.maxBound, c.meanBnd)
		}
		t.Logf("%-16s vs %-14s max abs diff %5.1f, mean %.3f", c.file, c.reference, maxDiff, mean)
	}
}
