package testcorpus_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ember-df/ember/internal/testcorpus"
)

func TestModule(t *testing.T) {
	dir := testcorpus.Module(t, LibjpegTurbo, LibjpegTurboVersion)
	if _, err := os.Stat(filepath.Join(dir, "testimages", "testorig.jpg")); err != nil {
		t.Fatalf("libjpeg-turbo's test images are not in %s: %v", dir, err)
	}
	// A second call answers from memory with the same directory.
	if again := testcorpus.Module(t, LibjpegTurbo, LibjpegTurboVersion); again != dir {
		t.Fatalf("second call: %s, want %s", again, dir)
	}
}

func TestGOROOT(t *testing.T) {
	dir := testcorpus.GOROOT(t, "src/image/png/testdata/pngsuite")
	if _, err := os.Stat(filepath.Join(dir, "basn0g01.png")); err != nil {
		t.Fatal(err)
	}
}

const (
	LibjpegTurbo        = testcorpus.LibjpegTurbo
	LibjpegTurboVersion = testcorpus.LibjpegTurboVersion
)
