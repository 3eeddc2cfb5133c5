package eval

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
)

// TakeBatch gathers the rows of b at indices (an integer array) into a
// new batch, which the caller releases. It allocates from ctx's
// allocator (compute.WithAllocator) and runs on the calling goroutine.
func TakeBatch(ctx context.Context, b arrow.RecordBatch, indices arrow.Array) (arrow.RecordBatch, error) {
	ctx = compute.SetExecCtx(ctx, serialExec)
	cols := make([]arrow.Array, b.NumCols())
	for i, c := range b.Columns() {
		out, err := compute.TakeArray(ctx, c, indices)
		if err != nil {
			ReleaseArrays(cols)
			return nil, err
		}
		cols[i] = out
	}
	defer ReleaseArrays(cols)
	return array.NewRecordBatch(b.Schema(), cols, int64(indices.Len())), nil
}
