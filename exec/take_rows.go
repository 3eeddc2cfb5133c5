package exec

import (
	"context"
	"encoding/binary"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
)

// rowRun is n consecutive rows from start.
type rowRun struct{ start, n int32 }

// selection is a list of rows of a batch, as a filter keeps them
// (ascending) or a join pairs them (in any order, repeated): the row
// indices, and the same rows as runs of consecutive rows when they are
// long enough to copy a run at a time.
type selection struct {
	idx  []int32
	runs []rowRun // nil: gather row by row
}

// minRunRows is the average run length from which rows are copied a run
// at a time (one copy of the values, one offset adjustment per string)
// rather than gathered row by row: below it the per-run bookkeeping costs
// more than it saves.
const minRunRows = 4

// newSelection describes idx (rows of the batch, none negative); runs is
// scratch space reused across calls.
func newSelection(idx []int32, runs []rowRun) selection {
	// Count the runs first, giving up as soon as there are too many: rows
	// in random order (a join's build side) cost a short scan, no more.
	most := len(idx) / minRunRows // more runs than this: gather row by row
	count := 0
	for j := range idx {
		if j == 0 || idx[j] != idx[j-1]+1 {
			if count == most {
				return selection{idx: idx}
			}
			count++
		}
	}
	if count == 0 {
		return selection{idx: idx}
	}
	runs = slices.Grow(runs[:0], count)
	for j := 0; j < len(idx); {
		e := j + 1
		for e < len(idx) && idx[e] == idx[e-1]+1 {
			e++
		}
		runs = append(runs, rowRun{idx[j], int32(e - j)})
		j = e
	}
	return selection{idx: idx, runs: runs}
}

// takeSelected gathers the rows of sel from every column of b into a new
// batch the caller releases: a copy of the values (a run at a time when
// the rows come in runs) for fixed-width, boolean, string and binary
// columns, arrow-go's Take for the other types.
func takeSelected(ctx context.Context, mem memory.Allocator, b arrow.RecordBatch, sel selection) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	defer eval.ReleaseArrays(cols)
	var rest []int
	for k, c := range b.Columns() {
		if t, ok := takeSelectedRows(mem, c, sel); ok {
			cols[k] = t
		} else {
			rest = append(rest, k)
		}
	}
	if len(rest) > 0 {
		ib := array.NewInt32Builder(mem)
		ib.AppendValues(sel.idx, nil)
		indices := ib.NewArray()
		ib.Release()
		defer indices.Release()
		for _, k := range rest {
			t, err := compute.TakeArray(ctx, b.Column(k), indices)
			if err != nil {
				return nil, err
			}
			cols[k] = t
		}
	}
	return array.NewRecordBatch(b.Schema(), cols, int64(len(sel.idx))), nil
}

// takeSelectedRows gathers the rows of sel from c; ok is false for the types it
// leaves to arrow-go's Take (nested, dictionary, extension, views).
func takeSelectedRows(mem memory.Allocator, c arrow.Array, sel selection) (out arrow.Array, ok bool) {
	d := c.Data()
	switch d.DataType().ID() {
	case arrow.STRING, arrow.BINARY:
		return takeVarRows[int32](mem, d, sel), true
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return takeVarRows[int64](mem, d, sel), true
	case arrow.BOOL:
		return takeBoolRows(mem, d, sel), true
	case arrow.INT8, arrow.UINT8:
		return takeFixedRows[uint8](mem, d, sel), true
	case arrow.INT16, arrow.UINT16, arrow.FLOAT16:
		return takeFixedRows[uint16](mem, d, sel), true
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS:
		return takeFixedRows[uint32](mem, d, sel), true
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION, arrow.INTERVAL_DAY_TIME:
		return takeFixedRows[uint64](mem, d, sel), true
	case arrow.DECIMAL128, arrow.INTERVAL_MONTH_DAY_NANO:
		return takeFixedRows[decimal128.Num](mem, d, sel), true
	case arrow.DECIMAL256:
		return takeFixedRows[decimal256.Num](mem, d, sel), true
	}
	return nil, false
}

// takeValidityRows returns the validity bitmap of the rows of sel, nil
// when all are valid, and their number of NULLs.
func takeValidityRows(mem memory.Allocator, d arrow.ArrayData, sel selection) (*memory.Buffer, int) {
	if d.NullN() == 0 || d.Buffers()[0] == nil {
		return nil, 0
	}
	n := len(sel.idx)
	buf := takeBits(mem, d.Buffers()[0].Bytes(), d.Offset(), sel)
	return buf, n - bitutil.CountSetBits(buf.Bytes(), 0, n)
}

// takeFixedRows gathers fixed-width values, T being a Go type of their
// width (the bytes are copied, whatever they mean).
func takeFixedRows[T uint8 | uint16 | uint32 | uint64 | decimal128.Num | decimal256.Num](mem memory.Allocator, d arrow.ArrayData, sel selection) arrow.Array {
	validity, nulls := takeValidityRows(mem, d, sel)
	var values []T
	if d.Len() > 0 {
		values = arrow.GetData[T](d.Buffers()[1].Bytes())[d.Offset() : d.Offset()+d.Len()]
	}
	var zero [1]T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(sel.idx) * len(arrow.GetBytes(zero[:])))
	out := arrow.GetData[T](buf.Bytes())[:len(sel.idx)]
	if sel.runs != nil {
		j := 0
		for _, r := range sel.runs {
			j += copy(out[j:], values[r.start:r.start+r.n])
		}
	} else {
		for j, i := range sel.idx {
			out[j] = values[i]
		}
	}
	return finishTake(d.DataType(), len(sel.idx), nulls, validity, buf, nil)
}

// takeVarRows gathers strings or binaries with offsets of type O.
func takeVarRows[O int32 | int64](mem memory.Allocator, d arrow.ArrayData, sel selection) arrow.Array {
	validity, nulls := takeValidityRows(mem, d, sel)
	n := len(sel.idx)
	var offsets []O
	var src []byte
	if d.Len() > 0 {
		offsets = arrow.GetData[O](d.Buffers()[1].Bytes())[d.Offset() : d.Offset()+d.Len()+1]
		if b := d.Buffers()[2]; b != nil {
			src = b.Bytes()
		}
	}
	size := O(0)
	if sel.runs != nil {
		for _, r := range sel.runs {
			size += offsets[r.start+r.n] - offsets[r.start]
		}
	} else {
		for _, i := range sel.idx {
			size += offsets[i+1] - offsets[i]
		}
	}
	var zero [1]O
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize((n + 1) * len(arrow.GetBytes(zero[:])))
	outOff := arrow.GetData[O](offBuf.Bytes())[:n+1]
	data := memory.NewResizableBuffer(mem)
	// Short strings are copied as two words, which may write up to
	// wordCopy bytes past the last string: into spare capacity.
	data.Reserve(int(size) + wordCopy)
	data.ResizeNoShrink(int(size))
	bytes := data.Buf()
	pos := O(0)
	if sel.runs != nil {
		j := 0
		for _, r := range sel.runs {
			first, last := offsets[r.start], offsets[r.start+r.n]
			copy(bytes[pos:], src[first:last])
			shift := pos - first
			for _, o := range offsets[r.start : r.start+r.n] {
				outOff[j] = o + shift
				j++
			}
			pos += last - first
		}
	} else {
		for j, i := range sel.idx {
			outOff[j] = pos
			first, last := offsets[i], offsets[i+1]
			if last-first <= wordCopy && int(first)+wordCopy <= len(src) {
				// A call to copy costs more than two unaligned words.
				binary.LittleEndian.PutUint64(bytes[pos:], binary.LittleEndian.Uint64(src[first:]))
				binary.LittleEndian.PutUint64(bytes[pos+8:], binary.LittleEndian.Uint64(src[first+8:]))
			} else {
				copy(bytes[pos:], src[first:last])
			}
			pos += last - first
		}
	}
	outOff[n] = pos
	return finishTake(d.DataType(), n, nulls, validity, offBuf, data)
}

// wordCopy is the length up to which takeVarRows copies a string as two
// 8-byte words.
const wordCopy = 16

// takeBoolRows gathers booleans.
func takeBoolRows(mem memory.Allocator, d arrow.ArrayData, sel selection) arrow.Array {
	validity, nulls := takeValidityRows(mem, d, sel)
	n := len(sel.idx)
	var buf *memory.Buffer
	if n > 0 {
		buf = takeBits(mem, d.Buffers()[1].Bytes(), d.Offset(), sel)
	} else {
		buf = memory.NewResizableBuffer(mem)
	}
	return finishTake(d.DataType(), n, nulls, validity, buf, nil)
}

// takeBits gathers the selected bits of a bitmap (validity or boolean
// values) whose bit 0 is bit off of src, into a new zero-padded buffer.
func takeBits(mem memory.Allocator, src []byte, off int, sel selection) *memory.Buffer {
	n := len(sel.idx)
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	out := buf.Bytes()
	clear(out)
	if sel.runs != nil {
		j := 0
		for _, r := range sel.runs {
			bitutil.CopyBitmap(src, off+int(r.start), int(r.n), out, j)
			j += int(r.n)
		}
		return buf
	}
	for j, i := range sel.idx {
		if bitutil.BitIsSet(src, off+int(i)) {
			bitutil.SetBit(out, j)
		}
	}
	return buf
}
