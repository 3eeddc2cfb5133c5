package spill

import "testing"

// TestBufferPool: buffers come back zeroed and of the size asked, are
// reused once freed, and the pool keeps no more than maxPooledBytes.
func TestBufferPool(t *testing.T) {
	var p bufferPool
	b := p.Allocate(100)
	if len(b) != 100 || cap(b) != 128 {
		t.Fatalf("len %d cap %d, want 100 and 128", len(b), cap(b))
	}
	for i := range b {
		b[i] = 0xff
	}
	p.Free(b)
	again := p.Allocate(120)
	if &again[0] != &b[0] {
		t.Fatal("a freed buffer of the size class was not reused")
	}
	for i, v := range again {
		if v != 0 {
			t.Fatalf("byte %d of a reused buffer is %#x, want 0", i, v)
		}
	}
	if grown := p.Reallocate(1000, again); len(grown) != 1000 || cap(grown) != 1024 {
		t.Fatalf("reallocated to len %d cap %d", len(grown), cap(grown))
	}
	p.Free(make([]byte, 100)) // not the pool's: dropped
	for range 2 * maxPooledBytes / (1 << 20) {
		p.Free(make([]byte, 1<<20))
	}
	if p.held > maxPooledBytes {
		t.Fatalf("the pool keeps %d bytes, more than %d", p.held, maxPooledBytes)
	}
}
