package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestInConstantsMatchesCompared: IN over a list of constants gives, on
// its fast path, what the general path gives — for strings, int64, int32
// and dates, with NULLs in the column and in the list, short lists and
// lists long enough for the map lookup.
func TestInConstantsMatchesCompared(t *testing.T) {
	mem := checkedAlloc(t)
	ev := New(context.Background(), mem, 0)
	r := rand.New(rand.NewPCG(1, 2))
	const rows = 300
	types := []arrow.DataType{arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int32, arrow.FixedWidthTypes.Date32}
	build := func(typ arrow.DataType, n int, nullEvery int) arrow.Array {
		b := array.NewBuilder(mem, typ)
		defer b.Release()
		for range n {
			if nullEvery > 0 && r.IntN(nullEvery) == 0 {
				b.AppendNull()
				continue
			}
			v := r.IntN(20)
			switch b := b.(type) {
			case *array.StringBuilder:
				b.Append(fmt.Sprintf("v%d", v))
			case *array.Int64Builder:
				b.Append(int64(v))
			case *array.Int32Builder:
				b.Append(int32(v))
			case *array.Date32Builder:
				b.Append(arrow.Date32(v))
			}
		}
		return b.NewArray()
	}
	for _, typ := range types {
		for _, listLen := range []int{1, 3, 12} {
			for _, nulls := range []int{0, 5} {
				name := fmt.Sprintf("%s/list%d/nulls%d", typ, listLen, nulls)
				t.Run(name, func(t *testing.T) {
					args := []arrow.Array{build(typ, rows, nulls)}
					for range listLen {
						args = append(args, build(typ, 1, nulls))
					}
					defer func() {
						for _, a := range args {
							a.Release()
						}
					}()
					fast, ok := inConstants(ev, args, rows)
					if !ok {
						t.Fatal("fast path not taken")
					}
					defer fast.Release()
					want, err := inCompared(ev, args, rows)
					if err != nil {
						t.Fatal(err)
					}
					defer want.Release()
					if !array.Equal(fast, want) {
						t.Fatalf("fast path\n%v\nwant\n%v", fast, want)
					}
				})
			}
		}
	}
}
