package ipcio

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/internal/arrowipc"
	"github.com/ember-df/ember/plan"
)

// readBack writes a with arrow-go's stream writer and reads it back with
// arrow-go's reader, as ember's reader gets it; the caller releases it.
func readBack(t *testing.T, mem memory.Allocator, a arrow.Array) arrow.Array {
	t.Helper()
	s := arrow.NewSchema([]arrow.Field{{Name: "c", Type: a.DataType(), Nullable: true}}, nil)
	b := array.NewRecordBatch(s, []arrow.Array{a}, int64(a.Len()))
	defer b.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s), ipc.WithAllocator(mem))
	if err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	w.Close()
	r, err := ipc.NewReader(&buf, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if !r.Next() {
		t.Fatal(r.Err())
	}
	c := r.RecordBatch().Column(0)
	c.Retain()
	return c
}

// TestValidateArrowGoGaps checks the arrays arrow-go's IPC reader builds
// from sound files and its validation refuses (a null column has no
// buffers) or panics on (an empty dense union has no offsets): arrowipc.Validate
// passes them, and still refuses a corrupt union.
func TestValidateArrowGoGaps(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dense := arrow.DenseUnionOf([]arrow.Field{{Name: "n", Type: arrow.Null, Nullable: true}, {Name: "i", Type: arrow.PrimitiveTypes.Int8, Nullable: true}}, []arrow.UnionTypeCode{0, 1})
	for _, c := range []struct {
		typ    arrow.DataType
		values string
	}{
		{arrow.Null, `[null, null]`},
		{arrow.StructOf(arrow.Field{Name: "n", Type: arrow.Null, Nullable: true}), `[{"n": null}, null]`},
		{dense, `[[0, null], [1, 5]]`},
		{dense, `[]`},
		{arrow.ListOf(dense), `[[], null, [[1, 2]]]`},
	} {
		a, _, err := array.FromJSON(mem, c.typ, strings.NewReader(c.values))
		if err != nil {
			t.Fatal(err)
		}
		read := readBack(t, mem, a)
		a.Release()
		if err := arrowipc.Validate(read); err != nil {
			t.Errorf("%s %s: %v", c.typ, c.values, err)
		}
		read.Release()
	}

	// A dense union offset past its child's end.
	codes := memory.NewBufferBytes([]byte{1})
	offsets := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes([]int32{7}))
	nulls := array.MakeArrayOfNull(mem, arrow.Null, 0)
	defer nulls.Release()
	ints, _, _ := array.FromJSON(mem, arrow.PrimitiveTypes.Int8, strings.NewReader(`[1]`))
	defer ints.Release()
	d := array.NewData(dense, 1, []*memory.Buffer{nil, codes, offsets}, []arrow.ArrayData{nulls.Data(), ints.Data()}, 0, 0)
	defer d.Release()
	bad := array.MakeFromData(d)
	defer bad.Release()
	if err := arrowipc.Validate(bad); err == nil || !strings.Contains(err.Error(), "offset") {
		t.Errorf("corrupt dense union: %v", err)
	}
}

// TestNestedDictionaryIndexOutOfBounds reads a list of dictionary-encoded
// strings whose indices point past the dictionary: an error, before any
// decoding (which runs in compute's goroutines, where a panic could not be
// recovered).
func TestNestedDictionaryIndexOutOfBounds(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	values, _, _ := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["a", "b"]`))
	defer values.Release()
	indices, _, _ := array.FromJSON(mem, arrow.PrimitiveTypes.Int8, strings.NewReader(`[0, 1, 100]`))
	defer indices.Release()
	dict := array.NewDictionaryArray(dt, indices, values)
	defer dict.Release()
	offsets := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes([]int32{0, 1, 3}))
	ld := array.NewData(arrow.ListOf(dt), 2, []*memory.Buffer{nil, offsets}, []arrow.ArrayData{dict.Data()}, 0, 0)
	defer ld.Release()
	list := array.MakeFromData(ld)
	defer list.Release()

	s := arrow.NewSchema([]arrow.Field{{Name: "l", Type: list.DataType(), Nullable: true}}, nil)
	b := array.NewRecordBatch(s, []arrow.Array{list}, 2)
	defer b.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	if err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	w.Close()
	path := filepath.Join(t.TempDir(), "bad-index.arrows")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := NewSource([]string{path}, Options{Layout: LayoutStream})
	if err != nil {
		t.Fatal(err)
	}
	r, err := src.Open(t.Context(), 0, plan.ScanOptions{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(t.Context()); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `column "l": corrupt data`) {
		t.Fatalf("error %v, want corrupt data in column \"l\" of %s", err, path)
	}
}
