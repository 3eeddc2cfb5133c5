package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// The mem:// store: process-wide buckets of objects in memory, behaving
// like an object store (no rename, no native random access: reads are
// ranged, as on S3), for tests.
var mem = struct {
	sync.RWMutex
	buckets map[string]map[string]memObject
}{buckets: map[string]map[string]memObject{}}

type memObject struct {
	data []byte // never modified once stored
	mod  time.Time
}

// DropMemBucket deletes the mem:// bucket and every object in it; tests
// call it at cleanup.
func DropMemBucket(bucket string) {
	mem.Lock()
	defer mem.Unlock()
	delete(mem.buckets, bucket)
}

type memStore struct{}

var _ ObjectStore = memStore{}

func (memStore) get(bucket, key string) (memObject, bool) {
	mem.RLock()
	defer mem.RUnlock()
	obj, ok := mem.buckets[bucket][key]
	return obj, ok
}

func (s memStore) Attributes(_ context.Context, bucket, key string) (int64, time.Time, error) {
	obj, ok := s.get(bucket, key)
	if !ok {
		return 0, time.Time{}, notExist("stat", "mem://"+bucket+"/"+key)
	}
	return int64(len(obj.data)), obj.mod, nil
}

func (memStore) List(ctx context.Context, bucket, prefix string, fn func(string, int64, time.Time) error) error {
	type item struct {
		key string
		obj memObject
	}
	var items []item
	mem.RLock()
	for k, obj := range mem.buckets[bucket] {
		if strings.HasPrefix(k, prefix) {
			items = append(items, item{k, obj})
		}
	}
	mem.RUnlock()
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.key, b.key) })
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(it.key, int64(len(it.obj.data)), it.obj.mod); err != nil {
			return err
		}
	}
	return nil
}

func (s memStore) NewRangeReader(_ context.Context, bucket, key string, off, n int64) (io.ReadCloser, error) {
	obj, ok := s.get(bucket, key)
	if !ok {
		return nil, notExist("open", "mem://"+bucket+"/"+key)
	}
	data := obj.data[min(off, int64(len(obj.data))):]
	if n >= 0 && n < int64(len(data)) {
		data = data[:n]
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func (memStore) NewWriter(ctx context.Context, bucket, key string) (Writer, error) {
	return &memWriter{ctx: ctx, bucket: bucket, key: key}, nil
}

func (memStore) Delete(_ context.Context, bucket, key string) error {
	mem.Lock()
	defer mem.Unlock()
	if _, ok := mem.buckets[bucket][key]; !ok {
		return notExist("remove", "mem://"+bucket+"/"+key)
	}
	delete(mem.buckets[bucket], key)
	return nil
}

// memWriter buffers an object and stores it at Close, unless its context
// was cancelled: as on object stores, a cancelled upload leaves nothing.
type memWriter struct {
	ctx         context.Context
	bucket, key string
	buf         bytes.Buffer
	done        bool
}

func (w *memWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("storage: write to mem://%s/%s after Close or Abort", w.bucket, w.key)
	}
	return w.buf.Write(p)
}

func (w *memWriter) Close() error {
	if w.done {
		return fmt.Errorf("storage: mem://%s/%s: Close after Close or Abort", w.bucket, w.key)
	}
	w.done = true
	if err := w.ctx.Err(); err != nil {
		return err
	}
	mem.Lock()
	defer mem.Unlock()
	b := mem.buckets[w.bucket]
	if b == nil {
		b = map[string]memObject{}
		mem.buckets[w.bucket] = b
	}
	b[w.key] = memObject{data: w.buf.Bytes(), mod: time.Now()}
	return nil
}

func (w *memWriter) Abort() error {
	w.done = true
	w.buf = bytes.Buffer{}
	return nil
}
