package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"
)

// ObjectStore is what an object-store backend implements: flat keys in
// buckets, with no directories and no rename. NewObjectFS turns one into
// an FS with the directory semantics every object store shares (a
// directory is a key prefix ending in "/"). Implementations are safe for
// concurrent use.
type ObjectStore interface {
	// Attributes returns the size and modification time of an object; a
	// missing one is an error wrapping fs.ErrNotExist.
	Attributes(ctx context.Context, bucket, key string) (size int64, mod time.Time, err error)
	// List calls fn for every object whose key starts with prefix, in key
	// order, until fn returns an error (which List returns) or the objects
	// run out.
	List(ctx context.Context, bucket, prefix string, fn func(key string, size int64, mod time.Time) error) error
	// NewRangeReader reads at most n bytes of an object from off (to the
	// end when n is negative); a missing object is an error wrapping
	// fs.ErrNotExist.
	NewRangeReader(ctx context.Context, bucket, key string, off, n int64) (io.ReadCloser, error)
	// NewWriter writes an object, visible only when the Writer's Close
	// returns nil (see Writer).
	NewWriter(ctx context.Context, bucket, key string) (Writer, error)
	// Delete deletes an object; a missing one is an error wrapping
	// fs.ErrNotExist.
	Delete(ctx context.Context, bucket, key string) error
}

// NewObjectFS returns the filesystem of paths scheme://bucket/key over
// store.
func NewObjectFS(scheme string, store ObjectStore) FS { return newObjectFS(scheme, store) }

func newObjectFS(scheme string, store ObjectStore) *objectFS {
	return &objectFS{scheme: strings.ToLower(scheme), store: store}
}

type objectFS struct {
	scheme string
	store  ObjectStore
}

// split returns the bucket and key of scheme://bucket/key, without the
// key's trailing slashes.
func (o *objectFS) split(path string) (bucket, key string, err error) {
	scheme, rest, ok := splitScheme(path)
	if !ok || scheme != o.scheme {
		return "", "", fmt.Errorf("storage: %q is not a %s:// path", path, o.scheme)
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("storage: %q names no bucket (want %s://bucket/key)", path, o.scheme)
	}
	return bucket, strings.TrimRight(key, "/"), nil
}

// dirPrefix is the key prefix of the objects below key.
func dirPrefix(key string) string {
	if key == "" {
		return ""
	}
	return key + "/"
}

func notExist(op, path string) error {
	return &fs.PathError{Op: op, Path: path, Err: fs.ErrNotExist}
}

func (o *objectFS) Stat(ctx context.Context, path string) (FileInfo, error) {
	bucket, key, err := o.split(path)
	if err != nil {
		return FileInfo{}, err
	}
	if key != "" {
		size, mod, err := o.store.Attributes(ctx, bucket, key)
		if err == nil {
			return FileInfo{Path: path, Size: size, ModTime: mod}, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return FileInfo{}, err
		}
	}
	errFound := errors.New("found")
	err = o.store.List(ctx, bucket, dirPrefix(key), func(string, int64, time.Time) error { return errFound })
	switch {
	case err == errFound || key == "" && err == nil:
		return FileInfo{Path: path, IsDir: true}, nil
	case err != nil:
		return FileInfo{}, err
	}
	return FileInfo{}, notExist("stat", path)
}

func (o *objectFS) List(ctx context.Context, dir string) ([]FileInfo, error) {
	bucket, key, err := o.split(dir)
	if err != nil {
		return nil, err
	}
	prefix := dirPrefix(key)
	base := strings.TrimRight(dir, "/")
	var out []FileInfo
	err = o.store.List(ctx, bucket, prefix, func(k string, size int64, mod time.Time) error {
		if strings.HasSuffix(k, "/") {
			return nil // a "directory marker" some tools write
		}
		out = append(out, FileInfo{Path: base + "/" + k[len(prefix):], Size: size, ModTime: mod})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 && key != "" {
		return nil, notExist("list", dir)
	}
	return out, nil
}

func (o *objectFS) Open(ctx context.Context, path string) (io.ReadCloser, error) {
	return o.OpenRange(ctx, path, 0, -1)
}

func (o *objectFS) OpenRange(ctx context.Context, path string, off, n int64) (io.ReadCloser, error) {
	bucket, key, err := o.split(path)
	if err != nil {
		return nil, err
	}
	if off < 0 {
		return nil, fmt.Errorf("storage: %s: negative offset %d", path, off)
	}
	if n == 0 {
		return io.NopCloser(strings.NewReader("")), nil
	}
	return o.store.NewRangeReader(ctx, bucket, key, off, n)
}

func (o *objectFS) Create(ctx context.Context, path string) (Writer, error) {
	bucket, key, err := o.split(path)
	if err != nil {
		return nil, err
	}
	if key == "" || strings.HasSuffix(path, "/") {
		return nil, fmt.Errorf("storage: create %s: no object name", path)
	}
	return o.store.NewWriter(ctx, bucket, key)
}

func (o *objectFS) Remove(ctx context.Context, path string) error {
	bucket, key, err := o.split(path)
	if err != nil {
		return err
	}
	return o.store.Delete(ctx, bucket, key)
}

func (o *objectFS) RemoveAll(ctx context.Context, dir string) error {
	bucket, key, err := o.split(dir)
	if err != nil {
		return err
	}
	var keys []string
	if key != "" {
		keys = append(keys, key)
	}
	err = o.store.List(ctx, bucket, dirPrefix(key), func(k string, _ int64, _ time.Time) error {
		keys = append(keys, k)
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := o.store.Delete(ctx, bucket, k); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
