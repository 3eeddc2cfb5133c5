package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// frames collects what a sender sends.
type frames struct{ sent [][]byte }

func (f *frames) send(m any) error {
	f.sent = append(f.sent, m.(*Frame).Data)
	return nil
}

// receiver returns a recv that yields frames, then err (io.EOF to end
// the stream normally).
func receiver(frames [][]byte, err error) func(any) error {
	return func(m any) error {
		if len(frames) == 0 {
			return err
		}
		m.(*Frame).Data, frames = frames[0], frames[1:]
		return nil
	}
}

func floatBatch(mem memory.Allocator, n int) arrow.RecordBatch {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	for i := range n {
		b.Append(float64(i) / 3)
	}
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{col}, int64(n))
}

func TestBatchesRoundTripInBoundedFrames(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, rows := range []int{0, 1, 1000, 600_000} { // the last is 4.8 MB
		in := floatBatch(mem, rows)
		var f frames
		if err := WriteBatch(f.send, in, mem); err != nil {
			t.Fatal(err)
		}
		for i, fr := range f.sent {
			if len(fr) > FrameBytes || len(fr) == 0 {
				t.Fatalf("%d rows: frame %d has %d bytes", rows, i, len(fr))
			}
		}
		if rows == 600_000 && len(f.sent) < 5 {
			t.Fatalf("a 4.8 MB batch went in %d frames", len(f.sent))
		}
		out, err := ReadBatch(receiver(f.sent, io.EOF), mem)
		if err != nil {
			t.Fatal(err)
		}
		if !array.RecordEqual(in, out) {
			t.Fatalf("%d rows: the batch changed on the way", rows)
		}
		in.Release()
		out.Release()
	}
}

func TestReadBatchErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := floatBatch(mem, 100)
	defer in.Release()
	var one, two frames
	if err := WriteBatch(one.send, in, mem); err != nil {
		t.Fatal(err)
	}
	all := bytes.Join(one.sent, nil)
	if err := WriteBatch(two.send, in, mem); err != nil {
		t.Fatal(err)
	}
	crashed := status.Error(codes.Unavailable, "error reading from server: EOF")
	for name, tc := range map[string]struct {
		frames [][]byte
		end    error
		want   func(error) bool
	}{
		"no bytes":         {nil, io.EOF, isMalformed},
		"garbage":          {[][]byte{[]byte("not arrow at all, not at all")}, io.EOF, isMalformed},
		"truncated":        {[][]byte{all[:len(all)/2]}, io.EOF, isMalformed},
		"bytes after":      {[][]byte{all, []byte("x")}, io.EOF, isMalformed},
		"transport dies":   {[][]byte{all[:len(all)/2]}, crashed, isStatus(codes.Unavailable)},
		"after the batch":  {[][]byte{all}, crashed, isStatus(codes.Unavailable)},
		"a model's error":  {nil, status.Error(codes.Aborted, "bad input"), IsModelError},
		"two streams back": {append(append([][]byte{}, one.sent...), two.sent...), io.EOF, isMalformed},
	} {
		out, err := ReadBatch(receiver(tc.frames, tc.end), mem)
		if out != nil {
			out.Release()
		}
		if err == nil || !tc.want(err) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func isMalformed(err error) bool { return errors.Is(err, ErrMalformed) }

func isStatus(c codes.Code) func(error) bool {
	return func(err error) bool { return status.Code(err) == c }
}

func TestSchemasSurviveTheirEncoding(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Float32},
		{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "c", Type: arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Float32)},
	}, nil)
	reply, err := encodeInfo(Info{Name: "n", Version: "v", Inputs: s, Outputs: s, BatchRows: 7})
	if err != nil {
		t.Fatal(err)
	}
	info, err := reply.decode()
	if err != nil {
		t.Fatal(err)
	}
	if !info.Inputs.Equal(s) || !info.Outputs.Equal(s) || info.Name != "n" || info.Version != "v" || info.BatchRows != 7 {
		t.Fatalf("decoded %+v", info)
	}
	if _, err := decodeSchema([]byte("garbage")); err == nil {
		t.Fatal("garbage decoded as a schema")
	}
}

// FuzzReadBatch feeds arbitrary bytes, cut into arbitrary frames, to the
// decoder: it must fail cleanly, never panic or leak.
func FuzzReadBatch(f *testing.F) {
	mem := memory.NewGoAllocator()
	in := floatBatch(mem, 10)
	var good frames
	if err := WriteBatch(good.send, in, mem); err != nil {
		f.Fatal(err)
	}
	in.Release()
	f.Add(bytes.Join(good.sent, nil), uint8(7))
	f.Add([]byte("garbage"), uint8(1))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, cut uint8) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		var parts [][]byte
		step := int(cut) + 1
		for len(data) > step {
			parts, data = append(parts, data[:step]), data[step:]
		}
		parts = append(parts, data)
		out, err := ReadBatch(receiver(parts, io.EOF), mem)
		if err == nil {
			out.Release()
		}
		mem.AssertSize(t, 0)
	})
}

// A reply may hold columns arrow-go's own validation refuses as its IPC
// reader builds them: a null-typed column (no buffers) and an empty dense
// union (no offsets). They cross the wire as they are.
func TestReadBatchNullAndDenseUnionColumns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	union := arrow.DenseUnionOf([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, []arrow.UnionTypeCode{0})
	for _, rows := range []int{0, 3} {
		nulls := array.NewNull(rows)
		ub := array.NewDenseUnionBuilder(mem, union)
		for range rows {
			ub.Append(0)
			ub.Child(0).(*array.Int32Builder).Append(7)
		}
		u := ub.NewArray()
		ub.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.Null, Nullable: true}, {Name: "u", Type: union, Nullable: true}}, nil)
		in := array.NewRecordBatch(schema, []arrow.Array{nulls, u}, int64(rows))
		nulls.Release()
		u.Release()
		var f frames
		if err := WriteBatch(f.send, in, mem); err != nil {
			t.Fatal(err)
		}
		out, err := ReadBatch(receiver(f.sent, io.EOF), mem)
		if err != nil {
			t.Fatalf("%d rows: %v", rows, err)
		}
		if !array.RecordEqual(in, out) {
			t.Fatalf("%d rows: the batch changed on the way", rows)
		}
		in.Release()
		out.Release()
	}
}
