package arrowmem

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
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

// TestPoolReuses: buffers go out with their capacity their length
// (arrow-go's kernels grow a buffer only past its capacity); a freed
// one goes back to its class, whole; a slice the pool did not give is
// not taken in.
func TestPoolReuses(t *testing.T) {
	p := NewPool()
	a := p.Allocate(100_000)
	if len(a) != 100_000 || cap(a) != 100_000 {
		t.Fatalf("len %d cap %d, want both 100000", len(a), cap(a))
	}
	p.Free(a)
	c := poolClass(100_000)
	if p.Idle() != int64(poolClassSize(c)) {
		t.Fatalf("idle %d bytes, want the block's %d", p.Idle(), poolClassSize(c))
	}
	block := p.classes[c].take()
	if len(block) != poolClassSize(c) || &block[0] != &a[0] {
		t.Fatalf("the freed buffer is not its class's whole block")
	}
	p.idle.Add(-int64(len(block)))
	p.Free(a) // twice: not the pool's any more
	p.Free(make([]byte, poolClassSize(c)))
	if p.classes[c].take() != nil || p.Idle() != 0 {
		t.Fatal("a buffer freed twice, or not the pool's, was taken in")
	}
}

// TestPoolClasses: every pooled size fits its class's block, which is at
// most an eighth larger (4 KiB at least); classes grow with size.
func TestPoolClasses(t *testing.T) {
	prev := -1
	for n := 1; n <= 1<<maxPoolExp; n += 1 + n/97 {
		c := poolClass(n)
		size := poolClassSize(c)
		if c < prev || size < n || (n > 1<<minPoolExp && size > n+n/8) || (n <= 1<<minPoolExp && size != 1<<minPoolExp) {
			t.Fatalf("%d bytes: class %d (after %d) of %d bytes", n, c, prev, size)
		}
		if c > 0 && poolClassSize(c-1) >= n {
			t.Fatalf("%d bytes: class %d, though class %d holds %d", n, c, c-1, poolClassSize(c-1))
		}
		prev = c
	}
	if poolClass(1<<maxPoolExp) != poolClasses-1 || poolClass(1<<maxPoolExp+1) != -1 {
		t.Fatalf("the last class is %d of %d", poolClass(1<<maxPoolExp), poolClasses)
	}
}

// TestPoolIdleBound: the pool keeps at most MaxIdle bytes of free
// buffers, drops those left idle through a collection cycle, and so
// keeps none once the process is quiet.
func TestPoolIdleBound(t *testing.T) {
	p := NewPool()
	p.SetMaxIdle(1 << 20)
	var bufs [][]byte
	for range 40 {
		bufs = append(bufs, p.Allocate(64<<10))
	}
	for _, b := range bufs {
		p.Free(b)
	}
	if got := p.Idle(); got != 1<<20 {
		t.Fatalf("idle %d bytes, want the bound, %d", got, 1<<20)
	}
	p.age()
	if got := p.Idle(); got != 1<<20 {
		t.Fatalf("idle %d bytes after one cycle, want them kept, %d", got, 1<<20)
	}
	p.Free(p.Allocate(64 << 10)) // taken from the old, back to the recent
	p.age()
	if got := p.Idle(); got != 64<<10 {
		t.Fatalf("idle %d bytes after two cycles, want the one block used since, %d", got, 64<<10)
	}
	// Real collections age the pool too: a few empty it.
	for i := 0; p.Idle() != 0; i++ {
		if i == 1000 {
			t.Fatalf("%d bytes still idle after %d collections", p.Idle(), i)
		}
		runtime.GC()
		runtime.Gosched()
	}
}

// TestPoolUnderArrowKernels: arrow-go's compute kernels (a take of a
// string array, whose builder sizes by capacity) work on pooled buffers.
func TestPoolUnderArrowKernels(t *testing.T) {
	mem := memory.NewCheckedAllocator(NewPool())
	defer mem.AssertSize(t, 0)
	sb := array.NewStringBuilder(mem)
	idx := array.NewInt32Builder(mem)
	for i := range 50_000 {
		sb.Append(strings.Repeat("x", i%13))
		idx.Append(int32((i * 7919) % 50_000))
	}
	strs, indices := sb.NewArray(), idx.NewArray()
	sb.Release()
	idx.Release()
	defer strs.Release()
	defer indices.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	for range 3 {
		out, err := compute.TakeArray(ctx, strs, indices)
		if err != nil {
			t.Fatal(err)
		}
		got := out.(*array.String)
		for i := range got.Len() {
			if want := strs.(*array.String).Value(int(indices.(*array.Int32).Value(i))); got.Value(i) != want {
				t.Fatalf("row %d: %q, want %q", i, got.Value(i), want)
			}
		}
		out.Release()
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
