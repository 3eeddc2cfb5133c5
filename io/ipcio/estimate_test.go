package ipcio_test

import (
	"os"
	"testing"

	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/plan"
)

// TestEstimatedBytes: an IPC source estimates its size as its files'
// sizes, less for fewer columns, nothing under a zero limit.
func TestEstimatedBytes(t *testing.T) {
	mem := checkedAllocator(t)
	b := fromJSON(t, mem, allTypes, allTypesRows)
	defer b.Release()
	path := writeFile(t, t.TempDir(), "all.arrow", encode(t, ipcio.DefaultOptions(), allTypes, b))
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	src := mustSource(t, []string{path}, ipcio.DefaultOptions())
	estimate := func(s plan.Source) int64 { return sourcetest.EstimatedBytes(t, s) }
	if n := estimate(src); n != info.Size() {
		t.Errorf("every column: %d bytes, want the file's %d", n, info.Size())
	}
	p, err := src.Project([]string{"i8"})
	if err != nil {
		t.Fatal(err)
	}
	if n := estimate(p); n <= 0 || n >= info.Size()/4 {
		t.Errorf("one int8 column: %d bytes of %d", n, info.Size())
	}
	if n := estimate(src.WithLimit(0)); n != 0 {
		t.Errorf("limit 0: %d bytes", n)
	}
}
