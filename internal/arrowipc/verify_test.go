package arrowipc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// stream writes an IPC stream of s and batches.
func stream(t *testing.T, s *arrow.Schema, batches ...arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if binary.LittleEndian.Uint32(buf.Bytes()) != Continuation {
		t.Fatal("no continuation marker")
	}
	return buf.Bytes()
}

// message returns the metadata of the i-th message of a stream (a slice
// of it: writing to it corrupts the stream).
func message(t *testing.T, b []byte, i int) []byte {
	t.Helper()
	for ; ; i-- {
		size := int(binary.LittleEndian.Uint32(b[4:]))
		if i == 0 {
			return b[8 : 8+size]
		}
		m, err := CheckMessage(b[8 : 8+size])
		if err != nil {
			t.Fatal(err)
		}
		b = b[8+size+int(m.BodyLength):]
	}
}

// schemaTable returns the flatbuffer of a schema message and the
// position of its Schema table.
func schemaTable(t *testing.T, meta []byte) (*flatbuffer, uint32) {
	t.Helper()
	f := &flatbuffer{b: meta}
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

func TestCorruptVectorLengths(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	data := stream(t, s)
	meta := message(t, data, 0)
	f, schema := schemaTable(t, meta)
	fields, err := f.table(schema, 6)
	if err != nil || fields == 0 {
		t.Fatal("no fields vector", err)
	}
	// Four billion fields: arrow-go would allocate them before reading
	// any.
	binary.LittleEndian.PutUint32(meta[fields:], 0xFFFFFFF0)
	if _, err := CheckMessage(meta); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %v, want ErrCorrupt", err)
	}
	if err := CheckStream(data); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("stream: error %v, want ErrCorrupt", err)
	}
}

func TestCyclicFields(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int8})}}, nil)
	meta := message(t, stream(t, s), 0)
	f, schema := schemaTable(t, meta)
	fields, err := f.tables(schema, 6)
	if err != nil || len(fields) != 1 {
		t.Fatal(err)
	}
	start, n, err := f.vector(fields[0], 14, 4) // the struct's children
	if err != nil || n != 1 {
		t.Fatal("no children", err)
	}
	// The child is the struct itself: arrow-go would recurse forever.
	binary.LittleEndian.PutUint32(meta[start:], fields[0]-start)
	if _, err := CheckMessage(meta); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "nest too deep or repeat") {
		t.Fatalf("error %v", err)
	}
}

func TestDeepNesting(t *testing.T) {
	typ := arrow.DataType(arrow.PrimitiveTypes.Int8)
	for range maxNesting - 1 {
		typ = arrow.ListOf(typ)
	}
	ok := message(t, stream(t, arrow.NewSchema([]arrow.Field{{Name: "l", Type: typ}}, nil)), 0)
	if _, err := CheckMessage(ok); err != nil {
		t.Fatalf("%d levels refused: %v", maxNesting, err)
	}
	deep := message(t, stream(t, arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(typ)}}, nil)), 0)
	if _, err := CheckMessage(deep); err == nil {
		t.Fatalf("%d levels passed", maxNesting+1)
	}
}

// TestVariadicCounts checks the count of data buffers of a string view
// column, which arrow-go allocates by.
func TestVariadicCounts(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewStringViewBuilder(mem)
	defer b.Release()
	b.Append("a string longer than twelve bytes")
	col := b.NewArray()
	defer col.Release()
	s := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.BinaryTypes.StringView}}, nil)
	rec := array.NewRecordBatch(s, []arrow.Array{col}, 1)
	defer rec.Release()
	meta := message(t, stream(t, s, rec), 1)
	f := &flatbuffer{b: meta}
	root, _ := f.u32(0)
	batch, err := f.table(root, 8)
	if err != nil || batch == 0 {
		t.Fatal("no record batch", err)
	}
	start, n, err := f.vector(batch, 12, 8)
	if err != nil || n != 1 {
		t.Fatal("no variadic counts", n, err)
	}
	if m, err := CheckMessage(meta); err != nil || m.Header != HeaderRecordBatch {
		t.Fatalf("sound message refused: %+v, %v", m, err)
	}
	binary.LittleEndian.PutUint64(meta[start:], 1<<40)
	if _, err := CheckMessage(meta); err == nil || !strings.Contains(err.Error(), "variadic") {
		t.Fatalf("a count of 2^40 buffers: %v", err)
	}
}

func TestCheckFooter(t *testing.T) {
	if _, _, err := CheckFooter([]byte{1, 2}); err == nil {
		t.Fatal("a 2-byte footer passed")
	}
	for _, b := range [][]byte{nil, {1, 2}, {8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F}} {
		if _, err := CheckMessage(b); err == nil {
			t.Fatalf("message %v passed", b)
		}
	}
}

func TestCheckStream(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues([]int64{1, 2, 3}, nil)
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(s, []arrow.Array{col}, 3)
	defer rec.Release()
	good := stream(t, s, rec)
	if err := CheckStream(good); err != nil {
		t.Fatalf("sound stream refused: %v", err)
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"empty":           {nil, "end marker"},
		"garbage":         {[]byte("not arrow at all, not at all"), "continuation marker"},
		"truncated":       {good[:len(good)/2], "left"},
		"no end marker":   {good[:len(good)-8], "end marker"},
		"bytes after":     {append(append([]byte{}, good...), 'x'), "after the end"},
		"metadata length": {[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xF0, 0xFF, 0xFF, 0xFF}, "metadata of"},
	} {
		if err := CheckStream(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", name, err, tc.want)
		}
	}
}

func TestValidateOffsets(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	makeStrings := func(offsets []int32, data string) arrow.Array {
		off := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets))
		d := array.NewData(arrow.BinaryTypes.String, len(offsets)-1, []*memory.Buffer{nil, off, memory.NewBufferBytes([]byte(data))}, nil, 0, 0)
		defer d.Release()
		return array.MakeFromData(d)
	}
	good := makeStrings([]int32{0, 2, 2, 6}, "abcdef")
	defer good.Release()
	if err := Validate(good); err != nil {
		t.Fatalf("sound strings: %v", err)
	}
	bad := makeStrings([]int32{0, 5, 2, 6}, "abcdef")
	defer bad.Release()
	if err := Validate(bad); err == nil || !strings.Contains(err.Error(), "decrease") {
		t.Fatalf("decreasing offsets: %v", err)
	}
	// Inside a list, inside a struct.
	lb := array.NewListBuilder(mem, arrow.BinaryTypes.String)
	defer lb.Release()
	lb.Append(true)
	lb.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"x", "yz"}, nil)
	list := lb.NewArray()
	defer list.Release()
	if err := Validate(list); err != nil {
		t.Fatalf("sound list: %v", err)
	}
	values := list.(*array.List).ListValues().Data()
	// The strings' offsets become 0, 3, 2.
	binary.LittleEndian.PutUint32(values.Buffers()[1].Bytes()[4:], 3)
	binary.LittleEndian.PutUint32(values.Buffers()[1].Bytes()[8:], 2)
	if err := Validate(list); err == nil {
		t.Fatal("decreasing offsets in a list's strings passed")
	}
}
