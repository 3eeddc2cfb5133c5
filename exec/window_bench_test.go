package exec

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

// countSink counts the rows it receives.
type countSink struct{ rows atomic.Int64 }

func (s *countSink) Consume(_ int, b arrow.RecordBatch) error { s.rows.Add(b.NumRows()); return nil }
func (s *countSink) Done(int) error                           { return nil }

// BenchmarkWindow computes row_number and a running sum over 1M rows in
// 1,000 window partitions (two input partitions of 16k-row batches).
func BenchmarkWindow(b *testing.B) {
	const rows, keys, batch = 1 << 20, 1000, 16384
	mem := memory.NewGoAllocator()
	parts := make([][]arrow.RecordBatch, 2)
	for lo := 0; lo < rows; lo += batch {
		bld := array.NewRecordBuilder(mem, windowSchema)
		for i := lo; i < lo+batch; i++ {
			bld.Field(0).(*array.Int64Builder).Append(int64((i * 7919) % keys))
			bld.Field(1).(*array.Int64Builder).Append(int64(i))
			bld.Field(2).(*array.Int64Builder).Append(int64(i % 100))
		}
		parts[(lo/batch)%2] = append(parts[(lo/batch)%2], bld.NewRecordBatch())
		bld.Release()
	}
	src, err := plan.NewMemorySource(windowSchema, parts)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Release()
	for _, p := range parts {
		for _, r := range p {
			r.Release()
		}
	}
	spec := plan.WindowSpec{PartitionBy: []plan.Expr{plan.Col("k")}, OrderBy: []plan.SortOrder{{Expr: plan.Col("o")}}}
	w, err := plan.NewWindow(&plan.Scan{Source: src},
		plan.WindowExpr{Func: plan.WinRowNumber, Spec: spec, Name: "rn"},
		plan.WindowExpr{Func: plan.WinSum, Args: []plan.Expr{plan.Col("v")}, Spec: spec, Name: "running"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(rows * 24)
	for b.Loop() {
		var sink countSink
		if _, err := (Local{Config: Config{Allocator: mem}}).RunPlan(context.Background(), w, &sink); err != nil {
			b.Fatal(err)
		}
		if sink.rows.Load() != rows {
			b.Fatalf("%d rows", sink.rows.Load())
		}
	}
}
