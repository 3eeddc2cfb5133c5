package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// joinTake gathers rows idx of c (-1: a NULL row) for the column types
// joins carry most — 32- and 64-bit integers, dates, float64 and strings
// — in one pass over idx: the pairs' indices are in range by
// construction, so the bounds check and the index array of arrow-go's
// Take (a tenth of a join's time in TPC-H queries 5 and 10) are not
// needed. ok is false for other types, which Take gathers.
//
// Without NULL rows it gathers as a filter does (takeSelectedRows), for
// more types, and a run at a time where idx has runs of consecutive rows,
// as the probe side of a join often has.
func joinTake(mem memory.Allocator, c arrow.Array, idx []int32) (out arrow.Array, ok bool) {
	if !hasNullRow(idx) {
		return takeSelectedRows(mem, c, newSelection(idx, nil))
	}
	if c.Data().Offset() != 0 {
		return nil, false
	}
	switch c := c.(type) {
	case *array.Int64:
		return takeFixed(mem, c, c.Int64Values(), idx), true
	case *array.Int32:
		return takeFixed(mem, c, c.Int32Values(), idx), true
	case *array.Date32:
		return takeFixed(mem, c, c.Date32Values(), idx), true
	case *array.Float64:
		return takeFixed(mem, c, c.Float64Values(), idx), true
	case *array.String:
		return takeStrings(mem, c, idx), true
	}
	return nil, false
}

// hasNullRow reports whether idx holds -1, a NULL row.
func hasNullRow(idx []int32) bool {
	for _, i := range idx {
		if i < 0 {
			return true
		}
	}
	return false
}

// takeValidity returns the validity bitmap of the gathered rows, nil when
// every one is valid, and the number of NULLs.
func takeValidity(mem memory.Allocator, c arrow.Array, idx []int32) (*memory.Buffer, int) {
	srcNulls := c.NullN() > 0
	if !srcNulls {
		missing := false
		for _, i := range idx {
			if i < 0 {
				missing = true
				break
			}
		}
		if !missing {
			return nil, 0
		}
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(len(idx)))))
	bits := buf.Bytes()
	clear(bits)
	nulls := 0
	for j, i := range idx {
		if i < 0 || (srcNulls && c.IsNull(int(i))) {
			nulls++
			continue
		}
		bitutil.SetBit(bits, j)
	}
	return buf, nulls
}

func takeFixed[T arrow.FixedWidthType](mem memory.Allocator, c arrow.Array, values []T, idx []int32) arrow.Array {
	validity, nulls := takeValidity(mem, c, idx)
	var zero T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(idx) * int(sizeOf(zero)))
	out := arrow.GetData[T](buf.Bytes())
	for j, i := range idx {
		if i >= 0 {
			out[j] = values[i]
		} else {
			out[j] = zero
		}
	}
	return finishTake(c.DataType(), len(idx), nulls, validity, buf, nil)
}

func takeStrings(mem memory.Allocator, c *array.String, idx []int32) arrow.Array {
	validity, nulls := takeValidity(mem, c, idx)
	offsets := c.ValueOffsets()
	size := 0
	for _, i := range idx {
		if i >= 0 {
			size += int(offsets[i+1] - offsets[i])
		}
	}
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize((len(idx) + 1) * arrow.Int32SizeBytes)
	outOff := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())
	data := memory.NewResizableBuffer(mem)
	data.Resize(size)
	bytes, src := data.Bytes(), c.ValueBytes()
	base := offsets[0]
	pos := int32(0)
	for j, i := range idx {
		outOff[j] = pos
		if i >= 0 {
			pos += int32(copy(bytes[pos:], src[offsets[i]-base:offsets[i+1]-base]))
		}
	}
	outOff[len(idx)] = pos
	return finishTake(c.DataType(), len(idx), nulls, validity, offBuf, data)
}

// finishTake wraps the gathered buffers in an array, handing their
// references to it.
func finishTake(t arrow.DataType, n, nulls int, validity, values, data *memory.Buffer) arrow.Array {
	bufs := []*memory.Buffer{validity, values}
	if data != nil {
		bufs = append(bufs, data)
	}
	d := array.NewData(t, n, bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	defer d.Release()
	return array.MakeFromData(d)
}

func sizeOf[T arrow.FixedWidthType](T) int {
	var v [1]T
	return len(arrow.GetBytes(v[:]))
}
