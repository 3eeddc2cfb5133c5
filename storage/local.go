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

// Stat implements FS. A symbolic link is described by what it points to;
// a path that is neither a regular file nor a directory (a named pipe, a
// socket, a device) is an error wrapping ErrNotRegular, since reading it
// could block forever.
func (localFS) Stat(_ context.Context, path string) (FileInfo, error) {
	p, err := osPath(path)
	if err != nil {
		return FileInfo{}, err
	}
	info, err := os.Stat(p)
	if err != nil {
		return FileInfo{}, err
	}
	if err := checkRegular(path, info); err != nil {
		return FileInfo{}, err
	}
	return localInfo(path, info), nil
}

// checkRegular refuses what is neither a regular file nor a directory.
func checkRegular(path string, info fs.FileInfo) error {
	if info.Mode().IsRegular() || info.IsDir() {
		return nil
	}
	return fmt.Errorf("storage: %s is %s: %w", path, kindOf(info.Mode()), ErrNotRegular)
}

// kindOf names a file mode's type, for errors.
func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	}
	return "not a regular file"
}

func localInfo(path string, info fs.FileInfo) FileInfo {
	if info.IsDir() {
		return FileInfo{Path: path, ModTime: info.ModTime(), IsDir: true}
	}
	return FileInfo{Path: path, Size: info.Size(), ModTime: info.ModTime()}
}

// List implements FS. Symbolic links are followed, to files and to
// directories alike, and listed under the link's own path with the size of
// what they point to (as Hadoop's local filesystem does); a link to a
// directory above it (a loop) is an error naming the link. A dangling link
// is skipped, as a file removed since the directory was read is. Only
// regular files are listed: named pipes, sockets and devices are skipped,
// since opening one can block forever. ctx is checked between directories.
func (localFS) List(ctx context.Context, dir string) ([]FileInfo, error) {
	root, err := osPath(dir)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		if err := checkRegular(dir, info); err != nil {
			return nil, err
		}
		return []FileInfo{localInfo(dir, info)}, nil
	}
	w := lister{ctx: ctx, dir: dir, root: root}
	if err := w.walk(root, "", []fs.FileInfo{info}); err != nil {
		return nil, err
	}
	slices.SortFunc(w.out, func(a, b FileInfo) int { return strings.Compare(a.Path, b.Path) })
	return w.out, nil
}

// lister walks a local directory tree for List.
type lister struct {
	ctx  context.Context
	dir  string // as List was given it
	root string // its operating-system path
	out  []FileInfo
}

// walk lists the directory p, whose slash-separated path below the root is
// rel; above holds the directories from the root down to p, to find loops.
func (w *lister) walk(p, rel string, above []fs.FileInfo) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return err
	}
	for _, d := range entries {
		name := d.Name()
		full, sub := filepath.Join(p, name), name
		if rel != "" {
			sub = rel + "/" + name
		}
		var info fs.FileInfo
		if d.Type()&fs.ModeSymlink != 0 {
			info, err = os.Stat(full) // a link is what it points to
		} else {
			info, err = d.Info()
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue // a dangling link, or removed since ReadDir
		} else if err != nil {
			return err
		}
		switch {
		case info.Mode().IsRegular():
			w.out = append(w.out, localInfo(under(w.dir, sub), info))
		case info.IsDir():
			for _, a := range above {
				if os.SameFile(a, info) {
					target, _ := os.Readlink(full)
					return fmt.Errorf("storage: list %s: %s links to %s, a directory above it (a loop)", w.dir, under(w.dir, sub), target)
				}
			}
			if err := w.walk(full, sub, append(above[:len(above):len(above)], info)); err != nil {
				return err
			}
		}
		// Anything else (a named pipe, a socket, a device) is skipped.
	}
	return nil
}

// Open implements FS; a path that is not a regular file is an error
// wrapping ErrNotRegular, returned without blocking (see openRegular).
func (localFS) Open(_ context.Context, path string) (io.ReadCloser, error) {
	f, _, err := openLocal(path)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// openLocal opens a local regular file for reading and returns its size.
func openLocal(path string) (*os.File, int64, error) {
	p, err := osPath(path)
	if err != nil {
		return nil, 0, err
	}
	f, err := openRegular(p)
	if err != nil {
		if info, serr := os.Stat(p); serr == nil {
			if rerr := checkRegular(path, info); rerr != nil {
				return nil, 0, rerr // a socket: open fails with ENXIO
			}
		}
		return nil, 0, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if info.IsDir() {
		f.Close()
		return nil, 0, fmt.Errorf("storage: %s is a directory", path)
	}
	if err := checkRegular(path, info); err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, info.Size(), nil
}

func (localFS) OpenRange(_ context.Context, path string, off, n int64) (io.ReadCloser, error) {
	osf, _, err := openLocal(path)
	if err != nil {
		return nil, err
	}
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

// OpenFile implements FileOpener; what is not a regular file is refused
// as Open refuses it.
func (localFS) OpenFile(_ context.Context, path string) (File, error) {
	f, size, err := openLocal(path)
	if err != nil {
		return nil, err
	}
	return osFile{File: f, size: size}, nil
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
// form (plain or file://). Links are followed; dangling links and what is
// neither a regular file nor a directory are skipped, as List skips them.
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
		if !info.Mode().IsRegular() && !info.IsDir() {
			continue // a named pipe, a socket, a device: as List skips them
		}
		if isURL {
			m = "file://" + filepath.ToSlash(m)
		}
		out = append(out, localInfo(m, info))
	}
	return out, nil
}
