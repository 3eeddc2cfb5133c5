package imageio

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ember-df/ember/internal/shared"
)

// catsDogs returns the bytes of the shared cat and dog photos.
func catsDogs(b testing.TB) [][]byte {
	dir := shared.Path(b, "data/catsdogs")
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.jpg"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no photos in %s: %v", dir, err)
	}
	var out [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// BenchmarkImageNet decodes a photo and pre-processes it for an ImageNet
// classifier, one image per op, on one goroutine: the d of the issue's
// hardware bound.
func BenchmarkImageNet(b *testing.B) {
	photos := catsDogs(b)
	steps := ImageNet(224)
	dst := make([]float32, 3*224*224)
	var s resampler
	b.ResetTimer()
	for i := range b.N {
		r, _, err := decode(photos[i%len(photos)], decodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		g, err := compile(steps, r.width, r.height)
		if err != nil {
			b.Fatal(err)
		}
		s.resample(r, g, dst)
	}
}

// BenchmarkDecode is the JPEG decoding alone.
func BenchmarkDecode(b *testing.B) {
	photos := catsDogs(b)
	b.ResetTimer()
	for i := range b.N {
		if _, _, err := decode(photos[i%len(photos)], decodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
