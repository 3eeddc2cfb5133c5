package ipcio

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
	flatbuffers "github.com/google/flatbuffers/go"
)

// The checks themselves are tested in internal/arrowipc; the tests here
// corrupt files and check that reading them fails with an error naming
// the file, instead of exhausting memory or the stack.

// schemaStream is an IPC stream holding only the schema s, and the offset
// of the schema message's metadata (after its 8-byte prefix).
func schemaStream(t *testing.T, s *arrow.Schema) ([]byte, int) {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), 8
}

// table is a table of a flatbuffer, located with the flatbuffers runtime;
// positions are offsets in its bytes. The numbers are vtable offsets of
// fields (4 + 2 × index) of the Arrow format's Message.fbs and Schema.fbs.
type table struct{ flatbuffers.Table }

func root(b []byte) table {
	return table{flatbuffers.Table{Bytes: b, Pos: flatbuffers.GetUOffsetT(b)}}
}

// slot is the position of a field; 0 when absent.
func (t table) slot(vo flatbuffers.VOffsetT) int {
	if o := t.Offset(vo); o != 0 {
		return int(t.Pos) + int(o)
	}
	return 0
}

func (t table) sub(tb *testing.T, vo flatbuffers.VOffsetT) table {
	at := t.slot(vo)
	if at == 0 {
		tb.Fatalf("no table at vtable offset %d", vo)
	}
	return table{flatbuffers.Table{Bytes: t.Bytes, Pos: t.Indirect(flatbuffers.UOffsetT(at))}}
}

// vector returns the position of a vector's first element and its length.
func (t table) vector(tb *testing.T, vo flatbuffers.VOffsetT) (start, n int) {
	o := flatbuffers.UOffsetT(t.Offset(vo))
	if o == 0 {
		tb.Fatalf("no vector at vtable offset %d", vo)
	}
	return int(t.Vector(o)), t.VectorLen(o)
}

// elem is the i-th table of a vector of tables.
func (t table) elem(tb *testing.T, vo flatbuffers.VOffsetT, i int) table {
	start, _ := t.vector(tb, vo)
	return table{flatbuffers.Table{Bytes: t.Bytes, Pos: t.Indirect(flatbuffers.UOffsetT(start + 4*i))}}
}

// schemaTable returns the Schema table of a schema message's metadata.
func schemaTable(t *testing.T, meta []byte) table { return root(meta).sub(t, 8) }

// mustFail writes data and checks that reading it as a stream fails with
// an error naming the file and mentioning want.
func mustFail(t *testing.T, data []byte, want string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "corrupt.arrows")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := NewSource([]string{path}, Options{Layout: LayoutStream})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one naming the file and %q", err, want)
	}
}

func TestCorruptVectorLengths(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	data, meta := schemaStream(t, s)
	start, _ := schemaTable(t, data[meta:]).vector(t, 6)
	// Four billion fields: arrow-go would allocate them before reading
	// any.
	binary.LittleEndian.PutUint32(data[meta+start-4:], 0xFFFFFFF0)
	mustFail(t, data, "corrupt metadata")
}

func TestCyclicFields(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int8})}}, nil)
	data, meta := schemaStream(t, s)
	field := schemaTable(t, data[meta:]).elem(t, 6, 0)
	start, n := field.vector(t, 14) // the struct's children
	if n != 1 {
		t.Fatalf("%d children", n)
	}
	// The child is the struct itself: arrow-go would recurse forever.
	binary.LittleEndian.PutUint32(data[meta+start:], uint32(int(field.Pos)-start))
	mustFail(t, data, "nest too deep or repeat")
}

func TestBadDecimal(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}}}, nil)
	data, meta := schemaStream(t, s)
	decimal := schemaTable(t, data[meta:]).elem(t, 6, 0).sub(t, 10)
	scale := decimal.slot(6)
	if scale == 0 {
		t.Fatal("no scale")
	}
	binary.LittleEndian.PutUint32(data[meta+scale:], 0x7F000000)
	mustFail(t, data, `column "d": bad type`)
}

// TestVariadicCounts checks the count of data buffers of a string view
// column, which arrow-go allocates by.
func TestVariadicCounts(t *testing.T) {
	mem := memory.NewGoAllocator()
	b := array.NewStringViewBuilder(mem)
	b.Append("a string longer than twelve bytes")
	col := b.NewArray()
	defer col.Release()
	s := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.BinaryTypes.StringView}}, nil)
	rec := array.NewRecordBatch(s, []arrow.Array{col}, 1)
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Close()
	data := buf.Bytes()
	// Walk to the second message, the record batch.
	first := 8 + int(binary.LittleEndian.Uint32(data[4:]))
	meta := first + 8
	batch := root(data[meta:meta+int(binary.LittleEndian.Uint32(data[first+4:]))]).sub(t, 8)
	start, n := batch.vector(t, 12)
	if n != 1 {
		t.Fatalf("%d variadic counts", n)
	}
	binary.LittleEndian.PutUint64(data[meta+start:], 1<<40)
	path := filepath.Join(t.TempDir(), "views.arrows")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := NewSource([]string{path}, Options{Layout: LayoutStream})
	if err != nil {
		t.Fatal(err)
	}
	checked := memory.NewCheckedAllocator(mem)
	defer checked.AssertSize(t, 0)
	r, err := src.Open(t.Context(), 0, plan.ScanOptions{Allocator: checked})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(t.Context()); err == nil || !strings.Contains(err.Error(), "variadic") {
		t.Fatalf("error %v", err)
	}
}
