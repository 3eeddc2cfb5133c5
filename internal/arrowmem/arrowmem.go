// Package arrowmem measures the memory Arrow data holds: what the
// executor accounts against a job's memory budget and what readers use to
// size batches by bytes.
package arrowmem

import "github.com/apache/arrow-go/v18/arrow"

// BatchBytes is the memory held by b's buffers.
func BatchBytes(b arrow.RecordBatch) int64 {
	var n int64
	for _, c := range b.Columns() {
		n += ArrayBytes(c.Data())
	}
	return n
}

// ArrayBytes is the memory held by d's buffers, its children's and its
// dictionary's. For a slice it counts the whole buffers the slice shares.
func ArrayBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, buf := range d.Buffers() {
		if buf != nil {
			n += int64(buf.Len())
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
