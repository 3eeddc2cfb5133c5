package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// lineitemLike is a batch shaped like TPC-H query 1's input: four
// doubles, two one-letter strings, a date and a 10-25 byte string.
func lineitemLike(mem memory.Allocator, n int) arrow.RecordBatch {
	r := rand.New(rand.NewPCG(1, 1))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "q", Type: arrow.PrimitiveTypes.Float64}, {Name: "p", Type: arrow.PrimitiveTypes.Float64},
		{Name: "d", Type: arrow.PrimitiveTypes.Float64}, {Name: "t", Type: arrow.PrimitiveTypes.Float64},
		{Name: "rf", Type: arrow.BinaryTypes.String}, {Name: "ls", Type: arrow.BinaryTypes.String},
		{Name: "sd", Type: arrow.FixedWidthTypes.Date32}, {Name: "ins", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for range n {
		for k := range 4 {
			b.Field(k).(*array.Float64Builder).Append(r.Float64())
		}
		b.Field(4).(*array.StringBuilder).Append(string(rune('A' + r.IntN(3))))
		b.Field(5).(*array.StringBuilder).Append(string(rune('F' + r.IntN(2))))
		b.Field(6).(*array.Date32Builder).Append(arrow.Date32(8000 + r.IntN(2500)))
		b.Field(7).(*array.StringBuilder).Append(fmt.Sprintf("DELIVER %0*d", 2+r.IntN(15), 7))
	}
	return b.NewRecordBatch()
}

// BenchmarkTakeSelected compares gathering a filter's kept rows with
// takeSelected (runs: a run at a time where the rows come in runs;
// rows: row by row) against takeColumns, the join's gather that filters
// used before, at the shares of rows TPC-H's filters keep.
func BenchmarkTakeSelected(b *testing.B) {
	mem := memory.NewGoAllocator()
	const n = 64 << 10
	batch := lineitemLike(mem, n)
	defer batch.Release()
	r := rand.New(rand.NewPCG(2, 2))
	for _, keepPct := range []int{98, 50, 28, 2} {
		var idx []int32
		for i := range n {
			if r.IntN(100) < keepPct {
				idx = append(idx, int32(i))
			}
		}
		ctx := context.Background()
		b.Run(fmt.Sprintf("keep%d/takeColumns", keepPct), func(b *testing.B) {
			for b.Loop() {
				cols, err := takeColumns(ctx, mem, batch.Schema().Fields(), batch.Columns(), idx)
				if err != nil {
					b.Fatal(err)
				}
				for _, c := range cols {
					c.Release()
				}
			}
		})
		for _, byRow := range []bool{false, true} {
			name := "runs"
			if byRow {
				name = "rows"
			}
			b.Run(fmt.Sprintf("keep%d/takeSelected-%s", keepPct, name), func(b *testing.B) {
				for b.Loop() {
					sel := newSelection(idx, nil)
					if byRow {
						sel.runs = nil
					}
					out, err := takeSelected(ctx, mem, batch, sel)
					if err != nil {
						b.Fatal(err)
					}
					out.Release()
				}
			})
		}
	}
}

// BenchmarkJoinTake compares joinTake, which gathers pairs without NULL
// rows as a filter does (a run at a time where the rows come in runs),
// with the row-by-row gather it used for them before (takeFixed,
// takeStrings), for random rows (a join's build side) and runs of 20
// consecutive rows (its probe side).
func BenchmarkJoinTake(b *testing.B) {
	mem := memory.NewGoAllocator()
	const n = 64 << 10
	batch := lineitemLike(mem, n)
	defer batch.Release()
	r := rand.New(rand.NewPCG(3, 3))
	shapes := map[string][]int32{}
	random := make([]int32, n)
	runs := make([]int32, n)
	start := 0
	for j := range n {
		random[j] = int32(r.IntN(n))
		if j%20 == 0 {
			start = r.IntN(n - 20)
		}
		runs[j] = int32(start + j%20)
	}
	shapes["random"], shapes["runs"] = random, runs
	for _, shape := range []string{"random", "runs"} {
		idx := shapes[shape]
		b.Run(shape+"/rowByRow", func(b *testing.B) {
			for b.Loop() {
				for _, c := range batch.Columns() {
					var out arrow.Array
					switch c := c.(type) {
					case *array.Float64:
						out = takeFixed(mem, c, c.Float64Values(), idx)
					case *array.Date32:
						out = takeFixed(mem, c, c.Date32Values(), idx)
					case *array.String:
						out = takeStrings(mem, c, idx)
					}
					out.Release()
				}
			}
		})
		b.Run(shape+"/joinTake", func(b *testing.B) {
			for b.Loop() {
				for _, c := range batch.Columns() {
					out, _ := joinTake(mem, c, idx)
					out.Release()
				}
			}
		})
	}
}
