package ipcio_test

import (
	"bytes"
	"testing"

	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/plan"
)

func TestFormatNames(t *testing.T) {
	cases := []struct {
		o   ipcio.Options
		ext string
	}{
		{ipcio.Options{}, "arrow"},
		{options(ipcio.LayoutFile, ipcio.Zstd), "arrow"},
		{options(ipcio.LayoutAuto, ""), "arrow"},
		{options(ipcio.LayoutStream, ipcio.LZ4), "arrows"},
	}
	for _, c := range cases {
		f := ipcio.Format{Options: c.o}
		if f.Name() != "arrow" || f.Extension() != c.ext {
			t.Errorf("%+v: name %q, extension %q, want arrow, %s", c.o, f.Name(), f.Extension(), c.ext)
		}
	}
	if _, err := (ipcio.Format{Options: ipcio.Options{Compression: "gzip"}}).NewWriter(&bytes.Buffer{}, allTypes); err == nil {
		t.Error("NewWriter took compression gzip")
	}
}

// TestEmptyOutput checks that a part file without batches still records
// its schema.
func TestEmptyOutput(t *testing.T) {
	for _, l := range layouts {
		t.Run(string(l), func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "empty", encode(t, options(l, ""), allTypes))
			src := mustSource(t, []string{path}, options(ipcio.LayoutAuto, ""))
			if !src.Schema().Equal(allTypes) || src.Partitions() != 1 {
				t.Fatalf("schema %s, %d partitions", src.Schema(), src.Partitions())
			}
			if res := mustScan(t, src, plan.ScanOptions{}); len(res.rows) != 0 {
				t.Fatalf("read %d rows", len(res.rows))
			}
		})
	}
}

// closeRecorder is an io.Writer that notes being closed.
type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestWriter(t *testing.T) {
	mem := checkedAllocator(t)
	b := fromJSON(t, mem, allTypes, allTypesRows)
	defer b.Release()
	other := schema("x", tInt64)
	for _, l := range layouts {
		t.Run(string(l), func(t *testing.T) {
			var out closeRecorder
			w, err := ipcio.Format{Options: options(l, "")}.NewWriter(&out, allTypes)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(b); err != nil {
				t.Fatal(err)
			}
			wrong := fromJSON(t, mem, other, `[{"x": 1}]`)
			defer wrong.Release()
			errorHas(t, w.Write(wrong), "schema")
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal("second Close:", err)
			}
			if out.closed {
				t.Fatal("Close closed the io.Writer")
			}
			errorHas(t, w.Write(b), "Close")
			path := writeFile(t, t.TempDir(), "w", out.Bytes())
			if res := mustScan(t, mustSource(t, []string{path}, options(l, "")), plan.ScanOptions{}); len(res.rows) != 3 {
				t.Fatalf("read %d rows", len(res.rows))
			}
		})
	}
}

// TestCompression checks that the codecs compress, and that what they
// write reads back.
func TestCompression(t *testing.T) {
	mem := checkedAllocator(t)
	bs := numbered(mem, 0, 4, 5000)
	defer release(bs)
	want := rowsOf(bs...)
	size := map[ipcio.Compression]int{}
	for _, c := range []ipcio.Compression{ipcio.Uncompressed, ipcio.LZ4, ipcio.Zstd} {
		data := encode(t, options(ipcio.LayoutFile, c), bs[0].Schema(), bs...)
		size[c] = len(data)
		path := writeFile(t, t.TempDir(), "c.arrow", data)
		if d := diffRows(mustScan(t, mustSource(t, []string{path}, ipcio.DefaultOptions()), plan.ScanOptions{}).rows, want); d != "" {
			t.Fatalf("%s: %s", c, d)
		}
	}
	if size[ipcio.LZ4] >= size[ipcio.Uncompressed]*3/4 || size[ipcio.Zstd] >= size[ipcio.LZ4] {
		t.Fatalf("sizes %v: want zstd < lz4 < 3/4 of none", size)
	}
}
