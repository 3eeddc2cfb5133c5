package arrowmem

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Pool is a memory.Allocator that keeps the buffers freed to it for
// reuse, by power-of-two size class from 4 KiB to 64 MiB: smaller and
// larger ones are Go slices the garbage collector frees, as
// memory.GoAllocator's. Arrow data flows through ember in batches of a
// few thousand rows allocated and freed at a high rate; a buffer just
// freed and taken again is warm in the CPU's caches and needs no fresh
// page, where a new one is cleared in main memory (a fifth of a Parquet
// scan's time went to the Go runtime clearing new buffers).
//
// Its buffers are zeroed as GoAllocator's are: Allocate clears the bytes
// it returns, and Reallocate the bytes a buffer grows by within its
// capacity, so no reader sees a former buffer's data. A buffer must not
// be used once freed (Arrow's reference counting frees it when the last
// reference goes): with a pool, one that is would read another's data
// (PoisonAllocator finds such uses in tests). Free takes only the
// buffers it gave: a slice of another capacity is left to the collector.
// It is safe for concurrent use; its idle buffers go with the collector's
// cycles (sync.Pool), so it keeps no memory a quiet process needs.
type Pool struct {
	classes [maxPoolClass - minPoolClass + 1]sync.Pool
}

const (
	minPoolClass = 12 // 4 KiB
	maxPoolClass = 26 // 64 MiB
)

var _ memory.Allocator = (*Pool)(nil)

// DefaultPool is the pool ember's sessions and jobs allocate from when
// they are given no allocator.
var DefaultPool = NewPool()

// NewPool returns an empty pool.
func NewPool() *Pool { return &Pool{} }

// class is the size class of buffers of n bytes, or -1 when n is not
// pooled.
func poolClass(n int) int {
	if n <= 0 || n > 1<<maxPoolClass {
		return -1
	}
	c := max(bits.Len(uint(n-1)), minPoolClass)
	return c
}

// Allocate implements memory.Allocator: size zeroed bytes.
func (p *Pool) Allocate(size int) []byte {
	c := poolClass(size)
	if c < 0 || size < 1<<minPoolClass/2 {
		// Small buffers (validity bitmaps of short batches, offsets of a
		// few values) cost more to pool than to allocate.
		return make([]byte, size)
	}
	if v := p.classes[c-minPoolClass].Get(); v != nil {
		b := (*v.(*[]byte))[:size]
		clear(b)
		return b
	}
	return make([]byte, size, 1<<c)
}

// Reallocate implements memory.Allocator: b's bytes in a buffer of size
// bytes, the bytes past them zeroed.
func (p *Pool) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		if size > len(b) {
			clear(b[len(b):size])
		}
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free implements memory.Allocator: b goes back to its size class, if it
// has one.
func (p *Pool) Free(b []byte) {
	n := cap(b)
	if n < 1<<minPoolClass || n > 1<<maxPoolClass || n&(n-1) != 0 {
		return
	}
	b = b[:n]
	p.classes[bits.Len(uint(n-1))-minPoolClass].Put(&b)
}
