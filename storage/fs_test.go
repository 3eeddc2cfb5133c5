package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/ember-df/ember/storage"
	"github.com/ember-df/ember/storage/storagetest"
)

func TestLocal(t *testing.T) { storagetest.Run(t, t.TempDir()) }

func TestLocalFileURL(t *testing.T) { storagetest.Run(t, "file://"+filepath.ToSlash(t.TempDir())) }

func TestMem(t *testing.T) {
	t.Cleanup(func() { storage.DropMemBucket("fs-test") })
	storagetest.Run(t, "mem://fs-test/some/prefix")
}

func TestMemBucketRoot(t *testing.T) {
	t.Cleanup(func() { storage.DropMemBucket("fs-root") })
	storagetest.Run(t, "mem://fs-root")
}

func TestDropMemBucket(t *testing.T) {
	ctx := context.Background()
	if err := storage.WriteFile(ctx, "mem://drop/x", []byte("1")); err != nil {
		t.Fatal(err)
	}
	storage.DropMemBucket("drop")
	if _, err := storage.Stat(ctx, "mem://drop/x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after DropMemBucket, Stat = %v", err)
	}
}

func TestMemWriterCancelled(t *testing.T) {
	t.Cleanup(func() { storage.DropMemBucket("cancel") })
	ctx, cancel := context.WithCancel(context.Background())
	w, err := storage.Create(ctx, "mem://cancel/x")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("data"))
	cancel()
	if err := w.Close(); !errors.Is(err, context.Canceled) {
		t.Errorf("Close after cancel = %v", err)
	}
	if _, err := storage.Stat(context.Background(), "mem://cancel/x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a cancelled write is visible: %v", err)
	}
}

func TestLocalCreateLeavesNoTemporary(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w, err := storage.Create(ctx, filepath.Join(dir, "sub", "f.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("x"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("Abort after Close = %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "sub"))
	if len(entries) != 1 || entries[0].Name() != "f.csv" {
		t.Errorf("directory holds %v, want f.csv only", entries)
	}
	info, _ := os.Stat(filepath.Join(dir, "sub", "f.csv"))
	if info.Mode().Perm()&0o044 == 0 {
		t.Errorf("created with mode %v: not readable by others as os.Create's files are", info.Mode())
	}
}

func TestRename(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	from, to := filepath.Join(dir, "a"), filepath.Join(dir, "x", "b")
	if err := storage.WriteFile(ctx, from, []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := storage.Rename(ctx, from, to); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(to); err != nil || string(b) != "1" {
		t.Errorf("renamed file: %q, %v", b, err)
	}
	t.Cleanup(func() { storage.DropMemBucket("ren") })
	storage.WriteFile(ctx, "mem://ren/a", []byte("1"))
	if err := storage.Rename(ctx, "mem://ren/a", "mem://ren/b"); !errors.Is(err, storage.ErrNotSupported) {
		t.Errorf("Rename on mem:// = %v, want ErrNotSupported", err)
	}
	if _, ok := mustResolve(t, "mem://ren/a").(storage.Renamer); ok {
		t.Error("mem:// claims to rename")
	}
	if _, ok := mustResolve(t, dir).(storage.Renamer); !ok {
		t.Error("local disk does not rename")
	}
}

func mustResolve(t *testing.T, path string) storage.FS {
	fsys, err := storage.Resolve(path)
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

func TestUnsupportedScheme(t *testing.T) {
	_, err := storage.Stat(context.Background(), "s3://b/x.csv")
	want := `storage: unsupported scheme: no filesystem for scheme "s3" in "s3://b/x.csv" (supported: file, mem, http, https; ` +
		`s3, gs and azblob need import _ "github.com/ember-df/ember/storage/cloud")`
	if err == nil || err.Error() != want || !errors.Is(err, storage.ErrUnsupportedScheme) {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if _, err := storage.Open(context.Background(), "ftp://host/x"); err == nil || !strings.Contains(err.Error(), `scheme "ftp"`) {
		t.Errorf("ftp: %v", err)
	}
}

func TestScheme(t *testing.T) {
	cases := map[string]string{
		"/a/b.csv": "file", "a.csv": "file", "file:///a": "file", "S3://b/k": "s3", "mem://b": "mem",
		"c:/x": "file", "weird name://x": "file", "https://h/x": "https",
	}
	for path, want := range cases {
		if got := storage.Scheme(path); got != want {
			t.Errorf("Scheme(%q) = %q, want %q", path, got, want)
		}
	}
	if p, ok := storage.LocalPath("file:///tmp/a b?"); !ok || p != "/tmp/a b?" {
		t.Errorf("LocalPath = %q, %v", p, ok)
	}
	if _, ok := storage.LocalPath("file://otherhost/x"); ok {
		t.Error("file://otherhost is local")
	}
	if got := storage.Join("s3://b/dir/", "x/y.csv"); got != "s3://b/dir/x/y.csv" {
		t.Errorf("Join = %q", got)
	}
}

// rangeServer serves files from dir; with ranges false it ignores Range
// headers and sends whole bodies, as some servers do.
func rangeServer(t *testing.T, dir string, ranges bool) *httptest.Server {
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ranges {
			r.Header.Del("Range")
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTP(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := make([]byte, 300<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	os.WriteFile(filepath.Join(dir, "f.bin"), data, 0o644)
	for _, ranges := range []bool{true, false} {
		srv := rangeServer(t, dir, ranges)
		url := srv.URL + "/f.bin"
		info, err := storage.Stat(ctx, url)
		if err != nil || info.Size != int64(len(data)) || info.IsDir {
			t.Fatalf("Stat = %+v, %v", info, err)
		}
		if b, err := storage.ReadFile(ctx, url); err != nil || !bytes.Equal(b, data) {
			t.Errorf("ReadFile: %d bytes, %v", len(b), err)
		}
		for _, r := range [][2]int64{{10, 20}, {0, -1}, {299 << 10, -1}, {299 << 10, 5 << 10}, {300 << 10, 4}, {400 << 10, 4}} {
			rc, err := storage.OpenRange(ctx, url, r[0], r[1])
			if err != nil {
				t.Fatalf("OpenRange(%v): %v", r, err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			want := data[min(r[0], int64(len(data))):]
			if r[1] >= 0 && r[1] < int64(len(want)) {
				want = want[:r[1]]
			}
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("ranges=%v OpenRange(%v) = %d bytes, %v; want %d", ranges, r, len(got), err, len(want))
			}
		}
		f, err := storage.OpenFile(ctx, url, -1)
		if err != nil {
			t.Fatal(err)
		}
		checkReadAt(t, f, data)
		f.Close()
		if _, err := storage.Stat(ctx, srv.URL+"/nope"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(missing) = %v, want fs.ErrNotExist", err)
		}
	}
	srv := rangeServer(t, dir, true)
	if _, err := storage.List(ctx, srv.URL+"/"); !errors.Is(err, storage.ErrNotSupported) {
		t.Errorf("List = %v, want ErrNotSupported", err)
	}
	if _, err := storage.Glob(ctx, srv.URL+"/*.bin"); !errors.Is(err, storage.ErrNotSupported) {
		t.Errorf("Glob = %v, want ErrNotSupported", err)
	}
	if _, err := storage.Create(ctx, srv.URL+"/new"); !errors.Is(err, storage.ErrReadOnly) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Create = %v, want ErrReadOnly", err)
	}
	if err := storage.Remove(ctx, srv.URL+"/f.bin"); !errors.Is(err, storage.ErrReadOnly) {
		t.Errorf("Remove = %v, want ErrReadOnly", err)
	}
}

// checkReadAt compares random reads of f, some concurrent, with data.
func checkReadAt(t *testing.T, f storage.File, data []byte) {
	t.Helper()
	if f.Size() != int64(len(data)) {
		t.Fatalf("Size = %d, want %d", f.Size(), len(data))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range 200 {
				off := rng.Int64N(int64(len(data)) + 10)
				p := make([]byte, rng.IntN(100<<10))
				n, err := f.ReadAt(p, off)
				end := min(off+int64(len(p)), int64(len(data)))
				want := data[min(off, end):end]
				if n != len(want) || !bytes.Equal(p[:n], want) {
					t.Errorf("ReadAt(%d bytes at %d) = %d bytes, want %d", len(p), off, n, len(want))
					return
				}
				if short := n < len(p); short && err != io.EOF || !short && err != nil {
					t.Errorf("ReadAt(%d bytes at %d): n %d, err %v", len(p), off, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestRangeFile(t *testing.T) {
	// Closing a file stops its fetch in the background.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	t.Cleanup(func() { storage.DropMemBucket("range") })
	data := make([]byte, 20<<20)
	for i := range data {
		data[i] = byte(i ^ i>>9)
	}
	const path = "mem://range/f.bin"
	if err := storage.WriteFile(ctx, path, data); err != nil {
		t.Fatal(err)
	}
	f, err := storage.OpenFile(ctx, path, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	checkReadAt(t, f, data)
	f.Close()
	if _, err := f.ReadAt(make([]byte, 1), 0); err == nil {
		t.Error("ReadAt after Close gave no error")
	}

	// Sequential 1 MiB reads, as the CSV reader makes, grow the ranges.
	f, _ = storage.OpenFile(ctx, path, int64(len(data)))
	before := storage.ReadStatsOf("mem")
	p := make([]byte, 1<<20)
	for off := int64(0); off < int64(len(data)); off += int64(len(p)) {
		if _, err := f.ReadAt(p, off); err != nil && err != io.EOF {
			t.Fatal(err)
		}
	}
	seq := storage.ReadStatsOf("mem")
	if got := seq.Bytes - before.Bytes; got != int64(len(data)) {
		t.Errorf("a sequential read fetched %d bytes, want %d", got, len(data))
	}
	if opens := seq.Opens - before.Opens; opens > 10 {
		t.Errorf("a sequential read of 20 MiB made %d requests, want at most 10", opens)
	}
	// Small reads far apart fetch little more than they ask for.
	for off := int64(0); off < int64(len(data)); off += 2 << 20 {
		f.ReadAt(make([]byte, 100), off)
	}
	if got := storage.ReadStatsOf("mem").Bytes - seq.Bytes; got > 10*(64<<10) {
		t.Errorf("10 reads of 100 bytes fetched %d bytes", got)
	}
	f.Close()
}
