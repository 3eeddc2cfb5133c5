package arrowmem

import (
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// PoisonAllocator is a memory.Allocator for tests that makes a use of a
// freed buffer show: Free overwrites the buffer with PoisonByte and the
// buffer is never handed out again, so code that reads Arrow data after
// releasing it (which a Pool would hand to someone else) reads poison —
// numbers and strings no test expects — rather than the old values that
// memory.GoAllocator leaves in place. It allocates as GoAllocator does.
type PoisonAllocator struct{ base memory.GoAllocator }

// PoisonByte is what freed buffers are filled with.
const PoisonByte = 0xA5

var _ memory.Allocator = (*PoisonAllocator)(nil)

// NewPoisonAllocator returns a poisoning allocator.
func NewPoisonAllocator() *PoisonAllocator { return &PoisonAllocator{} }

// Allocate implements memory.Allocator.
func (a *PoisonAllocator) Allocate(size int) []byte { return a.base.Allocate(size) }

// Reallocate implements memory.Allocator; the old buffer, when moved, is
// poisoned.
func (a *PoisonAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return a.base.Reallocate(size, b)
	}
	nb := a.base.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free implements memory.Allocator: b is filled with PoisonByte.
func (a *PoisonAllocator) Free(b []byte) {
	b = b[:cap(b)]
	for i := range b {
		b[i] = PoisonByte
	}
}
