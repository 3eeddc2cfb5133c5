package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// localFS is the local disk: plain paths and file:// URLs.
type localFS struct{}

var (
	_ FS         = localFS{}
	_ Renamer    = localFS{}
	_ FileOpener = localFS{}
	_ Globber    = localFS{}
)

// LocalPath returns the operating-system path of a local path — a plain
// path, or a file:// URL (file:///abs/path or file://localhost/abs/path,
// taken literally: no percent-decoding, so that glob characters such as ?
// keep their meaning) — and whether path is local at all.
func LocalPath(path string) (string, bool) {
	scheme, rest, ok := splitScheme(path)
	if !ok {
		return path, true
	}
	if scheme != "file" {
		return "", false
	}
	rest = strings.TrimPrefix(rest, "localhost")
	if !strings.HasPrefix(rest, "/") {
		return "", false
	}
	return filepath.FromSlash(rest), true
}

func osPath(path string) (string, error) {
	p, ok := LocalPath(path)
	if !ok {
		return "", fmt.Errorf("storage: %q is not a local path (want a plain path, file:///abs/path or file://localhost/abs/path)", path)
	}
	return p, nil
}

// under is path joined to a slash-separated relative name, in path's form.
func under(path, rel string) string {
	if _, _, isURL := splitScheme(path); isURL {
		return strings.TrimSuffix(path, "/") + "/" + rel
	}
	return filepath.Join(path, filepath.FromSlash(rel))
}

func (localFS) Stat(_ context.Context, path string) (FileInfo, error) {
	p, err := osPath(path)
	if err != nil {
		return FileInfo{}, err
	}
	info, err := os.Stat(p)
	if err != nil {
		return FileInfo{}, err
	}
	return localInfo(path, info), nil
}

func localInfo(path string, info fs.FileInfo) FileInfo {
	if info.IsDir() {
		return FileInfo{Path: path, ModTime: info.ModTime(), IsDir: true}
	}
	return FileInfo{Path: path, Size: info.Size(), ModTime: info.ModTime()}
}

func (localFS) List(_ context.Context, dir string) ([]FileInfo, error) {
	root, err := osPath(dir)
	if err != nil {
		return nil, err
	}
	var out []FileInfo
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil && info.Mode()&fs.ModeSymlink != 0 {
			info, err = os.Stat(p) // a link to a file is that file
		}
		if err != nil {
			return err
		}
		if info.IsDir() {
			return nil // links to directories are not followed, as WalkDir does not
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		out = append(out, localInfo(under(dir, filepath.ToSlash(rel)), info))
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b FileInfo) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func (localFS) Open(_ context.Context, path string) (io.ReadCloser, error) {
	p, err := osPath(path)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

func (l localFS) OpenRange(ctx context.Context, path string, off, n int64) (io.ReadCloser, error) {
	f, err := l.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	osf := f.(*os.File)
	if _, err := osf.Seek(off, io.SeekStart); err != nil {
		osf.Close()
		return nil, err
	}
	if n < 0 {
		return osf, nil
	}
	return readCloser{Reader: io.LimitReader(osf, n), Closer: osf}, nil
}

// readCloser joins a reader and what closes it.
type readCloser struct {
	io.Reader
	io.Closer
}

// OpenFile implements FileOpener.
func (localFS) OpenFile(_ context.Context, path string) (File, error) {
	p, err := osPath(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if info.IsDir() {
		f.Close()
		return nil, fmt.Errorf("storage: %s is a directory", path)
	}
	return osFile{File: f, size: info.Size()}, nil
}

type osFile struct {
	*os.File
	size int64
}

func (f osFile) Size() int64 { return f.size }

// Create implements FS: the file is written under a hidden temporary name
// (".name.<random>.tmp", which readers skip) in its directory and renamed
// into place by Close.
func (localFS) Create(_ context.Context, path string) (Writer, error) {
	p, err := osPath(path)
	if err != nil {
		return nil, err
	}
	dir, base := filepath.Split(p)
	if base == "" {
		return nil, fmt.Errorf("storage: create %s: no file name", path)
	}
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tmp := filepath.Join(dir, "."+base+"."+rand.Text()+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return nil, err
	}
	return &localWriter{f: f, tmp: tmp, dst: p}, nil
}

type localWriter struct {
	f        *os.File
	tmp, dst string
	done     bool
}

func (w *localWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("storage: write to %s after Close or Abort", w.dst)
	}
	return w.f.Write(p)
}

func (w *localWriter) Close() error {
	if w.done {
		return fmt.Errorf("storage: %s: Close after Close or Abort", w.dst)
	}
	w.done = true
	err := w.f.Close()
	if err == nil {
		err = os.Rename(w.tmp, w.dst)
	}
	if err != nil {
		os.Remove(w.tmp)
	}
	return err
}

func (w *localWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	if err := os.Remove(w.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (localFS) Remove(_ context.Context, path string) error {
	p, err := osPath(path)
	if err != nil {
		return err
	}
	return os.Remove(p)
}

func (localFS) RemoveAll(_ context.Context, dir string) error {
	p, err := osPath(dir)
	if err != nil {
		return err
	}
	return os.RemoveAll(p)
}

// Rename implements Renamer, making to's directory as needed.
func (localFS) Rename(_ context.Context, from, to string) error {
	f, err := osPath(from)
	if err != nil {
		return err
	}
	t, err := osPath(to)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(t), 0o755); err != nil {
		return err
	}
	return os.Rename(f, t)
}

// Glob implements Globber with filepath.Glob; matches keep the pattern's
// form (plain or file://).
func (localFS) Glob(_ context.Context, pattern string) ([]FileInfo, error) {
	p, err := osPath(pattern)
	if err != nil {
		return nil, err
	}
	matches, err := filepath.Glob(p)
	if err != nil {
		return nil, err
	}
	slices.Sort(matches)
	_, _, isURL := splitScheme(pattern)
	out := make([]FileInfo, 0, len(matches))
	for _, m := range matches {
		info, err := os.Stat(m)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since, or a dangling link
		} else if err != nil {
			return nil, err
		}
		if isURL {
			m = "file://" + filepath.ToSlash(m)
		}
		out = append(out, localInfo(m, info))
	}
	return out, nil
}
