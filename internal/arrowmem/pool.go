package arrowmem

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
	"weak"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Pool is a memory.Allocator that keeps the buffers freed to it for
// reuse, by size class from 4 KiB to 64 MiB (eight classes to each
// doubling, so that a block is at most an eighth larger than the buffer
// it holds): smaller and larger ones are Go slices the garbage collector
// frees, as memory.GoAllocator's. Arrow data flows through ember in
// batches of a few thousand rows allocated and freed at a high rate; a
// buffer just freed and taken again is warm in the CPU's caches and
// needs no fresh page, where a new one is cleared in main memory (a
// fifth of a Parquet scan's time went to the Go runtime clearing new
// buffers).
//
// Its buffers are zeroed as GoAllocator's are: Allocate clears the bytes
// it returns, and Reallocate the bytes a buffer grows by within its
// capacity, so no reader sees a former buffer's data. A buffer must not
// be used once freed (Arrow's reference counting frees it when the last
// reference goes): with a pool, one that is would read another's data
// (PoisonAllocator finds such uses in tests). Free takes back only the
// buffers it gave, whole: any other slice is left to the collector.
//
// Memory a pool keeps idle is not data, and a memory budget does not
// count it, so it is bounded: at most MaxIdle bytes of free buffers
// (those past it go to the collector), and a buffer left idle through a
// whole garbage-collection cycle is dropped, so a quiet process keeps
// none. It is safe for concurrent use.
type Pool struct {
	classes [poolClasses]freeList
	// idle is the bytes of the blocks in the free lists; maxIdle bounds it.
	idle, maxIdle atomic.Int64
	// out records the buffers handed out, by address, with the length
	// given: arrow-go takes a buffer's capacity for its length (its
	// kernels grow a buffer only past cap), so a buffer goes out with
	// both its requested length, and Free finds its class here. Sharded
	// by address to keep goroutines off one lock; by address, not by
	// pointer, so that a buffer never freed (an unreleased array) is
	// still collected.
	out [poolShards]poolShard
}

// freeList holds a size class's idle blocks: those freed since the last
// garbage collection (recent, taken first, the last freed first: the
// warmest) and those freed the cycle before (old, dropped at the next).
type freeList struct {
	mu          sync.Mutex
	recent, old [][]byte
}

const poolShards = 16

type poolShard struct {
	mu   sync.Mutex
	bufs map[uintptr]pooled
}

// pooled is a buffer handed out: its length and its block's class.
type pooled struct {
	size  int
	class uint8
}

const (
	minPoolExp = 12 // 4 KiB
	maxPoolExp = 26 // 64 MiB
	// poolSubclasses is the classes to each doubling above 4 KiB.
	poolSubclasses = 8
	poolClasses    = 1 + (maxPoolExp-minPoolExp)*poolSubclasses
)

var _ memory.Allocator = (*Pool)(nil)

// DefaultPool is the pool ember's sessions and jobs allocate from when
// they are given no allocator.
var DefaultPool = NewPool()

// DefaultMaxIdle is the idle bytes a new pool keeps at most: 2 MiB for
// each CPU Go may use (a few batches' buffers for each running task),
// and 8 MiB at least.
func DefaultMaxIdle() int64 { return max(8<<20, 2<<20*int64(runtime.GOMAXPROCS(0))) }

// NewPool returns an empty pool that keeps DefaultMaxIdle bytes idle at
// most.
func NewPool() *Pool {
	p := &Pool{}
	p.maxIdle.Store(DefaultMaxIdle())
	dropIdleAtEachGC(weak.Make(p))
	return p
}

// SetMaxIdle sets the idle bytes the pool keeps at most (0: none) and
// returns the former bound; free buffers past it go at the next
// collection.
func (p *Pool) SetMaxIdle(n int64) int64 { return p.maxIdle.Swap(max(n, 0)) }

// Idle returns the bytes of the free buffers the pool keeps now.
func (p *Pool) Idle() int64 { return p.idle.Load() }

// dropIdleAtEachGC arranges for the pool's old free blocks to be dropped
// and its recent ones to turn old at every garbage collection, for as
// long as the pool lives: a sentinel's cleanup runs after each cycle
// that finds it unreachable, and arms the next sentinel.
func dropIdleAtEachGC(p weak.Pointer[Pool]) {
	sentinel := new(*byte) // holds a pointer: never in a tiny block
	runtime.AddCleanup(sentinel, func(p weak.Pointer[Pool]) {
		if pool := p.Value(); pool != nil {
			pool.age()
			dropIdleAtEachGC(p)
		}
	}, p)
}

// age drops the old blocks of every class and makes the recent ones old.
func (p *Pool) age() {
	for i := range p.classes {
		l := &p.classes[i]
		l.mu.Lock()
		dropped := int64(len(l.old)) * int64(poolClassSize(i))
		clear(l.old)
		l.old, l.recent = l.recent, l.old[:0]
		l.mu.Unlock()
		if dropped != 0 {
			p.idle.Add(-dropped)
		}
	}
}

// poolClass is the size class of buffers of n bytes, or -1 when n is
// not pooled.
func poolClass(n int) int {
	if n <= 0 || n > 1<<maxPoolExp {
		return -1
	}
	if n <= 1<<minPoolExp {
		return 0
	}
	e := bits.Len(uint(n - 1)) // 2^(e-1) < n <= 2^e
	half := 1 << (e - 1)
	step := half / poolSubclasses
	sub := (n - half + step - 1) / step // 1 … poolSubclasses
	return 1 + (e-1-minPoolExp)*poolSubclasses + sub - 1
}

// poolClassSize is the bytes of a block of class c.
func poolClassSize(c int) int {
	if c == 0 {
		return 1 << minPoolExp
	}
	half := 1 << (minPoolExp + (c-1)/poolSubclasses)
	return half + ((c-1)%poolSubclasses+1)*(half/poolSubclasses)
}

// Allocate implements memory.Allocator: size zeroed bytes.
func (p *Pool) Allocate(size int) []byte {
	c := poolClass(size)
	if c < 0 || size < 1<<minPoolExp/2 {
		// Small buffers (validity bitmaps of short batches, offsets of a
		// few values) cost more to pool than to allocate.
		return make([]byte, size)
	}
	block := p.classes[c].take()
	if block != nil {
		p.idle.Add(-int64(len(block)))
		clear(block[:size])
	} else {
		block = make([]byte, poolClassSize(c))
	}
	b := block[:size:size]
	sh := p.shard(b)
	sh.mu.Lock()
	if sh.bufs == nil {
		sh.bufs = map[uintptr]pooled{}
	}
	sh.bufs[uintptr(unsafe.Pointer(unsafe.SliceData(b)))] = pooled{size: size, class: uint8(c)}
	sh.mu.Unlock()
	return b
}

// take returns the warmest idle block of the class, or nil.
func (l *freeList) take() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, list := range []*[][]byte{&l.recent, &l.old} {
		if n := len(*list); n > 0 {
			b := (*list)[n-1]
			(*list)[n-1] = nil
			*list = (*list)[:n-1]
			return b
		}
	}
	return nil
}

func (p *Pool) shard(b []byte) *poolShard {
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return &p.out[(addr>>minPoolExp)%poolShards]
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
	size := int64(poolClassSize(int(out.class)))
	if p.idle.Add(size) > p.maxIdle.Load() {
		p.idle.Add(-size)
		return // the collector's: the pool keeps enough idle
	}
	l := &p.classes[out.class]
	l.mu.Lock()
	l.recent = append(l.recent, unsafe.Slice(unsafe.SliceData(b), size))
	l.mu.Unlock()
}
