package frame_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

// writePNG writes a w×h PNG at path.
func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadImages(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "a.png"), 3, 2)
	writePNG(t, filepath.Join(dir, "sub", "b.png"), 7, 5)
	writePNG(t, filepath.Join(dir, "c.PNG"), 1, 1)
	writeFile(t, filepath.Join(dir, "notes.txt"), "not an image")
	writeFile(t, filepath.Join(dir, "_SUCCESS"), "")
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2))
	defer sess.Close()

	df := sess.Read().Images(dir)
	if n, err := df.Count(ctx); err != nil || n != 3 {
		t.Fatalf("Count = %d, %v; want 3", n, err)
	}
	got := collectRows(t, df.Select("path", "width"))
	slices.Sort(got)
	want := []string{
		filepath.Join(dir, "a.png") + "|3",
		filepath.Join(dir, "c.PNG") + "|1",
		filepath.Join(dir, "sub", "b.png") + "|7",
	}
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Fatalf("Select(path, width) = %v, want %v", got, want)
	}
	tbl, err := df.Select("height", "format").Take(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if rows := renderTable(tbl); len(rows) != 1 || !strings.HasSuffix(rows[0], "|png") {
		t.Fatalf("Take(1) = %v", rows)
	}
	if plan := df.Select("path", "width").Explain(); !strings.Contains(plan, "image [path, width] 3 files, 2 partitions") {
		t.Fatalf("Explain:\n%s", plan)
	}
	if _, err := sess.Read().Images(filepath.Join(dir, "missing")).Count(ctx); err == nil || !strings.Contains(err.Error(), "Read().Images") {
		t.Fatalf("reading a missing folder: %v", err)
	}
}
