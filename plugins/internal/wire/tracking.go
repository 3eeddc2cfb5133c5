package wire

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// tracking is an allocator that remembers what it handed out and has not
// got back, so that a decoder that panicked half-way — leaving buffers
// no one will release — can be cleaned up after.
type tracking struct {
	mem  memory.Allocator
	mu   sync.Mutex
	live map[*byte][]byte
}

func newTracking(mem memory.Allocator) *tracking {
	return &tracking{mem: mem, live: map[*byte][]byte{}}
}

func (t *tracking) Allocate(size int) []byte {
	b := t.mem.Allocate(size)
	if cap(b) > 0 {
		t.mu.Lock()
		t.live[&b[:1][0]] = b
		t.mu.Unlock()
	}
	return b
}

func (t *tracking) Reallocate(size int, b []byte) []byte {
	t.forget(b)
	b = t.mem.Reallocate(size, b)
	if cap(b) > 0 {
		t.mu.Lock()
		t.live[&b[:1][0]] = b
		t.mu.Unlock()
	}
	return b
}

func (t *tracking) Free(b []byte) {
	t.forget(b)
	t.mem.Free(b)
}

func (t *tracking) forget(b []byte) {
	if cap(b) > 0 {
		t.mu.Lock()
		delete(t.live, &b[:1][0])
		t.mu.Unlock()
	}
}

// freeAll frees every buffer still out.
func (t *tracking) freeAll() {
	t.mu.Lock()
	live := t.live
	t.live = map[*byte][]byte{}
	t.mu.Unlock()
	for _, b := range live {
		t.mem.Free(b)
	}
}
