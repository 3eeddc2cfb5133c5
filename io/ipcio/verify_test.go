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
)

// schemaStream is an IPC stream holding only the schema s, and the offset
// of the schema message's metadata (after its 8-byte prefix).
func schemaStream(t *testing.T, s *arrow.Schema) ([]byte, int) {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if binary.LittleEndian.Uint32(b) != continuation {
		t.Fatal("no continuation marker")
	}
	return b, 8
}

// schemaTable returns the flatbuffer of the schema message and the
// position of its Schema table.
func schemaTable(t *testing.T, b []byte) (*flatbuffer, uint32) {
	t.Helper()
	f := &flatbuffer{b: b}
	root, err := f.u32(0)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := f.table(root, 8)
	if err != nil || schema == 0 {
		t.Fatalf("no schema: %v", err)
	}
	return f, schema
}

// mustFail writes data and checks that reading it as a stream fails with
// an error naming the file and mentioning want, instead of exhausting
// memory or the stack.
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
	f, schema := schemaTable(t, data[meta:])
	fields, err := f.table(schema, 6)
	if err != nil || fields == 0 {
		t.Fatal("no fields vector", err)
	}
	// Four billion fields: arrow-go would allocate them before reading
	// any.
	binary.LittleEndian.PutUint32(data[meta+int(fields):], 0xFFFFFFF0)
	mustFail(t, data, "corrupt metadata")
}

func TestCyclicFields(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int8})}}, nil)
	data, meta := schemaStream(t, s)
	f, schema := schemaTable(t, data[meta:])
	fields, err := f.tables(schema, 6)
	if err != nil || len(fields) != 1 {
		t.Fatal(err)
	}
	start, n, err := f.vector(fields[0], 14, 4) // the struct's children
	if err != nil || n != 1 {
		t.Fatal("no children", err)
	}
	// The child is the struct itself: arrow-go would recurse forever.
	binary.LittleEndian.PutUint32(data[meta+int(start):], fields[0]-start)
	mustFail(t, data, "nest too deep or repeat")
}

func TestBadDecimal(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}}}, nil)
	data, meta := schemaStream(t, s)
	f, schema := schemaTable(t, data[meta:])
	fields, _ := f.tables(schema, 6)
	decimal, err := f.table(fields[0], 10)
	if err != nil || decimal == 0 {
		t.Fatal("no type table", err)
	}
	scale, err := f.slot(decimal, 6)
	if err != nil || scale == 0 {
		t.Fatal("no scale", err)
	}
	binary.LittleEndian.PutUint32(data[meta+int(scale):], 0x7F000000)
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
	f := &flatbuffer{b: data[meta : meta+int(binary.LittleEndian.Uint32(data[first+4:]))]}
	root, _ := f.u32(0)
	batch, err := f.table(root, 8)
	if err != nil || batch == 0 {
		t.Fatal("no record batch", err)
	}
	start, n, err := f.vector(batch, 12, 8)
	if err != nil || n != 1 {
		t.Fatal("no variadic counts", n, err)
	}
	if _, err := checkMessage(f.b); err != nil {
		t.Fatalf("sound message refused: %v", err)
	}
	binary.LittleEndian.PutUint64(data[meta+int(start):], 1<<40)
	if _, err := checkMessage(f.b); err == nil {
		t.Fatal("a count of 2^40 buffers passed")
	}
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

func TestCheckFooter(t *testing.T) {
	if _, _, err := checkFooter([]byte{1, 2}); err == nil {
		t.Fatal("a 2-byte footer passed")
	}
	for _, b := range [][]byte{nil, {1, 2}, {8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F}} {
		if _, err := checkMessage(b); err == nil {
			t.Fatalf("message %v passed", b)
		}
	}
}

func TestValidateOffsets(t *testing.T) {
	mem := memory.NewGoAllocator()
	makeStrings := func(offsets []int32, data string) arrow.Array {
		off := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets))
		d := array.NewData(arrow.BinaryTypes.String, len(offsets)-1, []*memory.Buffer{nil, off, memory.NewBufferBytes([]byte(data))}, nil, 0, 0)
		defer d.Release()
		return array.MakeFromData(d)
	}
	good := makeStrings([]int32{0, 2, 2, 6}, "abcdef")
	defer good.Release()
	if err := validate(good); err != nil {
		t.Fatalf("sound strings: %v", err)
	}
	bad := makeStrings([]int32{0, 5, 2, 6}, "abcdef")
	defer bad.Release()
	if err := validate(bad); err == nil || !strings.Contains(err.Error(), "decrease") {
		t.Fatalf("decreasing offsets: %v", err)
	}
	// Inside a list, inside a struct.
	lb := array.NewListBuilder(mem, arrow.BinaryTypes.String)
	defer lb.Release()
	lb.Append(true)
	lb.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"x", "yz"}, nil)
	list := lb.NewArray()
	defer list.Release()
	if err := validate(list); err != nil {
		t.Fatalf("sound list: %v", err)
	}
	values := list.(*array.List).ListValues().Data()
	// The strings' offsets become 0, 3, 2.
	binary.LittleEndian.PutUint32(values.Buffers()[1].Bytes()[4:], 3)
	binary.LittleEndian.PutUint32(values.Buffers()[1].Bytes()[8:], 2)
	if err := validate(list); err == nil {
		t.Fatal("decreasing offsets in a list's strings passed")
	}
}
