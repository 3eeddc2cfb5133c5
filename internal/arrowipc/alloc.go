package arrowipc

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Allocator is the allocator to decode untrusted IPC bytes with. It wraps
// the caller's allocator for two reasons:
//
//   - A corrupt compressed buffer can claim any uncompressed length, and
//     arrow-go allocates it before decompressing. Allocator refuses a
//     single allocation over its limit with a panic (its value an error),
//     which the IPC reader, or the caller's recover, turns into an error,
//     instead of letting the process die out of memory.
//   - On corrupt input arrow-go does not always release what it
//     allocated: an array whose construction panics keeps a reference to
//     its data, even data allocated long before (a dictionary). Allocator
//     remembers every live buffer, and which ones back the batches handed
//     out (Export); once the decoder is closed or abandoned, any other
//     buffer still live is garbage, and Sweep frees it. The caller's
//     allocator then balances, even on corrupt input.
//
// Batches decoded with it free their buffers through it, so it lives as
// long as they do. It is safe for concurrent use.
type Allocator struct {
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

var _ memory.Allocator = (*Allocator)(nil)

// NewAllocator wraps mem (the default allocator when nil), refusing
// single allocations of more than limit bytes (see AllocationLimit).
func NewAllocator(mem memory.Allocator, limit int) *Allocator {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &Allocator{mem: mem, limit: limit, live: map[uintptr]*allocation{}}
}

// AllocationLimit is the largest single buffer that size bytes of IPC
// data may need. Decompressing expands the most: zstd at most about 32768
// times (a 4-byte RLE block for 128 KiB), LZ4 about 255 times.
func AllocationLimit(size int64) int {
	return int(min(size, 1<<32)*32768 + 1<<20)
}

// tooLarge is the panic value for a refused allocation.
type tooLarge struct{ size, limit int }

func (e tooLarge) Error() string {
	return fmt.Sprintf("a buffer of %d bytes is over the limit of %d for this file (corrupt length?)", e.size, e.limit)
}

func (a *Allocator) check(size int) {
	if size < 0 || size > a.limit {
		panic(tooLarge{size, a.limit})
	}
}

func pointer(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// add records a new buffer; zero-length ones hold nothing to free.
func (a *Allocator) add(b []byte) {
	if len(b) == 0 {
		return
	}
	p := pointer(b)
	a.mu.Lock()
	a.live[p] = &allocation{buf: b}
	a.recent = append(a.recent, p)
	a.mu.Unlock()
}

func (a *Allocator) remove(b []byte) {
	if len(b) > 0 {
		a.mu.Lock()
		delete(a.live, pointer(b))
		a.mu.Unlock()
	}
}

// Allocate implements memory.Allocator.
func (a *Allocator) Allocate(size int) []byte {
	a.check(size)
	b := a.mem.Allocate(size)
	a.add(b)
	return b
}

// Reallocate implements memory.Allocator.
func (a *Allocator) Reallocate(size int, b []byte) []byte {
	a.check(size)
	a.remove(b)
	b = a.mem.Reallocate(size, b)
	a.add(b)
	return b
}

// Free implements memory.Allocator.
func (a *Allocator) Free(b []byte) {
	a.remove(b)
	a.mem.Free(b)
}

// Export marks the buffers behind a batch about to be handed out: Sweep
// leaves them to whoever holds the batch. A buffer of the batch may be a
// slice of an allocation (an uncompressed IPC body holds every column).
func (a *Allocator) Export(b arrow.RecordBatch) {
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
func (a *Allocator) containing(p uintptr, candidates []uintptr) *allocation {
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

// Sweep frees every live buffer that backs no exported batch. Call it
// only when nothing else can hold them: the decoder closed, or abandoned
// after a failure with the batches it returned released.
func (a *Allocator) Sweep() {
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
