package storage_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ember-df/ember/storage"
)

// writeFile writes data at dir/name, making directories.
func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestLocalListFollowsLinks: links to files are listed with the size of
// the file they point to; links to directories are walked; the root may be
// a link; dangling links are skipped.
func TestLocalListFollowsLinks(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	real := filepath.Join(base, "real")
	writeFile(t, filepath.Join(real, "a.csv"), strings.Repeat("x", 1000))
	writeFile(t, filepath.Join(real, "sub", "b.csv"), strings.Repeat("y", 2000))
	data := filepath.Join(base, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, filepath.Join(real, "a.csv"), filepath.Join(data, "abs.csv"))
	symlink(t, "../real/a.csv", filepath.Join(data, "rel.csv"))                  // relative to the link
	symlink(t, filepath.Join(data, "rel.csv"), filepath.Join(data, "chain.csv")) // a link to a link
	symlink(t, filepath.Join(real, "sub"), filepath.Join(data, "dirlink"))
	symlink(t, filepath.Join(base, "nowhere"), filepath.Join(data, "dangling.csv"))
	rootLink := filepath.Join(base, "rootlink")
	symlink(t, data, rootLink)

	want := map[string]int64{"abs.csv": 1000, "chain.csv": 1000, "dirlink/b.csv": 2000, "rel.csv": 1000}
	for _, dir := range []string{data, rootLink, "file://" + rootLink} {
		got, err := storage.List(ctx, dir)
		if err != nil {
			t.Fatalf("List(%s): %v", dir, err)
		}
		if len(got) != len(want) {
			t.Fatalf("List(%s) = %+v, want %d files", dir, got, len(want))
		}
		for _, f := range got {
			rel := strings.TrimPrefix(f.Path, dir+"/")
			if size, ok := want[rel]; !ok || f.Size != size {
				t.Errorf("List(%s): %s of %d bytes, want %v", dir, f.Path, f.Size, want)
			}
		}
	}
	for name, size := range map[string]int64{"abs.csv": 1000, "chain.csv": 1000} {
		info, err := storage.Stat(ctx, filepath.Join(rootLink, name))
		if err != nil || info.Size != size {
			t.Errorf("Stat(%s) = %+v, %v; want %d bytes", name, info, err, size)
		}
	}
	got, err := storage.Glob(ctx, filepath.Join(data, "*.csv"))
	if err != nil || len(got) != 3 {
		t.Errorf("Glob = %+v, %v; want the 3 linked files, not the dangling one", got, err)
	}
	for _, f := range got {
		if f.Size != 1000 {
			t.Errorf("Glob: %s of %d bytes, want 1000", f.Path, f.Size)
		}
	}
}

// TestLocalListLinkLoop: a link back to a directory above it is an error
// naming the link, not an endless walk.
func TestLocalListLinkLoop(t *testing.T) {
	base := t.TempDir()
	writeFile(t, filepath.Join(base, "d", "a.csv"), "1\n")
	symlink(t, "..", filepath.Join(base, "d", "up"))
	_, err := storage.List(context.Background(), base)
	if err == nil || !strings.Contains(err.Error(), "loop") || !strings.Contains(err.Error(), filepath.Join(base, "d", "up")) {
		t.Errorf("List over a loop = %v, want an error naming the link", err)
	}
	// Two links to one directory are not a loop.
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "t", "x.csv"), "1\n")
	symlink(t, filepath.Join(other, "t"), filepath.Join(other, "l1"))
	symlink(t, filepath.Join(other, "t"), filepath.Join(other, "l2"))
	got, err := storage.List(context.Background(), other)
	if err != nil || len(got) != 3 {
		t.Errorf("List = %+v, %v; want t/x.csv through three paths", got, err)
	}
}

// nonRegular makes a named pipe, a socket and a link to a device in dir.
func nonRegular(t *testing.T, dir string) (fifo, sock, dev string) {
	t.Helper()
	fifo = filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock = filepath.Join(dir, "sock.csv")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	dev = filepath.Join(dir, "null.csv")
	symlink(t, os.DevNull, dev)
	return fifo, sock, dev
}

// TestLocalNonRegular: named pipes, sockets and devices are skipped in
// listings and refused by name, without blocking.
func TestLocalNonRegular(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.csv"), "1\n")
	fifo, sock, dev := nonRegular(t, dir)

	got, err := storage.List(ctx, dir)
	if err != nil || len(got) != 1 || got[0].Path != filepath.Join(dir, "a.csv") {
		t.Errorf("List = %+v, %v; want a.csv only", got, err)
	}
	got, err = storage.Glob(ctx, filepath.Join(dir, "*.csv"))
	if err != nil || len(got) != 1 {
		t.Errorf("Glob = %+v, %v; want a.csv only", got, err)
	}
	for _, p := range []string{fifo, sock, dev} {
		if _, err := storage.Stat(ctx, p); !errors.Is(err, storage.ErrNotRegular) || !strings.Contains(err.Error(), p) {
			t.Errorf("Stat(%s) = %v, want ErrNotRegular naming it", p, err)
		}
		if _, err := storage.List(ctx, p); !errors.Is(err, storage.ErrNotRegular) {
			t.Errorf("List(%s) = %v, want ErrNotRegular", p, err)
		}
		// Opening a named pipe with no writer would block forever: each
		// open must return (the test's own timeout is the bound).
		done := make(chan error, 3)
		go func() {
			_, err := storage.OpenFile(ctx, p, -1)
			done <- err
			_, err = storage.Open(ctx, p)
			done <- err
			_, err = storage.OpenRange(ctx, p, 0, 10)
			done <- err
		}()
		for range 3 {
			select {
			case err := <-done:
				if !errors.Is(err, storage.ErrNotRegular) {
					t.Errorf("open %s = %v, want ErrNotRegular", p, err)
				}
			case <-time.After(time.Minute):
				t.Fatalf("opening %s blocked", p)
			}
		}
	}
	if err := os.Remove(fifo); err != nil {
		t.Fatal(err)
	}
}

// TestLocalFileChanged: a file whose size is not the listed one is an
// error that says so, with both sizes.
func TestLocalFileChanged(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "t.csv")
	writeFile(t, p, "a,b\n1,2\n3,4\n")
	info, err := storage.Stat(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, "a,b\n")
	_, err = storage.OpenFile(ctx, p, info.Size)
	if !errors.Is(err, storage.ErrChanged) || !strings.Contains(err.Error(), "12 bytes then, 4 now") {
		t.Errorf("OpenFile of a shrunk file = %v, want ErrChanged with both sizes", err)
	}
	f, err := storage.OpenFile(ctx, p, 4)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
	f.Close()
	if err != nil || string(data) != "a,b\n" {
		t.Errorf("read %q, %v", data, err)
	}
}
