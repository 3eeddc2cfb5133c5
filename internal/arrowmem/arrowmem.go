// Package arrowmem measures the memory Arrow data holds: what the
// executor accounts against a job's memory budget and what readers use to
// size batches by bytes.
package arrowmem

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BatchBytes is the memory held by b's buffers (see ArrayBytes).
func BatchBytes(b arrow.RecordBatch) int64 {
	var n int64
	for _, c := range b.Columns() {
		n += ArrayBytes(c.Data())
	}
	return n
}

// ArrayBytes is the memory held by d's buffers, its children's and its
// dictionary's. A buffer holds what was allocated for it, not only its
// length: a builder grows its buffers by doubling, and trimming one
// through the Go allocator keeps the allocation, so an array a builder
// made can hold up to twice the bytes of its values. A buffer sliced from
// another (an IPC message body) counts its length. For a sliced array it
// counts the whole buffers the slice shares.
func ArrayBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, buf := range d.Buffers() {
		if buf != nil {
			n += BufferBytes(buf)
		}
	}
	for _, c := range d.Children() {
		n += ArrayBytes(c)
	}
	if d.DataType().ID() == arrow.DICTIONARY && d.Dictionary() != nil {
		n += ArrayBytes(d.Dictionary())
	}
	return n
}

// BufferBytes is the memory b holds: the capacity of its allocation, or
// its length when it is a slice of another buffer.
func BufferBytes(b *memory.Buffer) int64 {
	if b.Parent() != nil {
		return int64(b.Len())
	}
	return int64(max(cap(b.Buf()), b.Len()))
}
