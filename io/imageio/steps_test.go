package imageio

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"strings"
	"testing"
)

// apply runs steps over img as Tensor does, returning the values and the
// geometry.
func apply(t *testing.T, img image.Image, steps ...Step) ([]float32, *geometry) {
	t.Helper()
	r := rasterOf(img, color.NRGBA{255, 255, 255, 255})
	g, err := compile(steps, r.width, r.height)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, g.channels()*g.x.size*g.y.size)
	for i := range out {
		out[i] = float32(math.NaN()) // every value must be written
	}
	var s resampler
	s.resample(r, g, out)
	for i, v := range out {
		if math.IsNaN(float64(v)) {
			t.Fatalf("value %d not written", i)
		}
	}
	return out, g
}

// rgbImage has pixel (x, y) = fn(x, y).
func rgbImage(w, h int, fn func(x, y int) color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, fn(x, y))
		}
	}
	return img
}

// at is value (c, y, x) of a CHW tensor of width w and height h.
func at(v []float32, w, h, c, y, x int) float32 { return v[c*w*h+y*w+x] }

func near(a, b, tol float32) bool { return math.Abs(float64(a-b)) <= float64(tol) }

func TestResizeOfConstantImageIsConstant(t *testing.T) {
	img := rgbImage(37, 23, func(x, y int) color.NRGBA { return color.NRGBA{200, 100, 50, 255} })
	for _, f := range []Filter{Nearest, Bilinear, Area} {
		for _, steps := range [][]Step{
			{Resize(11, 7, f)},
			{Resize(90, 60, f)},
			{ResizeShorter(10, f), CenterCrop(8, 8)},
			{ResizeLonger(50, f)},
		} {
			out, g := apply(t, img, steps...)
			w, h := g.x.size, g.y.size
			for c, want := range []float32{200, 100, 50} {
				for y := range h {
					for x := range w {
						if v := at(out, w, h, c, y, x); !near(v, want, 1e-3) {
							t.Fatalf("%s: (%d,%d,%d) = %g, want %g", stepList(steps), c, y, x, v, want)
						}
					}
				}
			}
		}
	}
}

func TestSameSizeResizeAndCropKeepPixels(t *testing.T) {
	pix := func(x, y int) color.NRGBA { return color.NRGBA{uint8(x * 9), uint8(y * 13), uint8(x*y + 1), 255} }
	img := rgbImage(20, 15, pix)
	out, _ := apply(t, img, Resize(20, 15, Bilinear))
	for y := range 15 {
		for x := range 20 {
			if v := at(out, 20, 15, 0, y, x); v != float32(pix(x, y).R) {
				t.Fatalf("(%d,%d) red = %g, want %d", x, y, v, pix(x, y).R)
			}
		}
	}
	out, _ = apply(t, img, CenterCrop(10, 5)) // offset (5, 5)
	for y := range 5 {
		for x := range 10 {
			if v := at(out, 10, 5, 1, y, x); v != float32(pix(x+5, y+5).G) {
				t.Fatalf("crop (%d,%d) green = %g, want %d", x, y, v, pix(x+5, y+5).G)
			}
		}
	}
	out, _ = apply(t, img, Crop(3, 4, 2, 2))
	if v := at(out, 2, 2, 2, 1, 1); v != float32(pix(4, 5).B) {
		t.Fatalf("crop (1,1) blue = %g, want %d", v, pix(4, 5).B)
	}
}

func TestAreaHalvingAveragesBlocks(t *testing.T) {
	pix := func(x, y int) color.NRGBA { return color.NRGBA{uint8(x*7 + y*3), 0, 0, 255} }
	img := rgbImage(8, 6, pix)
	out, _ := apply(t, img, Resize(4, 3, Area))
	for y := range 3 {
		for x := range 4 {
			var sum float32
			for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				sum += float32(pix(2*x+d[0], 2*y+d[1]).R)
			}
			if v := at(out, 4, 3, 0, y, x); !near(v, sum/4, 1e-3) {
				t.Fatalf("(%d,%d) = %g, want %g", x, y, v, sum/4)
			}
		}
	}
}

func TestBilinearFollowsGradient(t *testing.T) {
	// A horizontal ramp stays a ramp: output pixel u samples the source
	// at (u + 0.5)·scale − 0.5.
	img := rgbImage(100, 4, func(x, y int) color.NRGBA { return color.NRGBA{uint8(2 * x), 0, 0, 255} })
	out, _ := apply(t, img, Resize(50, 4, Bilinear))
	for u := 1; u < 49; u++ { // away from the edges, where the filter is cut
		want := 2 * (float32(u)*2 + 0.5)
		if v := at(out, 50, 4, 0, 2, u); !near(v, want, 1e-2) {
			t.Fatalf("u=%d: %g, want %g", u, v, want)
		}
	}
	up, _ := apply(t, img, Resize(200, 4, Bilinear))
	for u := 2; u < 197; u++ {
		if at(up, 200, 4, 0, 1, u+1) < at(up, 200, 4, 0, 1, u) {
			t.Fatalf("upscaled ramp falls at %d", u)
		}
	}
}

func TestPadAndPadTo(t *testing.T) {
	img := rgbImage(4, 2, func(x, y int) color.NRGBA { return color.NRGBA{100, 100, 100, 255} })
	out, g := apply(t, img, Pad(1, 2, 3, 4), Scale(0.5), Normalize([]float32{10}, []float32{2}))
	w, h := g.x.size, g.y.size
	if w != 10 || h != 6 {
		t.Fatalf("size %dx%d, want 10x6", w, h)
	}
	pad, inside := float32((0-10)/2.0), float32((50-10)/2.0)
	for y := range h {
		for x := range w {
			want := pad
			if x >= 4 && x < 8 && y >= 1 && y < 3 {
				want = inside
			}
			if v := at(out, w, h, 0, y, x); v != want {
				t.Fatalf("(%d,%d) = %g, want %g", x, y, v, want)
			}
		}
	}
	// Letterbox: a 4x2 image in an 8x8 square.
	out, g = apply(t, img, ResizeLonger(8, Bilinear), PadTo(8, 8))
	if g.x.size != 8 || g.y.size != 8 {
		t.Fatalf("letterbox %dx%d", g.x.size, g.y.size)
	}
	if at(out, 8, 8, 0, 0, 0) != 0 || at(out, 8, 8, 0, 4, 4) != 100 {
		t.Fatalf("letterbox corner %g, centre %g", at(out, 8, 8, 0, 0, 0), at(out, 8, 8, 0, 4, 4))
	}
	// A centre crop larger than the image pads, as torchvision does.
	out, _ = apply(t, img, CenterCrop(6, 4))
	if at(out, 6, 4, 0, 0, 0) != 0 || at(out, 6, 4, 0, 1, 1) != 100 {
		t.Fatalf("crop-pad corner %g, inside %g", at(out, 6, 4, 0, 0, 0), at(out, 6, 4, 0, 1, 1))
	}
}

func TestPixelStepsAndLayout(t *testing.T) {
	img := rgbImage(3, 2, func(x, y int) color.NRGBA { return color.NRGBA{255, uint8(50 * x), uint8(100 * y), 255} })
	chw, _ := apply(t, img, ImageNet(2)...) // resize shorter to 2, crop 2x2
	hwc, g := apply(t, img, append(ImageNet(2), WithLayout(HWC))...)
	if g.channels() != 3 || len(chw) != 12 {
		t.Fatalf("%d channels, %d values", g.channels(), len(chw))
	}
	for c := range 3 {
		for y := range 2 {
			for x := range 2 {
				if a, b := chw[c*4+y*2+x], hwc[(y*2+x)*3+c]; a != b {
					t.Fatalf("CHW (%d,%d,%d) = %g, HWC = %g", c, y, x, a, b)
				}
			}
		}
	}
	// Pure red, normalized as ImageNet: (1 - 0.485) / 0.229.
	red := rgbImage(2, 2, func(x, y int) color.NRGBA { return color.NRGBA{255, 0, 0, 255} })
	out, _ := apply(t, red, ImageNet(2)...)
	if !near(out[0], (1-0.485)/0.229, 1e-4) || !near(out[4], (0-0.456)/0.224, 1e-4) {
		t.Fatalf("normalized red: %v", out)
	}
	gray, g := apply(t, red, Grayscale(), Scale(2))
	if g.channels() != 1 || !near(gray[0], 2*0.299*255, 1e-3) {
		t.Fatalf("grayscale of red = %v (%d channels)", gray, g.channels())
	}
	if _, err := compile([]Step{Grayscale(), Normalize([]float32{1, 2, 3}, []float32{1, 1, 1})}, 4, 4); err == nil {
		t.Fatal("normalizing 1 channel with 3 means did not fail")
	}
}

func TestJPEGColorsMatchTheDecoder(t *testing.T) {
	// A smooth image through JPEG: our chroma interpolation and color
	// conversion must agree with the standard library's pixel colors.
	src := rgbImage(64, 48, func(x, y int) color.NRGBA {
		return color.NRGBA{uint8(60 + 2*x), uint8(40 + 3*y), uint8(200 - x - y), 255}
	})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := apply(t, img, CenterCrop(64, 48))
	worst := float32(0)
	for y := 2; y < 46; y++ {
		for x := 2; x < 62; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			for k, want := range []uint8{c.R, c.G, c.B} {
				worst = max(worst, float32(math.Abs(float64(at(out, 64, 48, k, y, x)-float32(want)))))
			}
		}
	}
	if worst > 4 { // the decoder takes the nearest chroma sample and rounds; we interpolate
		t.Fatalf("largest difference from the decoder's colors: %g", worst)
	}
}

func TestAlphaIsComposited(t *testing.T) {
	straight := image.NewNRGBA(image.Rect(0, 0, 3, 1))
	straight.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 128}) // half red
	straight.SetNRGBA(1, 0, color.NRGBA{0, 0, 255, 0})   // transparent
	straight.SetNRGBA(2, 0, color.NRGBA{0, 255, 0, 255}) // opaque green
	premultiplied := image.NewRGBA(straight.Bounds())
	for x := range 3 {
		premultiplied.Set(x, 0, straight.At(x, 0))
	}
	paletted := image.NewPaletted(straight.Bounds(), color.Palette{
		color.NRGBA{255, 0, 0, 128}, color.NRGBA{0, 0, 255, 0}, color.NRGBA{0, 255, 0, 255},
	})
	paletted.Pix = []uint8{0, 1, 2}
	for name, img := range map[string]image.Image{"nrgba": straight, "rgba": premultiplied, "paletted": paletted} {
		r := rasterOf(img, color.NRGBA{255, 255, 255, 255})
		got := [][3]uint8{}
		for x := range 3 {
			got = append(got, [3]uint8{r.planes[0].at(x, 0), r.planes[1].at(x, 0), r.planes[2].at(x, 0)})
		}
		want := [][3]uint8{{255, 127, 127}, {255, 255, 255}, {0, 255, 0}}
		for x := range want {
			for k := range 3 {
				if d := int(got[x][k]) - int(want[x][k]); d < -1 || d > 1 {
					t.Fatalf("%s over white: pixel %d = %v, want %v", name, x, got[x], want[x])
				}
			}
		}
		black := rasterOf(img, color.NRGBA{0, 0, 0, 255})
		if v := black.planes[0].at(0, 0); v < 127 || v > 129 {
			t.Fatalf("%s: half red over black = %d", name, v)
		}
	}
}

func TestOutputShape(t *testing.T) {
	shape, err := outputShape(ImageNet(224))
	if err != nil || len(shape) != 3 || shape[0] != 3 || shape[1] != 224 || shape[2] != 224 {
		t.Fatalf("ImageNet shape %v, %v", shape, err)
	}
	shape, err = outputShape([]Step{Resize(28, 28, Area), Grayscale(), WithLayout(HWC)})
	if err != nil || shape[0] != 28 || shape[2] != 1 {
		t.Fatalf("gray HWC shape %v, %v", shape, err)
	}
	for _, steps := range [][]Step{nil, {ResizeShorter(256, Bilinear)}, {Scale(2)}} {
		if _, err := outputShape(steps); err == nil || !strings.Contains(err.Error(), "CenterCrop") {
			t.Fatalf("%s: error %v, want one saying how to fix the size", stepList(steps), err)
		}
	}
	for _, bad := range []Step{Resize(0, 4, Bilinear), Resize(4, 4, "cubic"), Pad(-1, 0, 0, 0), WithLayout("nchw"), Normalize(nil, nil), {Op: "blur"}} {
		if _, err := outputShape([]Step{bad, CenterCrop(4, 4)}); err == nil {
			t.Fatalf("%s was accepted", bad)
		}
	}
}
