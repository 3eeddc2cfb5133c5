package sourcetest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
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
// an unknown scheme is an error naming it. On local disk, a directory of
// symbolic links to the file (absolute and relative), a link to that
// directory, and a directory holding the file beside a named pipe, a
// socket and a link to a device (which are skipped) read the same rows; a
// named pipe named directly is an error wrapping storage.ErrNotRegular,
// returned without blocking. open opens a source over paths.
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
	checkLocalLinks(t, local, name, want, rows, open)
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

// checkLocalLinks is CheckBackends' part on symbolic links and files that
// are not regular; local/sub/name holds the file whose rows are want.
func checkLocalLinks(t *testing.T, local, name string, want []string, rows func(what string, paths ...string) []string, open func(paths []string) (plan.Source, error)) {
	t.Helper()
	file := filepath.Join(local, "sub", name)
	links := filepath.Join(local, "links")
	if err := os.Mkdir(links, 0o755); err != nil {
		t.Fatal(err)
	}
	ext := filepath.Ext(name)
	mustLink(t, file, filepath.Join(links, "abs"+ext))
	mustLink(t, filepath.Join("..", "sub", name), filepath.Join(links, "rel"+ext))
	twice := append(append([]string(nil), want...), want...)
	if d := DiffRows(rows("directory of links", links), twice); d != "" {
		t.Errorf("directory of symbolic links: rows differ from the file's twice:\n%s", d)
	}
	dirLink := filepath.Join(local, "dirlink")
	mustLink(t, filepath.Join(local, "sub"), dirLink)
	if d := DiffRows(rows("link to a directory", dirLink), want); d != "" {
		t.Errorf("link to a directory: rows differ from the file's:\n%s", d)
	}
	// A named pipe, a socket and a device beside the file are skipped.
	odd := filepath.Join(local, "odd")
	if err := os.Mkdir(odd, 0o755); err != nil {
		t.Fatal(err)
	}
	mustLink(t, file, filepath.Join(odd, name))
	fifo := filepath.Join(odd, "pipe"+ext)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(odd, "sock"+ext))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	mustLink(t, os.DevNull, filepath.Join(odd, "null"+ext))
	if d := DiffRows(rows("directory with a named pipe", odd), want); d != "" {
		t.Errorf("directory with a named pipe, a socket and a device: rows differ from the file's:\n%s", d)
	}
	if d := DiffRows(rows("glob over a named pipe", filepath.Join(odd, "*"+ext)), want); d != "" {
		t.Errorf("glob matching a named pipe, a socket and a device: rows differ from the file's:\n%s", d)
	}
	// Named directly, a named pipe is refused before it is opened (opening
	// it would wait for a writer forever); the test's timeout bounds this.
	for _, p := range []string{fifo, filepath.Join(odd, "null"+ext)} {
		src, err := open([]string{p})
		if err == nil {
			_, err = Scan(t, src, plan.ScanOptions{})
		}
		if !errors.Is(err, storage.ErrNotRegular) {
			t.Errorf("%s named directly: %v, want an error wrapping storage.ErrNotRegular", p, err)
		}
	}
}

func mustLink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// CheckChanged checks that a file cut short between planning and reading
// (content, then its first half) is an error wrapping storage.ErrChanged
// that gives both sizes, not a bare EOF or a corrupt-file error. It is for
// the formats that read by offset within the listed size.
func CheckChanged(t *testing.T, name string, content []byte, open func(paths []string) (plan.Source, error)) {
	t.Helper()
	path := WriteFile(t, t.TempDir(), name, content)
	src, err := open([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, content[:len(content)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Scan(t, src, plan.ScanOptions{})
	if !errors.Is(err, storage.ErrChanged) || !strings.Contains(err.Error(), fmt.Sprintf("%d bytes then, %d now", len(content), len(content)/2)) {
		t.Errorf("a file cut short after planning: %v, want an error wrapping storage.ErrChanged with both sizes", err)
	}
}
