package arrowmem

import (
	"bytes"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestPoolZeroes: whatever a freed buffer held, what Allocate returns
// and what Reallocate grows by are zeros, as GoAllocator's are.
func TestPoolZeroes(t *testing.T) {
	p := NewPool()
	for _, size := range []int{1, 100, 2048, 4096, 5000, 1 << 20, 1<<26 + 1} {
		// Dirty buffers of the class go back to the pool first.
		for range 4 {
			b := p.Allocate(size)
			for i := range b {
				b[i] = 0xff
			}
			p.Free(b)
		}
		b := p.Allocate(size)
		if len(b) != size || !allZero(b) {
			t.Fatalf("Allocate(%d): %d bytes, zero %v", size, len(b), allZero(b))
		}
		for i := range b {
			b[i] = 7
		}
		grown := p.Reallocate(size+size/2+1, b)
		if !bytes.Equal(grown[:size], bytes.Repeat([]byte{7}, size)) || !allZero(grown[size:]) {
			t.Fatalf("Reallocate(%d → %d) lost the data or left garbage past it", size, len(grown))
		}
		shrunk := p.Reallocate(size/2, grown)
		dirty := shrunk[:cap(shrunk)]
		for i := range dirty {
			dirty[i] = 9
		}
		regrown := p.Reallocate(size, shrunk)
		if !allZero(regrown[size/2:]) {
			t.Fatalf("Reallocate within capacity (%d → %d) left garbage", size/2, size)
		}
		p.Free(regrown)
	}
}

// TestPoolReuses: a freed buffer of a class is what the next Allocate of
// the class returns (on the same goroutine, as sync.Pool keeps it), and
// a slice of a foreign capacity is not taken in.
func TestPoolReuses(t *testing.T) {
	p := NewPool()
	a := p.Allocate(100_000)
	if cap(a) != 1<<17 {
		t.Fatalf("cap %d, want the class's %d", cap(a), 1<<17)
	}
	p.Free(a)
	b := p.Allocate(70_000)
	if &b[0] != &a[0] {
		t.Log("the freed buffer was not reused (sync.Pool may drop it)")
	}
	p.Free(make([]byte, 5000)) // not a class size: left to the collector
	if c := p.Allocate(4096); cap(c) != 4096 {
		t.Fatalf("a foreign buffer came out of the pool: cap %d", cap(c))
	}
}

// TestPoolConcurrent: goroutines allocating, writing and freeing at once
// never see each other's bytes (run with -race).
func TestPoolConcurrent(t *testing.T) {
	p := NewPool()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				b := p.Allocate(4096 + (i%7)*1000)
				if !allZero(b) {
					t.Error("a buffer came out dirty")
					return
				}
				for j := range b {
					b[j] = byte(g + 1)
				}
				for j := range b {
					if b[j] != byte(g+1) {
						t.Error("another goroutine wrote into a buffer in use")
						return
					}
				}
				p.Free(b)
			}
		}()
	}
	wg.Wait()
}

// TestPoolUnderCheckedAllocator: Arrow arrays built on a pool read back
// and balance a checked allocator.
func TestPoolUnderCheckedAllocator(t *testing.T) {
	mem := memory.NewCheckedAllocator(NewPool())
	defer mem.AssertSize(t, 0)
	for range 3 {
		b := array.NewInt64Builder(mem)
		for i := range 100_000 {
			b.Append(int64(i))
		}
		arr := b.NewInt64Array()
		b.Release()
		for i := range arr.Len() {
			if arr.Value(i) != int64(i) {
				t.Fatalf("value %d = %d", i, arr.Value(i))
			}
		}
		arr.Release()
	}
}

// TestPoisonAllocator: a freed buffer reads as poison.
func TestPoisonAllocator(t *testing.T) {
	mem := memory.NewCheckedAllocator(NewPoisonAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{1, 2, 3}, nil)
	arr := b.NewInt64Array()
	b.Release()
	raw := arr.Data().Buffers()[1].Bytes()
	arr.Release()
	for _, c := range raw {
		if c != PoisonByte {
			t.Fatalf("freed bytes %v, want poison", raw)
		}
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// BenchmarkAllocateFree allocates, touches and frees a batch-sized
// buffer (128 KiB, a 16384-row column of int64) from the pool and from
// memory.GoAllocator.
func BenchmarkAllocateFree(b *testing.B) {
	const size = 128 << 10
	for _, c := range []struct {
		name string
		mem  memory.Allocator
	}{{"pool", NewPool()}, {"go", memory.NewGoAllocator()}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				buf := c.mem.Allocate(size)
				buf[0], buf[size-1] = 1, 1
				c.mem.Free(buf)
			}
		})
	}
}
