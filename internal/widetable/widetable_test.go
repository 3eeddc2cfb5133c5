package widetable

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestNew(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a, b := New(mem, 100, 1), New(mem, 100, 1)
	defer a.Release()
	defer b.Release()
	if a.NumCols() != Columns || a.NumRows() != 100 || !array.RecordEqual(a, b) {
		t.Fatalf("not the same %d×%d table for one seed", a.NumRows(), a.NumCols())
	}
	c := New(mem, 100, 2)
	defer c.Release()
	if array.RecordEqual(a, c) {
		t.Fatal("two seeds gave the same table")
	}
}
