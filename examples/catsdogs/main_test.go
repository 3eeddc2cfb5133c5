package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/internal/shared"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

// checkOutput reads the part files: a header, then img_path,prediction
// rows with Cat or Dog.
func checkOutput(t *testing.T, out string, rows int) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err != nil {
		t.Fatalf("no _SUCCESS: %v", err)
	}
	parts, _ := filepath.Glob(filepath.Join(out, "part-*.csv"))
	n := 0
	for _, p := range parts {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if lines[0] != "img_path,prediction" {
			t.Fatalf("%s: header %q", p, lines[0])
		}
		for _, l := range lines[1:] {
			if !strings.HasSuffix(l, ",Cat") && !strings.HasSuffix(l, ",Dog") {
				t.Fatalf("%s: row %q", p, l)
			}
			n++
		}
	}
	if n != rows {
		t.Fatalf("%d rows in %d part files, want %d", n, len(parts), rows)
	}
}

func TestCatsAndDogs(t *testing.T) {
	onnxtest.RequireRuntime(t)
	images := shared.Path(t, "data/catsdogs")
	out := filepath.Join(t.TempDir(), "output")
	if err := os.MkdirAll(out, 0o755); err != nil { // overwrite mode replaces it
		t.Fatal(err)
	}
	rep, err := run(context.Background(), images, out, 10)
	if err != nil {
		t.Fatal(err)
	}
	if rep.images != 100 || rep.labeled != 100 {
		t.Fatalf("%d images, %d labeled; want 100 of each", rep.images, rep.labeled)
	}
	if acc := float64(rep.right) / float64(rep.labeled); acc < 0.85 {
		t.Fatalf("accuracy %.2f (%d of %d), want at least 0.85", acc, rep.right, rep.labeled)
	}
	checkOutput(t, out, 100)
}

func TestAnyFolderOfImages(t *testing.T) {
	onnxtest.RequireRuntime(t)
	images := shared.Path(t, "data/images") // JPEG and PNGs, no cat/ or dog/
	out := filepath.Join(t.TempDir(), "output")
	rep, err := run(context.Background(), images, out, 2)
	if err != nil {
		t.Fatal(err)
	}
	if rep.images != 5 || rep.labeled != 0 {
		t.Fatalf("%d images, %d labeled; want 5 and 0", rep.images, rep.labeled)
	}
	checkOutput(t, out, 5)
}
