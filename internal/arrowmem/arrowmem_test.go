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
