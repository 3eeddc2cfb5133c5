package ipcio

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// allocator is the allocator one partition reads with. It wraps the
// scan's allocator for two reasons:
//
//   - A corrupt compressed buffer can claim any uncompressed length, and
//     arrow-go allocates it before decompressing. allocator refuses a
//     single allocation over limit with a panic, which the IPC reader
//     (and guard) turn into an error, instead of letting the process die
//     out of memory.
//   - On corrupt input arrow-go does not always release what it
//     allocated: an array whose construction panics keeps a reference to
//     its data, even data allocated long before (a dictionary). allocator
//     remembers every live buffer, and which ones back the batches the
//     reader hands out (export); once the reader and its arrow-go readers
//     are closed, any other buffer still live is garbage, and sweep frees
//     it. The scan's allocator then balances, even on corrupt input.
type allocator struct {
	mem   memory.Allocator
	limit int

	mu     sync.Mutex // batches are released on other goroutines
	live   map[uintptr]*allocation
	recent []uintptr // allocated since the last export: where batches come from
}

type allocation struct {
	buf      []byte
	exported bool // backs a batch handed out: its owner frees it
}

// newAllocator wraps mem (the default allocator when nil).
func newAllocator(mem memory.Allocator, limit int) *allocator {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &allocator{mem: mem, limit: limit, live: map[uintptr]*allocation{}}
}

// allocationLimit is the largest single buffer a file of size bytes may
// need. Decompressing expands the most: zstd at most about 32768 times
// (a 4-byte RLE block for 128 KiB), LZ4 about 255 times.
func allocationLimit(size int64) int {
	return int(min(size, 1<<32)*32768 + 1<<20)
}

// tooLarge is the panic value for a refused allocation.
type tooLarge struct{ size, limit int }

func (e tooLarge) Error() string {
	return fmt.Sprintf("a buffer of %d bytes is over the limit of %d for this file (corrupt length?)", e.size, e.limit)
}

func (a *allocator) check(size int) {
	if size < 0 || size > a.limit {
		panic(tooLarge{size, a.limit})
	}
}

func pointer(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// add records a new buffer; zero-length ones hold nothing to free.
func (a *allocator) add(b []byte) {
	if len(b) == 0 {
		return
	}
	p := pointer(b)
	a.mu.Lock()
	a.live[p] = &allocation{buf: b}
	a.recent = append(a.recent, p)
	a.mu.Unlock()
}

func (a *allocator) remove(b []byte) {
	if len(b) > 0 {
		a.mu.Lock()
		delete(a.live, pointer(b))
		a.mu.Unlock()
	}
}

// Allocate implements memory.Allocator.
func (a *allocator) Allocate(size int) []byte {
	a.check(size)
	b := a.mem.Allocate(size)
	a.add(b)
	return b
}

// Reallocate implements memory.Allocator.
func (a *allocator) Reallocate(size int, b []byte) []byte {
	a.check(size)
	a.remove(b)
	b = a.mem.Reallocate(size, b)
	a.add(b)
	return b
}

// Free implements memory.Allocator.
func (a *allocator) Free(b []byte) {
	a.remove(b)
	a.mem.Free(b)
}

// export marks the buffers behind a batch about to be handed out: sweep
// leaves them to whoever holds the batch. A buffer of the batch may be a
// slice of an allocation (an uncompressed IPC body holds every column).
func (a *allocator) export(b arrow.RecordBatch) {
	var ptrs []uintptr
	for _, c := range b.Columns() {
		collect(c.Data(), &ptrs)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range ptrs {
		if al := a.containing(p, a.recent); al != nil {
			al.exported = true
		} else if al := a.containing(p, nil); al != nil {
			al.exported = true
		}
	}
	a.recent = a.recent[:0]
}

// containing finds the live allocation holding p among the candidates,
// or among all when candidates is nil.
func (a *allocator) containing(p uintptr, candidates []uintptr) *allocation {
	if al, ok := a.live[p]; ok {
		return al
	}
	inside := func(start uintptr, al *allocation) bool { return p > start && p < start+uintptr(len(al.buf)) }
	if candidates != nil {
		for _, start := range candidates {
			if al, ok := a.live[start]; ok && inside(start, al) {
				return al
			}
		}
		return nil
	}
	for start, al := range a.live {
		if inside(start, al) {
			return al
		}
	}
	return nil
}

func collect(d arrow.ArrayData, ptrs *[]uintptr) {
	for _, b := range d.Buffers() {
		if b != nil && b.Len() > 0 {
			*ptrs = append(*ptrs, pointer(b.Bytes()))
		}
	}
	for _, c := range d.Children() {
		collect(c, ptrs)
	}
	if d.DataType().ID() == arrow.DICTIONARY {
		collect(d.Dictionary(), ptrs)
	}
}

// sweep frees every live buffer that backs no batch handed out. Call it
// only when nothing else can hold them: the reader and its arrow-go
// readers closed.
func (a *allocator) sweep() {
	a.mu.Lock()
	var lost [][]byte
	for p, al := range a.live {
		if !al.exported {
			lost = append(lost, al.buf)
			delete(a.live, p)
		}
	}
	a.recent = nil
	a.mu.Unlock()
	for _, b := range lost {
		a.mem.Free(b)
	}
}
