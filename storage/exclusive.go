package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// ExclusiveCreator is implemented by filesystems that can create a small
// file only if nothing is at its path, atomically: the building block of
// locks and of commits that must not overwrite one another (a conditional
// PUT, If-None-Match: *, on object stores).
type ExclusiveCreator interface {
	// CreateExclusive writes data at path if nothing is there, and fails
	// with an error wrapping fs.ErrExist otherwise; data is visible whole
	// or not at all.
	CreateExclusive(ctx context.Context, path string, data []byte) error
}

// ExclusiveWriter is implemented by object stores that can write an
// object only if the key is free (an ObjectStore's part of
// ExclusiveCreator).
type ExclusiveWriter interface {
	// PutIfAbsent writes data at key if no object is there, and fails
	// with an error wrapping fs.ErrExist otherwise.
	PutIfAbsent(ctx context.Context, bucket, key string, data []byte) error
}

// ErrNoExclusiveCreate is wrapped by CreateExclusive's error on a
// filesystem that cannot create exclusively.
var ErrNoExclusiveCreate = errors.New("storage: exclusive create not supported")

// CreateExclusive writes data at path if nothing is there yet, atomically;
// an existing file is an error wrapping fs.ErrExist, and a filesystem that
// cannot do it one wrapping ErrNoExclusiveCreate.
func CreateExclusive(ctx context.Context, path string, data []byte) error {
	e, err := lookup(path)
	if err != nil {
		return err
	}
	c, ok := e.fs.(ExclusiveCreator)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoExclusiveCreate, path)
	}
	return c.CreateExclusive(ctx, path, data)
}

// CreateExclusive implements ExclusiveCreator: the data goes to a
// temporary file, flushed, which is then hard-linked to path — link(2)
// fails if path exists.
func (localFS) CreateExclusive(_ context.Context, path string, data []byte) error {
	p, err := osPath(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.%d.tmp", filepath.Base(p), rand.Uint64()))
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if f, err := os.Open(tmp); err == nil {
		f.Sync()
		f.Close()
	}
	return os.Link(tmp, p)
}

// CreateExclusive implements ExclusiveCreator over a store that
// implements ExclusiveWriter.
func (o *objectFS) CreateExclusive(ctx context.Context, path string, data []byte) error {
	w, ok := o.store.(ExclusiveWriter)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoExclusiveCreate, path)
	}
	bucket, key, err := o.split(path)
	if err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("storage: create %s: no object name", path)
	}
	return w.PutIfAbsent(ctx, bucket, key, data)
}

// PutIfAbsent implements ExclusiveWriter.
func (memStore) PutIfAbsent(ctx context.Context, bucket, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	mem.Lock()
	defer mem.Unlock()
	b := mem.buckets[bucket]
	if b == nil {
		b = map[string]memObject{}
		mem.buckets[bucket] = b
	}
	if _, ok := b[key]; ok {
		return &fs.PathError{Op: "create", Path: "mem://" + bucket + "/" + key, Err: fs.ErrExist}
	}
	b[key] = memObject{data: append([]byte(nil), data...), mod: time.Now()}
	return nil
}
