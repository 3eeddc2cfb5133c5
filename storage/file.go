package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Read-ahead of a File read through ranged requests: a read that does not
// follow the previous fetch fetches at least minReadAhead bytes; each read
// that follows on doubles that, up to maxReadAhead. Random reads (Parquet
// column chunks) so fetch little more than they ask for, sequential ones
// (a CSV split, an IPC stream) few, large ranges.
const (
	minReadAhead = 64 << 10
	maxReadAhead = 8 << 20
)

// OpenFile opens path for random access. size is the file's size when the
// caller knows it (from a listing), saving a Stat; negative means unknown.
// A local file whose size is no longer size is an error wrapping
// ErrChanged that gives both sizes; elsewhere a read that finds the object
// shorter than size says it changed.
// Local files are read directly; elsewhere each read that misses the
// read-ahead buffer is one ranged request (FS.OpenRange) made with ctx,
// which must outlive the File.
func OpenFile(ctx context.Context, path string, size int64) (File, error) {
	e, err := lookup(path)
	if err != nil {
		return nil, err
	}
	if o, ok := e.fs.(FileOpener); ok {
		f, err := o.OpenFile(ctx, path)
		if err != nil {
			return nil, err
		}
		if size >= 0 && f.Size() != size {
			now := f.Size()
			f.Close()
			return nil, fmt.Errorf("storage: %s: %w: %d bytes then, %d now", path, ErrChanged, size, now)
		}
		e.opens.Add(1)
		return &countingFile{File: f, e: e}, nil
	}
	if size < 0 {
		info, err := e.fs.Stat(ctx, path)
		if err != nil {
			return nil, err
		}
		if info.IsDir {
			return nil, fmt.Errorf("storage: %s is a directory", path)
		}
		size = info.Size
	}
	return &rangeFile{ctx: ctx, e: e, path: path, size: size, ahead: minReadAhead, end: -1}, nil
}

// countingFile counts the bytes read from a natively opened file.
type countingFile struct {
	File
	e *entry
}

func (f *countingFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(p, off)
	f.e.bytes.Add(int64(n))
	return n, err
}

// rangeFile is a File over ranged reads, with one read-ahead buffer and,
// while reads are sequential, the next window fetched in the background.
type rangeFile struct {
	ctx  context.Context
	e    *entry
	path string
	size int64

	mu     sync.Mutex // guards the fields below; held across a fetch
	buf    []byte     // the file's bytes from bufOff
	bufOff int64
	end    int64     // where the last fetch ended
	ahead  int       // bytes the next buffered fetch reads
	streak int       // fetches in a row that followed the previous one
	next   *prefetch // the window after the last fetch, being fetched; nil when none
	spare  []byte    // a buffer to reuse
	closed bool
}

// prefetch is a window being fetched in the background.
type prefetch struct {
	off    int64
	buf    []byte
	err    error
	done   chan struct{}
	cancel context.CancelFunc
}

// Size implements File.
func (f *rangeFile) Size() int64 { return f.size }

// Close implements File; it stops a fetch in the background.
func (f *rangeFile) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropPrefetch()
	f.closed, f.buf, f.spare = true, nil, nil
	return nil
}

// ReadAt implements io.ReaderAt: it returns io.EOF with the bytes it read
// when p reaches past the end of the file.
func (f *rangeFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("storage: %s: read at negative offset %d", f.path, off)
	}
	if off >= f.size {
		return 0, io.EOF
	}
	want := int(min(int64(len(p)), f.size-off))
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, fmt.Errorf("storage: %s: ReadAt after Close", f.path)
	}
	n := 0
	for n < want {
		at, rest := off+int64(n), p[n:want]
		if at >= f.bufOff && at < f.bufOff+int64(len(f.buf)) {
			n += copy(rest, f.buf[at-f.bufOff:])
			continue
		}
		if f.next != nil && f.next.off == at {
			pf := f.next
			f.next = nil
			<-pf.done
			if pf.err == nil {
				f.spare, f.buf, f.bufOff, f.end = f.buf, pf.buf, pf.off, pf.off+int64(len(pf.buf))
				f.ahead = min(2*f.ahead, maxReadAhead)
				f.startPrefetch(f.end)
				continue
			}
			f.spare = pf.buf // fetch it again below, reporting the error if it recurs
		}
		f.dropPrefetch()
		sequential := at == f.end
		if sequential {
			f.ahead = min(2*f.ahead, maxReadAhead)
			f.streak++
		} else {
			f.ahead, f.streak = minReadAhead, 0
		}
		if len(rest) >= f.ahead {
			if err := f.fetch(f.ctx, rest, at); err != nil {
				return n, err
			}
			f.end = at + int64(len(rest))
			n += len(rest)
			// Large reads in a row are a stream (a CSV scan); two
			// adjacent ones may be neighbouring Parquet column chunks.
			if f.streak >= 2 {
				f.startPrefetch(f.end)
			}
			continue
		}
		k := int(min(int64(f.ahead), f.size-at))
		if cap(f.buf) < k {
			f.buf = make([]byte, k)
		}
		f.buf, f.bufOff = f.buf[:k], at
		if err := f.fetch(f.ctx, f.buf, at); err != nil {
			f.buf = f.buf[:0]
			return n, err
		}
		f.end = at + int64(k)
		if sequential {
			f.startPrefetch(f.end)
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// startPrefetch fetches the window at off in the background.
func (f *rangeFile) startPrefetch(off int64) {
	if off >= f.size {
		return
	}
	k := int(min(int64(f.ahead), f.size-off))
	buf := f.spare
	if cap(buf) < k {
		buf = make([]byte, k)
	}
	f.spare = nil
	ctx, cancel := context.WithCancel(f.ctx)
	pf := &prefetch{off: off, buf: buf[:k], done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(pf.done)
		pf.err = f.fetch(ctx, pf.buf, pf.off)
	}()
	f.next = pf
}

// dropPrefetch stops the fetch in the background, if any, and keeps its
// buffer.
func (f *rangeFile) dropPrefetch() {
	if f.next == nil {
		return
	}
	f.next.cancel()
	<-f.next.done
	f.spare, f.next = f.next.buf, nil
}

// fetch reads len(dst) bytes at off with one ranged request. It only
// reads f's immutable fields, so a prefetch may run it without the lock.
func (f *rangeFile) fetch(ctx context.Context, dst []byte, off int64) error {
	r, err := f.e.openRange(ctx, f.path, off, int64(len(dst)))
	if err != nil {
		return err
	}
	defer r.Close()
	if _, err := io.ReadFull(r, dst); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("storage: %s: %w: shorter than the %d bytes it had", f.path, ErrChanged, f.size)
		}
		return err
	}
	return nil
}
