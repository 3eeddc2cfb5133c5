package storage

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// cloudSchemes are the schemes storage/cloud registers; the error for an
// unregistered one says which import adds it.
var cloudSchemes = []string{"s3", "gs", "azblob"}

// entry is a registered filesystem and what it has served.
type entry struct {
	fs    FS
	bytes atomic.Int64
	opens atomic.Int64
}

var (
	registryMu sync.RWMutex
	registry   = map[string]*entry{}
)

func init() {
	local := localFS{}
	Register("file", local)
	Register("mem", newObjectFS("mem", memStore{}))
	web := NewHTTPFS(nil)
	Register("http", web)
	Register("https", web)
}

// Register makes fs the filesystem of paths scheme://…; the scheme is
// case-insensitive. A later registration of the same scheme replaces the
// earlier one (a test may register an HTTP filesystem with its own
// client, for instance). It is safe to call concurrently, usually from
// init.
func Register(scheme string, fs FS) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[strings.ToLower(scheme)] = &entry{fs: fs}
}

// Scheme returns the lower-cased scheme of path: "file" for a plain path
// or a file:// URL.
func Scheme(path string) string {
	if s, _, ok := splitScheme(path); ok {
		return s
	}
	return "file"
}

// splitScheme splits scheme://rest; ok is false for a plain path.
func splitScheme(path string) (scheme, rest string, ok bool) {
	i := strings.Index(path, "://")
	if i <= 0 {
		return "", path, false
	}
	for k, c := range path[:i] {
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (k == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", path, false
		}
	}
	return strings.ToLower(path[:i]), path[i+3:], true
}

func lookup(path string) (*entry, error) {
	scheme := Scheme(path)
	registryMu.RLock()
	e := registry[scheme]
	registryMu.RUnlock()
	if e != nil {
		return e, nil
	}
	return nil, fmt.Errorf("%w: no filesystem for scheme %q in %q (%s)", ErrUnsupportedScheme, scheme, path, supported())
}

// supported lists the registered schemes, and the import that adds the
// cloud ones that are not.
func supported() string {
	registryMu.RLock()
	var have []string
	for s := range registry {
		have = append(have, s)
	}
	registryMu.RUnlock()
	order := []string{"file", "mem", "http", "https"}
	rank := func(s string) int {
		if i := slices.Index(order, s); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortFunc(have, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	out := "supported: " + strings.Join(have, ", ")
	var missing []string
	for _, s := range cloudSchemes {
		if !slices.Contains(have, s) {
			missing = append(missing, s)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		out += "; " + missing[0] + ` needs import _ "github.com/ember-df/ember/storage/cloud"`
	default:
		out += "; " + strings.Join(missing[:len(missing)-1], ", ") + " and " + missing[len(missing)-1] +
			` need import _ "github.com/ember-df/ember/storage/cloud"`
	}
	return out
}

// Resolve returns the filesystem of path's scheme, for the capabilities
// found by type assertion (Renamer, FileOpener). Reads through it are not
// counted in ReadStatsOf; the package-level functions count them.
func Resolve(path string) (FS, error) {
	e, err := lookup(path)
	if err != nil {
		return nil, err
	}
	return e.fs, nil
}

// ReadStats are what a scheme's filesystem has served in this process:
// the bytes read from it (with read-ahead, what was fetched, not what
// was asked for) and the reads opened (requests, on object stores).
type ReadStats struct {
	Bytes int64
	Opens int64
}

// ReadStatsOf returns the bytes and reads that the package-level functions
// have read from the filesystem of scheme ("s3", "file", …) so far; tests
// compare two snapshots.
func ReadStatsOf(scheme string) ReadStats {
	registryMu.RLock()
	e := registry[strings.ToLower(scheme)]
	registryMu.RUnlock()
	if e == nil {
		return ReadStats{}
	}
	return ReadStats{Bytes: e.bytes.Load(), Opens: e.opens.Load()}
}

// Stat describes the file or directory at path (see FS.Stat).
func Stat(ctx context.Context, path string) (FileInfo, error) {
	e, err := lookup(path)
	if err != nil {
		return FileInfo{}, err
	}
	return e.fs.Stat(ctx, path)
}

// List returns every file below dir, recursively, sorted (see FS.List).
func List(ctx context.Context, dir string) ([]FileInfo, error) {
	e, err := lookup(dir)
	if err != nil {
		return nil, err
	}
	return e.fs.List(ctx, dir)
}

// Open reads the whole file at path; the caller closes the reader.
func Open(ctx context.Context, path string) (io.ReadCloser, error) {
	e, err := lookup(path)
	if err != nil {
		return nil, err
	}
	r, err := e.fs.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	e.opens.Add(1)
	return &countingReader{ReadCloser: r, n: &e.bytes}, nil
}

// OpenRange reads at most n bytes of path from off (see FS.OpenRange).
func OpenRange(ctx context.Context, path string, off, n int64) (io.ReadCloser, error) {
	e, err := lookup(path)
	if err != nil {
		return nil, err
	}
	return e.openRange(ctx, path, off, n)
}

func (e *entry) openRange(ctx context.Context, path string, off, n int64) (io.ReadCloser, error) {
	r, err := e.fs.OpenRange(ctx, path, off, n)
	if err != nil {
		return nil, err
	}
	e.opens.Add(1)
	return &countingReader{ReadCloser: r, n: &e.bytes}, nil
}

// Create starts writing the file at path (see FS.Create and Writer).
func Create(ctx context.Context, path string) (Writer, error) {
	e, err := lookup(path)
	if err != nil {
		return nil, err
	}
	return e.fs.Create(ctx, path)
}

// Remove deletes the file at path.
func Remove(ctx context.Context, path string) error {
	e, err := lookup(path)
	if err != nil {
		return err
	}
	return e.fs.Remove(ctx, path)
}

// RemoveAll deletes dir and everything below it; nothing there is no
// error.
func RemoveAll(ctx context.Context, dir string) error {
	e, err := lookup(dir)
	if err != nil {
		return err
	}
	return e.fs.RemoveAll(ctx, dir)
}

// Rename moves a file where the filesystem renames atomically (local
// disk); elsewhere it is an error wrapping ErrNotSupported.
func Rename(ctx context.Context, from, to string) error {
	e, err := lookup(from)
	if err != nil {
		return err
	}
	if Scheme(to) != Scheme(from) {
		return fmt.Errorf("storage: rename %s to %s: %w across filesystems", from, to, ErrNotSupported)
	}
	r, ok := e.fs.(Renamer)
	if !ok {
		return fmt.Errorf("storage: rename %s: %w on %s://", from, ErrNotSupported, Scheme(from))
	}
	return r.Rename(ctx, from, to)
}

// countingReader adds the bytes read through it to n.
type countingReader struct {
	io.ReadCloser
	n *atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	k, err := r.ReadCloser.Read(p)
	r.n.Add(int64(k))
	return k, err
}
