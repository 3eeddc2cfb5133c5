package spill

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// maxPooledBytes bounds the free buffers a Dir's pool keeps.
const maxPooledBytes = 8 << 20

// bufferPool is the allocator of what Writers encode with: the
// compressed copy of each buffer of a batch (and the rare truncated
// bitmap), which lives only during one Write. Recycling it spares the
// garbage collector a second copy of every byte spilled — which the
// heap would otherwise hold until the next collection, and which a
// collection that is marking counts as live. Buffers come in
// power-of-two sizes; at most maxPooledBytes of free ones are kept. It
// is safe for concurrent use.
type bufferPool struct {
	mu   sync.Mutex
	free [64][][]byte // by size class: cap 1<<class
	held int64
}

var _ memory.Allocator = (*bufferPool)(nil)

func sizeClass(n int) int { return bits.Len(uint(max(n, 64) - 1)) }

// Allocate implements memory.Allocator: n zeroed bytes.
func (p *bufferPool) Allocate(n int) []byte {
	c := sizeClass(n)
	p.mu.Lock()
	if l := p.free[c]; len(l) > 0 {
		b := l[len(l)-1]
		p.free[c] = l[:len(l)-1]
		p.held -= int64(cap(b))
		p.mu.Unlock()
		b = b[:n]
		clear(b)
		return b
	}
	p.mu.Unlock()
	return make([]byte, n, 1<<c)
}

// Reallocate implements memory.Allocator.
func (p *bufferPool) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	out := p.Allocate(size)
	copy(out, b)
	p.Free(b)
	return out
}

// Free implements memory.Allocator: b goes back to the pool if there is
// room for it.
func (p *bufferPool) Free(b []byte) {
	c := cap(b)
	if c == 0 || c&(c-1) != 0 { // not one of the pool's
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held+int64(c) > maxPooledBytes {
		return
	}
	class := bits.Len(uint(c - 1))
	p.free[class] = append(p.free[class], b[:0])
	p.held += int64(c)
}
