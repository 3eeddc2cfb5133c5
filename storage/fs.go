package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// FS is a filesystem of one scheme. Its methods take full paths of that
// scheme ("s3://bucket/dir/a.csv", "/data/a.csv") and return paths in the
// same form. Implementations are safe for concurrent use.
//
// FS is the interface backends implement; readers and writers usually
// call the package-level functions (Stat, List, Open, Create, …), which
// pick the FS by the path's scheme and count the bytes read.
type FS interface {
	// Stat describes the file or directory at path. A path with nothing
	// at or below it is an error wrapping fs.ErrNotExist.
	Stat(ctx context.Context, path string) (FileInfo, error)
	// List returns every file below the directory dir, recursively,
	// sorted by path; directories themselves are not listed. Every
	// returned path is dir, "/", then the file's path relative to dir. A
	// directory with nothing below it is an error wrapping fs.ErrNotExist;
	// a filesystem without listing returns ErrNotSupported.
	List(ctx context.Context, dir string) ([]FileInfo, error)
	// Open reads the whole file. The caller closes the reader.
	Open(ctx context.Context, path string) (io.ReadCloser, error)
	// OpenRange reads at most n bytes from offset off (to the end when n
	// is negative); a range past the end of the file yields fewer bytes,
	// or none. The caller closes the reader.
	OpenRange(ctx context.Context, path string, off, n int64) (io.ReadCloser, error)
	// Create starts writing the file at path, replacing any file there
	// and making parent directories as needed. Nothing is visible at path
	// until the Writer's Close returns nil; see Writer.
	Create(ctx context.Context, path string) (Writer, error)
	// Remove deletes one file. A missing file is an error wrapping
	// fs.ErrNotExist.
	Remove(ctx context.Context, path string) error
	// RemoveAll deletes dir and everything below it, like os.RemoveAll;
	// nothing there is no error.
	RemoveAll(ctx context.Context, dir string) error
}

// FileInfo describes a file, or a directory (IsDir, Size 0).
type FileInfo struct {
	Path    string
	Size    int64
	ModTime time.Time // the zero time when the store does not say
	IsDir   bool
}

// Writer writes one file. Exactly one of Close or Abort ends it:
//
//   - Close commits: when it returns nil the whole file is visible at its
//     path, at once (a rename on local disk, a completed upload on an
//     object store); when it fails, nothing new is visible there.
//   - Abort discards what was written; the path keeps what it held
//     before. Abort after Close, or a second Abort, does nothing, so
//     `defer w.Abort()` is the idiom.
//
// A Writer is not safe for concurrent use.
type Writer interface {
	io.Writer
	Close() error
	Abort() error
}

// Renamer is implemented by filesystems that rename atomically (local
// disk only; object stores have no rename). Rename replaces a file at to.
type Renamer interface {
	Rename(ctx context.Context, from, to string) error
}

// File is random access to a file of a known size. ReadAt may be called
// concurrently. The caller closes it.
type File interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// FileOpener is implemented by filesystems with native random access
// (local disk). Elsewhere OpenFile reads through ranged requests.
type FileOpener interface {
	OpenFile(ctx context.Context, path string) (File, error)
}

// Globber is implemented by filesystems that expand glob patterns
// themselves (local disk, with filepath.Glob), returning what Glob
// returns. Elsewhere Glob lists the pattern's longest literal directory
// and matches what is below it.
type Globber interface {
	Glob(ctx context.Context, pattern string) ([]FileInfo, error)
}

var (
	// ErrUnsupportedScheme is wrapped by the error for a path whose scheme
	// has no registered filesystem.
	ErrUnsupportedScheme = errors.New("storage: unsupported scheme")
	// ErrNotSupported is wrapped by errors for operations a filesystem
	// does not offer, such as listing over HTTP.
	ErrNotSupported = errors.New("not supported")
	// ErrReadOnly is wrapped by errors for writing to a read-only
	// filesystem (http, https).
	ErrReadOnly = errors.New("read-only filesystem")
	// ErrNotRegular is wrapped by the error for reading a local path that
	// is neither a regular file nor a directory: a named pipe, a socket or
	// a device, which could block a reader forever or never end.
	ErrNotRegular = errors.New("not a regular file")
	// ErrChanged is wrapped by the error for a file whose size is not the
	// one it had when it was listed: it changed between planning and
	// reading, and reading on would give wrong rows or a bare EOF.
	ErrChanged = errors.New("file changed since it was listed")
)
