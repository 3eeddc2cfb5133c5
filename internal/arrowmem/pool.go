package arrowmem

import (
	"math/bits"
	"sync"
	"unsafe"

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
// (PoisonAllocator finds such uses in tests). Free takes back only the
// buffers it gave, whole: any other slice is left to the collector.
// It is safe for concurrent use; its idle buffers go with the collector's
// cycles (sync.Pool), so it keeps no memory a quiet process needs.
type Pool struct {
	classes [maxPoolClass - minPoolClass + 1]sync.Pool
	// out records the buffers handed out, by address, with the length
	// given: arrow-go takes a buffer's capacity for its length (its
	// kernels grow a buffer only past cap), so a buffer goes out with
	// both its requested length, and Free finds its class here. Sharded
	// by address to keep goroutines off one lock; by address, not by
	// pointer, so that a buffer never freed (an unreleased array) is
	// still collected.
	out [poolShards]poolShard
}

const poolShards = 16

type poolShard struct {
	mu   sync.Mutex
	bufs map[uintptr]pooled
}

// pooled is a buffer handed out: its length and the whole block's.
type pooled struct {
	size  int
	class int8
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
	var block []byte
	if v := p.classes[c-minPoolClass].Get(); v != nil {
		block = *v.(*[]byte)
		clear(block[:size])
	} else {
		block = make([]byte, 1<<c)
	}
	b := block[:size:size]
	sh := p.shard(b)
	sh.mu.Lock()
	if sh.bufs == nil {
		sh.bufs = map[uintptr]pooled{}
	}
	sh.bufs[uintptr(unsafe.Pointer(unsafe.SliceData(b)))] = pooled{size: size, class: int8(c)}
	sh.mu.Unlock()
	return b
}

func (p *Pool) shard(b []byte) *poolShard {
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return &p.out[(addr>>minPoolClass)%poolShards]
}

// Reallocate implements memory.Allocator: b's bytes in a buffer of size
// bytes, the bytes past them zeroed.
func (p *Pool) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		// Only a buffer shrunk before has room: as GoAllocator's, with
		// the bytes it grows by zeroed.
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
	if cap(b) == 0 {
		return
	}
	sh := p.shard(b)
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	sh.mu.Lock()
	out, ok := sh.bufs[addr]
	if ok && out.size == cap(b) {
		delete(sh.bufs, addr)
	} else {
		ok = false
	}
	sh.mu.Unlock()
	if !ok {
		return // not one of the pool's: the collector's
	}
	block := unsafe.Slice(unsafe.SliceData(b), 1<<out.class)
	p.classes[int(out.class)-minPoolClass].Put(&block)
}
