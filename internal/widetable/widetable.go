// Package widetable makes the wide table that tests of column pruning and
// ranged reads use: 20 int64 columns c0…c19 of hard-to-compress values, so
// that reading 2 of them must fetch about a tenth of an encoded file.
package widetable

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Columns is the number of columns of the table.
const Columns = 20

// Schema is the table's schema.
var Schema = func() *arrow.Schema {
	fields := make([]arrow.Field, Columns)
	for i := range fields {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: arrow.PrimitiveTypes.Int64}
	}
	return arrow.NewSchema(fields, nil)
}()

// New returns rows rows of the table, drawn by a xorshift generator from
// seed (not 0); the caller releases the batch.
func New(mem memory.Allocator, rows int, seed uint64) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, Schema)
	defer b.Release()
	x := seed
	for range rows {
		for i := range Columns {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			b.Field(i).(*array.Int64Builder).Append(int64(x >> 8))
		}
	}
	return b.NewRecordBatch()
}
