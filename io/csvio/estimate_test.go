package csvio_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

// TestEstimatedBytes: a CSV source estimates its size from its files'
// sizes — all of it for every column, less for fewer, five times a
// gzipped file's size, nothing under a zero limit — so joins can
// broadcast it.
func TestEstimatedBytes(t *testing.T) {
	var text strings.Builder
	text.WriteString("id,name,score\n")
	for i := range 2000 {
		text.WriteString(strings.Repeat("x", i%7) + "1,some name,2.5\n")
	}
	dir := t.TempDir()
	plain := writeFile(t, dir, "t.csv", text.String())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text.String()))
	zw.Close()
	packed := filepath.Join(dir, "t.csv.gz")
	if err := os.WriteFile(packed, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := options(func(o *csvio.Options) { o.Header, o.InferSchema = true, true })
	estimate := func(s plan.Source) int64 { return sourcetest.EstimatedBytes(t, s) }
	src, err := csvio.NewSource([]string{plain}, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := estimate(src); n != int64(text.Len()) {
		t.Errorf("every column: %d bytes, want the file's %d", n, text.Len())
	}
	one, err := src.Project([]string{"score"})
	if err != nil {
		t.Fatal(err)
	}
	if n := estimate(one); n <= 0 || n >= int64(text.Len())/2 {
		t.Errorf("one float column of three (one a string): %d bytes of %d", n, text.Len())
	}
	if n := estimate(src.WithLimit(0)); n != 0 {
		t.Errorf("limit 0: %d bytes", n)
	}
	if n := estimate(src.WithLimit(10)); n <= 0 || n > 10*200 {
		t.Errorf("limit 10: %d bytes", n)
	}
	zsrc, err := csvio.NewSource([]string{packed}, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := estimate(zsrc); n != 5*int64(gz.Len()) {
		t.Errorf("gzipped: %d bytes, want five times its %d", n, gz.Len())
	}
}
