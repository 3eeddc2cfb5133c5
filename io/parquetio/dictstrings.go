package parquetio

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// Strings stored dictionary-encoded are read as dictionaries and expanded
// here, rather than by pqarrow's plain reader. The plain reader looks each
// value up in the page's dictionary and appends it to a BinaryBuilder one
// value at a time (with the builder's growth and copying), which was a
// third of TPC-H Q1's CPU; pqarrow's dictionary reader decodes only the
// indices, and plainStrings then writes the strings with one allocation
// for the offsets and one for the bytes. The columns ember shows stay
// plain strings: the dictionaries never leave the reader.
//
// Only column chunks whose data pages are all dictionary-encoded are read
// so: pqarrow's dictionary reader hashes every value of a page that fell
// back to PLAIN encoding into its dictionary, which is slower than the
// plain reader. And only small dictionaries: pqarrow copies the whole
// dictionary out of its hash table into every batch (about 20 ns a value),
// which costs more than the plain reader once a dictionary has as many
// values as a batch has rows (BenchmarkDictionaryStrings: 2k values in
// batches of 16Ki rows read 1.6x faster, 8k values 1.5x, 16k values at
// par, 45k values 2x slower).

// dictionaryLeaves returns the leaf columns that pqarrow should read as
// dictionaries among fields (indices of the file's top-level fields):
// those of string or binary fields, not nested, whose column chunks in
// rowGroups are wholly dictionary-encoded with small dictionaries, for
// batches of batchRows rows.
func dictionaryLeaves(pqf parquetFile, rowGroups []int, fields []int, batchRows int64) []int {
	var out []int
	for _, c := range fields {
		if len(pqf.leaves[c]) != 1 {
			continue
		}
		switch pqf.schema.Field(c).Type.ID() {
		case arrow.STRING, arrow.BINARY:
		default:
			// large_string read as a dictionary is overridden by the
			// file's stored Arrow schema, and other types are not strings.
			continue
		}
		leaf := pqf.leaves[c][0]
		if leaf >= pqf.meta.Schema.NumColumns() {
			continue
		}
		col := pqf.meta.Schema.Column(leaf)
		if col.PhysicalType() != parquet.Types.ByteArray || col.MaxRepetitionLevel() != 0 {
			continue
		}
		all := true
		for _, rg := range rowGroups {
			cc, err := pqf.meta.RowGroup(rg).ColumnChunk(leaf)
			if err != nil || !dictionaryEncoded(cc) || !smallDictionary(cc, batchRows) {
				all = false
				break
			}
		}
		if all {
			out = append(out, leaf)
		}
	}
	return out
}

// dictionaryEncoded reports whether every data page of a column chunk is
// dictionary-encoded, by its page encoding statistics or, without them, by
// its list of encodings. Unsure is false.
func dictionaryEncoded(cc *metadata.ColumnChunkMetaData) bool {
	if !cc.HasDictionaryPage() {
		return false
	}
	if stats := cc.EncodingStats(); len(stats) > 0 {
		for _, s := range stats {
			switch s.PageType.String() {
			case "DICTIONARY_PAGE", "INDEX_PAGE":
				continue
			}
			if !isDictionaryEncoding(s.Encoding) {
				return false
			}
		}
		return true
	}
	// Without statistics: the encodings of the chunk's pages and levels.
	// PLAIN may be the dictionary page's own encoding or that of data
	// pages that fell back, so it does not qualify.
	for _, e := range cc.Encodings() {
		switch {
		case isDictionaryEncoding(e), e == parquet.Encodings.RLE, e == parquet.Encodings.BitPacked:
		default:
			return false
		}
	}
	return true
}

// smallDictionary reports whether a column chunk's dictionary page is at
// most two bytes a row of a batch of batchRows rows. Its size in the
// footer is compressed (the gap between the dictionary page and the first
// data page); each value takes at least its 4-byte length before
// compression, and about 5 bytes after (Snappy, sequential 16-byte
// names), so that this admits dictionaries of up to about a batch's rows.
func smallDictionary(cc *metadata.ColumnChunkMetaData, batchRows int64) bool {
	size := cc.DataPageOffset() - cc.DictionaryPageOffset()
	return size > 0 && size <= 2*batchRows
}

func isDictionaryEncoding(e parquet.Encoding) bool {
	return e == parquet.Encodings.RLEDict || e == parquet.Encodings.PlainDict
}

// plainStrings returns the values of d, a dictionary of strings or binary
// with int32 indices, as a plain array of type want (string, binary or
// their large variants). ok is false, with nothing allocated, for other
// dictionaries (other index types, dictionaries holding NULLs, another
// kind of value), which the caller converts otherwise. An index outside
// the dictionary is an error wrapping ErrCorrupt; so is a result whose
// bytes exceed want's 32-bit offsets. The result is owned by the caller.
func plainStrings(mem memory.Allocator, d *array.Dictionary, want arrow.DataType) (_ arrow.Array, ok bool, err error) {
	indices, isInt32 := d.Indices().(*array.Int32)
	if !isInt32 || d.Dictionary().NullN() > 0 {
		return nil, false, nil
	}
	var dictOffsets []int64
	var dictBytes []byte
	switch v := d.Dictionary().(type) {
	case *array.String:
		dictOffsets, dictBytes = widen(v.ValueOffsets()), v.ValueBytes()
	case *array.Binary:
		dictOffsets, dictBytes = widen(v.ValueOffsets()), v.ValueBytes()
	case *array.LargeString:
		dictOffsets, dictBytes = v.ValueOffsets(), v.ValueBytes()
	case *array.LargeBinary:
		dictOffsets, dictBytes = v.ValueOffsets(), v.ValueBytes()
	default:
		return nil, false, nil
	}
	if len(dictOffsets) > 0 && dictOffsets[0] != 0 {
		// A sliced dictionary: ValueBytes starts at its first value.
		base := dictOffsets[0]
		shifted := make([]int64, len(dictOffsets))
		for i, o := range dictOffsets {
			shifted[i] = o - base
		}
		dictOffsets = shifted
	}
	var valid []byte
	if d.NullN() > 0 {
		valid = d.NullBitmapBytes()
	}
	if isString(d.Dictionary().DataType()) != isString(want) {
		return nil, false, nil
	}
	switch want.ID() {
	case arrow.STRING, arrow.BINARY:
		out, err := gather[int32](mem, want, indices.Int32Values(), valid, d.Data().Offset(), d.NullN(), dictOffsets, dictBytes, math.MaxInt32)
		return out, err == nil, err
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		out, err := gather[int64](mem, want, indices.Int32Values(), valid, d.Data().Offset(), d.NullN(), dictOffsets, dictBytes, math.MaxInt64)
		return out, err == nil, err
	}
	return nil, false, nil
}

func isString(t arrow.DataType) bool {
	return t.ID() == arrow.STRING || t.ID() == arrow.LARGE_STRING
}

// widen returns 32-bit offsets as 64-bit ones (a dictionary's, so few).
func widen(offsets []int32) []int64 {
	out := make([]int64, len(offsets))
	for i, o := range offsets {
		out[i] = int64(o)
	}
	return out
}

// slotBytes is the widest dictionary value that gather copies as one
// fixed-size move instead of a copy call.
const slotBytes = 32

// gather writes dict[indices[i]] for each i as an array of type t with
// offsets of type O: one pass computes the offsets, a second copies the
// bytes into a buffer allocated once at its final size. valid (nil when
// nothing is NULL) is the validity bitmap of the indices, starting at bit
// validOffset; NULL rows take no bytes.
func gather[O int32 | int64](mem memory.Allocator, t arrow.DataType, indices []int32, valid []byte, validOffset, nulls int, dictOffsets []int64, dictBytes []byte, maxBytes int64) (arrow.Array, error) {
	n := len(indices)
	dictLen := len(dictOffsets) - 1
	offsetBuf := memory.NewResizableBuffer(mem)
	defer offsetBuf.Release()
	offsetBuf.Resize((n + 1) * sizeOf[O]())
	offsets := arrow.GetData[O](offsetBuf.Bytes())[:n+1]
	var total int64
	offsets[0] = 0
	width, fixed := fixedWidth(dictOffsets)
	fixed = fixed && nulls == 0
	if fixed {
		// Every row has width bytes: the offsets need no sums.
		if total = int64(n) * width; total > maxBytes {
			return nil, fmt.Errorf("%d bytes of strings in one batch exceed the offsets of %s", total, t)
		}
		for i, k := range indices {
			if uint(k) >= uint(dictLen) {
				return nil, fmt.Errorf("%w: dictionary index %d of a dictionary of %d values", ErrCorrupt, k, dictLen)
			}
			offsets[i+1] = O(int64(i+1) * width)
		}
	} else {
		for i, k := range indices {
			if valid == nil || bitutil.BitIsSet(valid, validOffset+i) {
				if uint(k) >= uint(dictLen) {
					return nil, fmt.Errorf("%w: dictionary index %d of a dictionary of %d values", ErrCorrupt, k, dictLen)
				}
				total += dictOffsets[k+1] - dictOffsets[k]
				if total > maxBytes {
					return nil, fmt.Errorf("%d or more bytes of strings in one batch exceed the offsets of %s", total, t)
				}
			}
			offsets[i+1] = O(total)
		}
	}
	dataBuf := memory.NewResizableBuffer(mem)
	defer dataBuf.Release()
	// slotBytes of slack, for the fixed-size moves of copySlots.
	dataBuf.Reserve(int(total) + slotBytes)
	dataBuf.ResizeNoShrink(int(total))
	if fixed && width == 1 {
		data := dataBuf.Bytes()
		for i, k := range indices {
			data[i] = dictBytes[k]
		}
	} else if slots := dictSlots(dictOffsets, dictBytes, n); slots != nil {
		copySlots(dataBuf.Buf(), offsets, indices, slots)
	} else {
		data := dataBuf.Bytes()
		for i, k := range indices {
			if start := offsets[i]; offsets[i+1] != start {
				copy(data[start:], dictBytes[dictOffsets[k]:dictOffsets[k+1]])
			}
		}
	}
	var validBuf *memory.Buffer
	if nulls > 0 {
		validBuf = memory.NewResizableBuffer(mem)
		defer validBuf.Release()
		validBuf.Resize(int(bitutil.BytesForBits(int64(n))))
		bitutil.CopyBitmap(valid, validOffset, n, validBuf.Bytes(), 0)
	}
	out := array.NewData(t, n, []*memory.Buffer{validBuf, offsetBuf, dataBuf}, nil, nulls, 0)
	defer out.Release()
	return array.MakeFromData(out), nil
}

// fixedWidth returns the length of every value of a dictionary, and
// whether they all have that length.
func fixedWidth(dictOffsets []int64) (int64, bool) {
	if len(dictOffsets) < 2 {
		return 0, false
	}
	w := dictOffsets[1] - dictOffsets[0]
	for k := 1; k < len(dictOffsets)-1; k++ {
		if dictOffsets[k+1]-dictOffsets[k] != w {
			return 0, false
		}
	}
	return w, true
}

// dictSlots returns the dictionary's values each in a zero-padded slot of
// slotBytes, or nil when a value is longer or the dictionary is too large
// to be worth it for n rows (more than a slot per four rows).
func dictSlots(dictOffsets []int64, dictBytes []byte, n int) [][slotBytes]byte {
	dictLen := len(dictOffsets) - 1
	if dictLen > n/4 {
		return nil
	}
	slots := make([][slotBytes]byte, dictLen)
	for k := range slots {
		v := dictBytes[dictOffsets[k]:dictOffsets[k+1]]
		if len(v) > slotBytes {
			return nil
		}
		copy(slots[k][:], v)
	}
	return slots
}

// copySlots writes row i's value, slots[indices[i]], at offsets[i] of
// data as one fixed-size move; the next row's value overwrites the
// padding. data has slotBytes of slack past the last offset. Rows with
// no bytes (NULLs among them, whose indices are not checked) are skipped.
func copySlots[O int32 | int64](data []byte, offsets []O, indices []int32, slots [][slotBytes]byte) {
	for i, k := range indices {
		if start := offsets[i]; offsets[i+1] != start {
			*(*[slotBytes]byte)(data[start : start+slotBytes]) = slots[k]
		}
	}
}

// sizeOf is the size in bytes of an offset type.
func sizeOf[O int32 | int64]() int {
	var o O
	switch any(o).(type) {
	case int32:
		return 4
	}
	return 8
}
