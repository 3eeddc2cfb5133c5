package arrowmem

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestBytes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64},
		{Name: "d", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}},
	}, nil)
	b, _, err := array.RecordFromJSON(mem, s, strings.NewReader(`[{"x": 1, "d": "a"}, {"x": 2, "d": "bb"}, {"x": 3, "d": "a"}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	x, d := ArrayBytes(b.Column(0).Data()), ArrayBytes(b.Column(1).Data())
	dict := ArrayBytes(b.Column(1).Data().Dictionary())
	if x < 24 || dict == 0 || d < dict || BatchBytes(b) != x+d {
		t.Fatalf("x %d, d %d (dictionary %d), batch %d", x, d, dict, BatchBytes(b))
	}
}

// TestBytesCountsCapacity: the slack a builder left, trimmed or not, is
// memory the array holds; a slice of a buffer holds its length.
func TestBytesCountsCapacity(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ints := array.NewInt64Builder(mem)
	defer ints.Release()
	ints.Reserve(1000) // trimmed by NewArray, in place
	ints.Append(7)
	strs := array.NewStringBuilder(mem)
	defer strs.Release()
	strs.ReserveData(1000) // kept by NewArray
	strs.Append("x")
	for _, a := range []arrow.Array{ints.NewArray(), strs.NewArray()} {
		if n := ArrayBytes(a.Data()); n < 1000 {
			t.Errorf("%s: ArrayBytes %d, want at least the 1000 bytes reserved", a.DataType(), n)
		}
		a.Release()
	}
	whole := memory.NewResizableBuffer(mem)
	whole.Resize(4096)
	defer whole.Release()
	part := memory.SliceBuffer(whole, 1024, 100)
	defer part.Release()
	if n := BufferBytes(part); n != 100 {
		t.Errorf("a slice of 100 bytes holds %d", n)
	}
}
