package jpeg

import (
	"bytes"
	"image"
	stdjpeg "image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// benchImages are the JPEGs both decoders read, baseline and progressive:
// a 1024×768 4:2:0 photo-like image encoded here, and GOROOT's
// progressive test image.
func benchImages(b *testing.B) map[string][]byte {
	b.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, 1024, 768), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range img.Y {
		img.Y[i] = uint8(i%1024/4 + rng.IntN(32)) // gradients with noise
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(i%512/2), uint8(rng.IntN(64)+96)
	}
	var buf bytes.Buffer
	if err := stdjpeg.Encode(&buf, img, &stdjpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	images := map[string][]byte{"baseline-1024x768-420": buf.Bytes()}
	progressive, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "src", "image", "testdata", "video-001.progressive.jpeg"))
	if err == nil {
		images["progressive-150x103-444"] = progressive
	}
	return images
}

// BenchmarkDecode compares this decoder with Go's image/jpeg, from which
// it was copied, on the JPEGs both read: the extensions must not slow
// down ordinary baseline and progressive decoding.
func BenchmarkDecode(b *testing.B) {
	for name, data := range benchImages(b) {
		b.Run(name+"/ember", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/image-jpeg", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := stdjpeg.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
