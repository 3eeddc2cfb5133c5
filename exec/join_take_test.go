package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/internal/exectest"
)

// TestJoinTakeMatchesTake: joinTake gathers what arrow-go's Take gathers,
// for each type it handles, with NULLs in the column, -1 (NULL) indices,
// repeated indices, runs of consecutive indices and an empty selection.
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
					// Random rows, and (size 400) runs of consecutive rows
					// from random starts, as a join's probe side has them.
					for _, size := range []int{0, 1, 333, 400} {
						idx := make([]int32, size)
						ib := array.NewInt32Builder(mem)
						start := 0
						for j := range idx {
							idx[j] = int32(r.IntN(n))
							if size == 400 {
								if j%20 == 0 {
									start = r.IntN(n - 20)
								}
								idx[j] = int32(start + j%20)
							}
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

// TestIntTargets: one integer key is routed where the key encoder's
// hash routes it (hashTargets' general path), whatever its width, NULLs
// included.
func TestIntTargets(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	b64 := array.NewInt64Builder(mem)
	b32 := array.NewInt32Builder(mem)
	const rows = 1000
	for i := range rows {
		if i%97 == 0 {
			b64.AppendNull()
			b32.AppendNull()
			continue
		}
		b64.Append(int64(i*7919 - 500000))
		b32.Append(int32(i*7919 - 500000))
	}
	c64, c32 := b64.NewArray(), b32.NewArray()
	b64.Release()
	b32.Release()
	defer c64.Release()
	defer c32.Release()
	for _, n := range []int{2, 3, 16} {
		t64, t32 := make([]int, rows), make([]int, rows)
		if !intTargets(c64, n, t64) || !intTargets(c32, n, t32) {
			t.Fatal("fast path not taken")
		}
		enc, err := eval.NewKeyEncoder([]arrow.Array{c64})
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			want := int(eval.HashKey(enc.Encode(nil, i)) % uint64(n))
			if t64[i] != want || t32[i] != want {
				t.Fatalf("n=%d row %d: int64 key to %d, int32 key to %d, want %d", n, i, t64[i], t32[i], want)
			}
		}
	}
}
