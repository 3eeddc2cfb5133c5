package frame_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

// peakAllocator records the most bytes ever allocated at once.
type peakAllocator struct {
	memory.Allocator
	mu        sync.Mutex
	cur, peak int
}

func (p *peakAllocator) Allocate(n int) []byte {
	p.track(n)
	return p.Allocator.Allocate(n)
}

func (p *peakAllocator) Reallocate(n int, b []byte) []byte {
	p.track(n - len(b))
	return p.Allocator.Reallocate(n, b)
}

func (p *peakAllocator) Free(b []byte) {
	p.track(-len(b))
	p.Allocator.Free(b)
}

func (p *peakAllocator) track(delta int) {
	p.mu.Lock()
	p.cur += delta
	p.peak = max(p.peak, p.cur)
	p.mu.Unlock()
}

// TestStreamingMemoryIsFlat runs the same read → filter → derive → write
// job over an input four times larger: Arrow memory in flight must not
// grow with it.
func TestStreamingMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 30 MB of CSV")
	}
	peak := func(rows int) int {
		dir := t.TempDir()
		in := bigCSV(t, dir, rows)
		mem := &peakAllocator{Allocator: memory.NewGoAllocator()}
		sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2))
		defer sess.Close()
		df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(in).
			Filter(frame.Col("b").Gt(2)).WithColumn("c", frame.Col("a").Mul(frame.Col("b")))
		if err := df.Write().CSV(context.Background(), filepath.Join(dir, "out")); err != nil {
			t.Fatal(err)
		}
		if mem.cur != 0 {
			t.Fatalf("%d bytes still allocated", mem.cur)
		}
		return mem.peak
	}
	small, large := peak(250_000), peak(1_000_000)
	t.Logf("peak Arrow memory: %d KiB for 250k rows, %d KiB for 1M rows", small>>10, large>>10)
	if large > small*3/2 {
		t.Fatalf("peak memory grew with the input: %d → %d bytes", small, large)
	}
}
