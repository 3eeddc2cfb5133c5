package arrowipc

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestSweepKeepsExported: Sweep frees what a decode left behind, and
// leaves the buffers of exported batches, also when a batch's buffers are
// slices of one allocation, to their owner.
func TestSweepKeepsExported(t *testing.T) {
	checked := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer checked.AssertSize(t, 0)
	a := NewAllocator(checked, 1<<20)

	lost := a.Allocate(100) // a decoder's leftover
	_ = lost
	body := memory.NewResizableBuffer(a) // one body, two columns sliced from it
	body.Resize(128)
	s := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil)
	cols := make([]arrow.Array, 2)
	for i := range cols {
		buf := memory.SliceBuffer(body, 64*i, 64)
		d := array.NewData(arrow.PrimitiveTypes.Int64, 8, []*memory.Buffer{nil, buf}, nil, 0, 0)
		cols[i] = array.MakeFromData(d)
		d.Release()
		buf.Release()
	}
	body.Release()
	batch := array.NewRecordBatch(s, cols, 8)
	for _, c := range cols {
		c.Release()
	}
	a.Export(batch)
	a.Sweep()
	if got := checked.CurrentAlloc(); got != 128 {
		t.Fatalf("%d bytes live after the sweep, want the batch's 128", got)
	}
	batch.Release()
}

// TestSweepAfterFailure: with nothing exported, Sweep frees every buffer
// still out.
func TestSweepAfterFailure(t *testing.T) {
	checked := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer checked.AssertSize(t, 0)
	a := NewAllocator(checked, 1<<20)
	b := a.Allocate(10)
	b = a.Reallocate(1000, b)
	a.Free(a.Allocate(5))
	a.Allocate(0)
	a.Sweep()
}

func TestAllocationOverLimit(t *testing.T) {
	checked := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer checked.AssertSize(t, 0)
	a := NewAllocator(checked, AllocationLimit(10))
	defer func() {
		p := recover()
		err, ok := p.(error)
		if !ok || !strings.Contains(err.Error(), "over the limit") {
			t.Fatalf("panic %v, want an error saying over the limit", p)
		}
	}()
	a.Allocate(AllocationLimit(10) + 1)
}
