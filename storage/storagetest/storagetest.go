// Package storagetest checks that a filesystem behaves as package storage
// documents, the same way for every backend: the storage tests run it on
// local disk and mem://, storage/cloud's on a real S3-compatible server.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/ember-df/ember/storage"
)

// Files are the files Run writes below its root, by relative path.
var Files = map[string]string{
	"a.csv":          "x\n1\n",
	"dir/b.csv":      "x\n2\n",
	"dir/sub/c.txt":  "hello",
	"dir2/d.csv":     "x\n4\n",
	"_SUCCESS":       "",
	"dir.csv/e.json": "{}\n",
}

// Run checks Stat, List, Open, OpenRange, OpenFile, Glob, Create (with
// Close and Abort), Remove and RemoveAll below root, an empty directory
// of a writable filesystem (t.TempDir(), mem://bucket/prefix,
// s3://bucket/prefix).
func Run(t *testing.T, root string) {
	ctx := context.Background()
	for rel, data := range Files {
		if err := storage.WriteFile(ctx, storage.Join(root, rel), []byte(data)); err != nil {
			t.Fatalf("writing %s: %v", rel, err)
		}
	}
	path := func(rel string) string { return storage.Join(root, rel) }

	t.Run("CreateExclusive", func(t *testing.T) {
		p := path("exclusive/lock")
		if err := storage.CreateExclusive(ctx, p, []byte("first")); errors.Is(err, storage.ErrNoExclusiveCreate) {
			t.Skipf("%s cannot create exclusively", root)
		} else if err != nil {
			t.Fatal(err)
		}
		if err := storage.CreateExclusive(ctx, p, []byte("second")); !errors.Is(err, fs.ErrExist) {
			t.Fatalf("a second CreateExclusive: %v, want fs.ErrExist", err)
		}
		if data, err := storage.ReadFile(ctx, p); err != nil || string(data) != "first" {
			t.Fatalf("after two CreateExclusive the file holds %q (%v), want the first's", data, err)
		}
		if err := storage.Remove(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := storage.CreateExclusive(ctx, p, []byte("again")); err != nil {
			t.Fatalf("CreateExclusive after Remove: %v", err)
		}
		storage.Remove(ctx, p)
	})

	t.Run("Stat", func(t *testing.T) {
		info, err := storage.Stat(ctx, path("dir/sub/c.txt"))
		if err != nil || info.IsDir || info.Size != 5 || info.Path != path("dir/sub/c.txt") {
			t.Fatalf("Stat(file) = %+v, %v", info, err)
		}
		for _, dir := range []string{root, path("dir"), path("dir/sub"), path("dir") + "/"} {
			if info, err := storage.Stat(ctx, dir); err != nil || !info.IsDir {
				t.Errorf("Stat(%s) = %+v, %v; want a directory", dir, info, err)
			}
		}
		for _, missing := range []string{path("nope.csv"), path("di"), path("dir/su")} {
			if _, err := storage.Stat(ctx, missing); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Stat(%s) = %v, want fs.ErrNotExist", missing, err)
			}
		}
	})

	t.Run("List", func(t *testing.T) {
		got, err := storage.List(ctx, root)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"_SUCCESS", "a.csv", "dir.csv/e.json", "dir/b.csv", "dir/sub/c.txt", "dir2/d.csv"}
		if len(got) != len(want) {
			t.Fatalf("List = %v, want %v", got, want)
		}
		for i, w := range want {
			if got[i].Path != path(w) || got[i].IsDir || got[i].Size != int64(len(Files[w])) {
				t.Errorf("List[%d] = %+v, want %s of %d bytes", i, got[i], path(w), len(Files[w]))
			}
		}
		sub, err := storage.List(ctx, path("dir/sub"))
		if err != nil || len(sub) != 1 || sub[0].Path != path("dir/sub/c.txt") {
			t.Errorf("List(dir/sub) = %v, %v", sub, err)
		}
		if _, err := storage.List(ctx, path("nope")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("List(nope) = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("Open", func(t *testing.T) {
		if b, err := storage.ReadFile(ctx, path("dir/sub/c.txt")); err != nil || string(b) != "hello" {
			t.Errorf("ReadFile = %q, %v", b, err)
		}
		ranges := []struct {
			off, n int64
			want   string
		}{{1, 3, "ell"}, {0, -1, "hello"}, {3, -1, "lo"}, {3, 10, "lo"}, {5, 2, ""}, {9, 2, ""}, {2, 0, ""}}
		for _, r := range ranges {
			rc, err := storage.OpenRange(ctx, path("dir/sub/c.txt"), r.off, r.n)
			if err != nil {
				t.Errorf("OpenRange(%d, %d): %v", r.off, r.n, err)
				continue
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(b) != r.want {
				t.Errorf("OpenRange(%d, %d) = %q, %v; want %q", r.off, r.n, b, err, r.want)
			}
		}
		if _, err := storage.Open(ctx, path("nope")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(nope) = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("OpenFile", func(t *testing.T) {
		before := storage.ReadStatsOf(storage.Scheme(root))
		for _, size := range []int64{5, -1} {
			f, err := storage.OpenFile(ctx, path("dir/sub/c.txt"), size)
			if err != nil {
				t.Fatal(err)
			}
			if f.Size() != 5 {
				t.Errorf("Size = %d", f.Size())
			}
			p := make([]byte, 3)
			if n, err := f.ReadAt(p, 2); n != 3 || err != nil && err != io.EOF || string(p) != "llo" {
				t.Errorf("ReadAt(3, 2) = %d, %v, %q", n, err, p)
			}
			if n, err := f.ReadAt(p, 3); n != 2 || err != io.EOF || string(p[:2]) != "lo" {
				t.Errorf("ReadAt(3, 3) = %d, %v, %q; want 2, EOF", n, err, p[:n])
			}
			if n, err := f.ReadAt(p, 5); n != 0 || err != io.EOF {
				t.Errorf("ReadAt at the end = %d, %v; want 0, EOF", n, err)
			}
			if err := f.Close(); err != nil {
				t.Error(err)
			}
		}
		if after := storage.ReadStatsOf(storage.Scheme(root)); after.Bytes <= before.Bytes || after.Opens <= before.Opens {
			t.Errorf("ReadStatsOf: %+v then %+v, want more bytes and opens", before, after)
		}
	})

	t.Run("Glob", func(t *testing.T) {
		cases := []struct {
			pattern string
			want    []string // relative; a trailing / is a directory
		}{
			{"*.csv", []string{"a.csv", "dir.csv/"}},
			{"dir*/*.csv", []string{"dir/b.csv", "dir2/d.csv"}},
			{"dir?", []string{"dir2/"}},
			{"dir/*", []string{"dir/b.csv", "dir/sub/"}},
			{"[ab].csv", []string{"a.csv"}},
			{"*/sub/*.txt", []string{"dir/sub/c.txt"}},
			{"nope*/x", nil},
		}
		for _, c := range cases {
			got, err := storage.Glob(ctx, path(c.pattern))
			if err != nil {
				t.Errorf("Glob(%s): %v", c.pattern, err)
				continue
			}
			var names []string
			for _, g := range got {
				name := strings.TrimPrefix(strings.TrimPrefix(g.Path, root), "/")
				if g.IsDir {
					name += "/"
				}
				names = append(names, name)
			}
			if strings.Join(names, " ") != strings.Join(c.want, " ") {
				t.Errorf("Glob(%s) = %v, want %v", c.pattern, names, c.want)
			}
		}
		if _, err := storage.Glob(ctx, path("[")); err == nil {
			t.Error("Glob([) gave no error")
		}
	})

	t.Run("Create", func(t *testing.T) {
		p := path("new/part-0.csv")
		w, err := storage.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("half")); err != nil {
			t.Fatal(err)
		}
		if _, err := storage.Stat(ctx, p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("an unclosed file is visible: Stat = %v", err)
		}
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if _, err := storage.Stat(ctx, p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("an aborted file is visible: Stat = %v", err)
		}
		if got, err := storage.List(ctx, root); err != nil || len(got) != len(Files) {
			t.Errorf("after Abort, List = %v, %v; want the %d files only", got, err, len(Files))
		}
		if err := storage.WriteFile(ctx, p, []byte("one")); err != nil {
			t.Fatal(err)
		}
		if err := storage.WriteFile(ctx, p, []byte("two!")); err != nil {
			t.Fatal(err)
		}
		if b, err := storage.ReadFile(ctx, p); err != nil || string(b) != "two!" {
			t.Errorf("after overwriting, ReadFile = %q, %v", b, err)
		}
		w, err = storage.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("three"))
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if b, err := storage.ReadFile(ctx, p); err != nil || string(b) != "two!" {
			t.Errorf("an aborted overwrite changed the file: %q, %v", b, err)
		}
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		if err := storage.WriteFile(ctx, path("new/big.bin"), big); err != nil {
			t.Fatal(err)
		}
		if b, err := storage.ReadFile(ctx, path("new/big.bin")); err != nil || !bytes.Equal(b, big) {
			t.Errorf("1 MiB round trip: %d bytes, %v", len(b), err)
		}
	})

	t.Run("Remove", func(t *testing.T) {
		if err := storage.Remove(ctx, path("a.csv")); err != nil {
			t.Fatal(err)
		}
		if _, err := storage.Stat(ctx, path("a.csv")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat after Remove = %v", err)
		}
		if err := storage.Remove(ctx, path("a.csv")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Remove(missing) = %v, want fs.ErrNotExist", err)
		}
		if err := storage.RemoveAll(ctx, path("dir")); err != nil {
			t.Fatal(err)
		}
		for _, gone := range []string{"dir", "dir/sub/c.txt"} {
			if _, err := storage.Stat(ctx, path(gone)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Stat(%s) after RemoveAll = %v", gone, err)
			}
		}
		if _, err := storage.Stat(ctx, path("dir2/d.csv")); err != nil {
			t.Errorf("RemoveAll(dir) removed dir2: %v", err)
		}
		if err := storage.RemoveAll(ctx, path("nope")); err != nil {
			t.Errorf("RemoveAll(missing) = %v", err)
		}
		if err := storage.RemoveAll(ctx, root); err != nil {
			t.Fatal(err)
		}
		if got, err := storage.List(ctx, root); len(got) != 0 && err == nil {
			t.Errorf("after RemoveAll(root), List = %v", got)
		}
	})
}
