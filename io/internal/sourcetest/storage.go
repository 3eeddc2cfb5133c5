package sourcetest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// Codecs are the values of Spark's compression option that compress.
var Codecs = []string{"gzip", "bzip2", "zstd", "lz4", "snappy", "deflate"}

// Compress returns data compressed with the codec of a compression
// option value.
func Compress(t testing.TB, codec string, data []byte) []byte {
	t.Helper()
	c, err := storage.CodecByName(codec)
	if err != nil || c == nil {
		t.Fatalf("codec %q: %v", codec, err)
	}
	var buf bytes.Buffer
	w, err := c.NewWriter(&buf)
	if err == nil {
		_, err = w.Write(data)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var memBuckets atomic.Int64

// MemDir returns a new, empty mem:// directory, dropped when the test
// ends.
func MemDir(t testing.TB) string {
	bucket := fmt.Sprintf("test-%d", memBuckets.Add(1))
	t.Cleanup(func() { storage.DropMemBucket(bucket) })
	return "mem://" + bucket + "/data"
}

// ServeDir serves the local directory dir over HTTP (with Range support)
// until the test ends, and returns its base URL.
func ServeDir(t testing.TB, dir string) string {
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// CheckCompressed checks a line-oriented format's reading of compressed
// files: content written plainly and compressed with every codec (under
// name plus the codec's extension) reads the same rows, each compressed
// file as one partition (even with tiny splits, which cut the plain
// file) whose EXPLAIN line says so; and a truncated gzip file is an
// error naming the file, prefixed by the format's package name (pkg).
// open opens a source over paths with splits of a few bytes.
func CheckCompressed(t *testing.T, pkg, name string, content []byte, open func(paths []string) (plan.Source, error)) {
	t.Helper()
	dir := MemDir(t)
	plain := WriteFile(t, dir, name, content)
	src, err := open([]string{plain})
	if err != nil {
		t.Fatal(err)
	}
	if src.Partitions() < 2 {
		t.Fatalf("the plain file is %d partition; the test wants it split", src.Partitions())
	}
	want := MustScan(t, src, plan.ScanOptions{}).Rows
	for _, codec := range Codecs {
		c, _ := storage.CodecByName(codec)
		path := WriteFile(t, dir, name+"."+c.Extension(), Compress(t, codec, content))
		src, err := open([]string{path})
		if err != nil {
			t.Errorf("%s: %v", codec, err)
			continue
		}
		if n := src.Partitions(); n != 1 {
			t.Errorf("%s: %d partitions, want 1 (a compressed file is not split)", codec, n)
		}
		if note := "(" + codec + ": not split)"; !strings.Contains(src.String(), note) {
			t.Errorf("%s: EXPLAIN %q does not say %s", codec, src, note)
		}
		got := MustScan(t, src, plan.ScanOptions{BatchRows: 7})
		if d := DiffRows(got.Rows, want); d != "" {
			t.Errorf("%s: rows differ from the plain file's:\n%s", codec, d)
		}
	}
	gz := Compress(t, "gzip", content)
	truncated := WriteFile(t, dir, "truncated/"+name+".gz", gz[:len(gz)/2])
	src, err = open([]string{truncated})
	if err == nil {
		_, err = Scan(t, src, plan.ScanOptions{})
	}
	if want := fmt.Sprintf("%s: reading %q: gzip: unexpected EOF", pkg, truncated); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("truncated gzip file: %v\nwant an error with %s", err, want)
	}
}

// CheckBackends checks that a format reads a file the same from every
// filesystem: content written as sub/name on local disk, in mem:// (named
// directly, by its directory — beside a _SUCCESS and a hidden file, which
// are skipped — and by a glob) and served over HTTP reads the same rows;
// an unknown scheme is an error naming it. open opens a source over
// paths.
func CheckBackends(t *testing.T, name string, content []byte, open func(paths []string) (plan.Source, error)) {
	t.Helper()
	local := t.TempDir()
	rows := func(what string, paths ...string) []string {
		t.Helper()
		src, err := open(paths)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return MustScan(t, src, plan.ScanOptions{}).Rows
	}
	want := rows("local disk", WriteFile(t, local, "sub/"+name, content))
	if len(want) == 0 {
		t.Fatal("the file has no rows")
	}
	mem := MemDir(t)
	WriteFile(t, mem, "sub/"+name, content)
	WriteFile(t, mem, "sub/_SUCCESS", nil)
	WriteFile(t, mem, "sub/.hidden", []byte("not data"))
	ext := name[strings.LastIndex(name, "."):]
	cases := map[string][]string{
		"mem:// file":      {storage.Join(mem, "sub/"+name)},
		"mem:// directory": {storage.Join(mem, "sub")},
		"mem:// glob":      {storage.Join(mem, "s?b/*"+ext)},
		"http":             {ServeDir(t, local) + "/sub/" + name},
	}
	for what, paths := range cases {
		if d := DiffRows(rows(what, paths...), want); d != "" {
			t.Errorf("%s: rows differ from local disk's:\n%s", what, d)
		}
	}
	_, err := open([]string{"nope://bucket/" + name})
	if err == nil || !strings.Contains(err.Error(), `no filesystem for scheme "nope"`) {
		t.Errorf("unknown scheme: %v", err)
	}
}

// CheckCompressedWrite checks a format's compression option: batch
// written with format(codec) for every codec (and with none) goes to a
// file named part.<Extension()>, whose extension is the format's ext
// followed by the codec's, and open reads back the rows of the
// uncompressed file.
func CheckCompressedWrite(t *testing.T, ext string, batch arrow.RecordBatch, format func(compression string) plan.FileFormat, open func(paths []string) (plan.Source, error)) {
	t.Helper()
	dir := MemDir(t)
	write := func(compression string) []string {
		t.Helper()
		f := format(compression)
		wantExt := ext
		if c, _ := storage.CodecByName(compression); c != nil {
			wantExt += "." + c.Extension()
		}
		if f.Extension() != wantExt {
			t.Errorf("compression %q: extension %q, want %q", compression, f.Extension(), wantExt)
		}
		path := WriteFile(t, dir, compression+"/part."+f.Extension(), Encode(t, f, batch.Schema(), batch))
		src, err := open([]string{path})
		if err != nil {
			t.Fatalf("compression %q: %v", compression, err)
		}
		return MustScan(t, src, plan.ScanOptions{}).Rows
	}
	want := write("none")
	if len(want) != int(batch.NumRows()) {
		t.Fatalf("read back %d rows, wrote %d", len(want), batch.NumRows())
	}
	for _, codec := range Codecs {
		if d := DiffRows(write(codec), want); d != "" {
			t.Errorf("%s: rows differ from the uncompressed file's:\n%s", codec, d)
		}
	}
}

// Encode writes batches of schema s as one part file with format and
// returns its bytes.
func Encode(t testing.TB, format plan.FileFormat, s *arrow.Schema, batches ...arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := format.NewWriter(&buf, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
