package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/exec/internal/exectest"
)

// TestJoinTakeMatchesTake: joinTake gathers what arrow-go's Take gathers,
// for each type it handles, with NULLs in the column, -1 (NULL) indices,
// repeated indices and an empty selection.
func TestJoinTakeMatchesTake(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	r := rand.New(rand.NewPCG(5, 6))
	types := []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int32, arrow.FixedWidthTypes.Date32,
		arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String}
	const n = 200
	for _, typ := range types {
		for _, nulls := range []bool{false, true} {
			for _, missing := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/nulls=%v/missing=%v", typ, nulls, missing), func(t *testing.T) {
					b := array.NewBuilder(mem, typ)
					for i := range n {
						if nulls && r.IntN(5) == 0 {
							b.AppendNull()
							continue
						}
						switch b := b.(type) {
						case *array.Int64Builder:
							b.Append(int64(i) * 3)
						case *array.Int32Builder:
							b.Append(int32(i))
						case *array.Date32Builder:
							b.Append(arrow.Date32(i))
						case *array.Float64Builder:
							b.Append(float64(i) / 7)
						case *array.StringBuilder:
							b.Append(fmt.Sprintf("row %d %s", i, string(make([]byte, r.IntN(5)))))
						}
					}
					col := b.NewArray()
					b.Release()
					defer col.Release()
					for _, size := range []int{0, 1, 333} {
						idx := make([]int32, size)
						ib := array.NewInt32Builder(mem)
						for j := range idx {
							idx[j] = int32(r.IntN(n))
							if missing && r.IntN(4) == 0 {
								idx[j] = -1
								ib.AppendNull()
							} else {
								ib.Append(idx[j])
							}
						}
						indices := ib.NewArray()
						ib.Release()
						want, err := compute.TakeArray(compute.WithAllocator(context.Background(), mem), col, indices)
						indices.Release()
						if err != nil {
							t.Fatal(err)
						}
						got, ok := joinTake(mem, col, idx)
						if !ok {
							t.Fatal("not handled")
						}
						if !array.Equal(got, want) {
							t.Errorf("size %d: got\n%v\nwant\n%v", size, got, want)
						}
						got.Release()
						want.Release()
					}
				})
			}
		}
	}
}
