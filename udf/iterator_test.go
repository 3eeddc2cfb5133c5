package udf_test

import (
	"context"
	"errors"
	"iter"
	"math"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
)

const irisCSV = "../examples/iris/iris.csv"

func irisSession(t *testing.T, parallelism int) (*frame.Session, *frame.DataFrame) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(parallelism), frame.WithBatchSize(7, 0))
	t.Cleanup(func() { sess.Close() })
	return sess, sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(irisCSV)
}

// scaled is an iterator UDF whose setup (counted) runs once per partition.
func scaled(setups *atomic.Int64) *udf.Iterator {
	return udf.NewIterator("scaled", arrow.PrimitiveTypes.Float64,
		func(ctx context.Context, batches iter.Seq[[]arrow.Array]) iter.Seq2[arrow.Array, error] {
			return func(yield func(arrow.Array, error) bool) {
				setups.Add(1)
				factor := 10.0
				for args := range batches {
					in := args[0].(*array.Float64)
					b := array.NewFloat64Builder(frame.AllocatorFrom(ctx))
					for i := range in.Len() {
						b.Append(in.Value(i) * factor)
					}
					out := b.NewArray()
					b.Release()
					if !yield(out, nil) {
						return
					}
				}
			}
		}, arrow.PrimitiveTypes.Float64).WithBatching(20, 0)
}

func TestIteratorRunsOncePerPartition(t *testing.T) {
	var setups atomic.Int64
	sess, iris := irisSession(t, 3)
	df := iris.Repartition(3).WithColumn("scaled", scaled(&setups).Call("sepal_length")).Select("sepal_length", "scaled")
	tbl, err := df.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 150 {
		t.Fatalf("%d rows", tbl.NumRows())
	}
	for k, c := range tbl.Column(0).Data().Chunks() {
		s := tbl.Column(1).Data().Chunk(k).(*array.Float64)
		for i := range c.Len() {
			if want := c.(*array.Float64).Value(i) * 10; math.Abs(s.Value(i)-want) > 1e-9 {
				t.Fatalf("row %d: %v, want %v", i, s.Value(i), want)
			}
		}
	}
	if setups.Load() != 3 {
		t.Fatalf("%d setups for 3 partitions", setups.Load())
	}
	m := sess.LastMetrics().UDFs
	if len(m) != 1 || m[0].Rows != 150 || m[0].Batches < 9 {
		t.Fatalf("metrics %v", m)
	}
}

func TestIteratorErrors(t *testing.T) {
	boom := errors.New("boom")
	for name, tc := range map[string]struct {
		fn   udf.IteratorFunc
		want string
	}{
		"error": {func(ctx context.Context, batches iter.Seq[[]arrow.Array]) iter.Seq2[arrow.Array, error] {
			return func(yield func(arrow.Array, error) bool) { yield(nil, boom) }
		}, "exec: bad in partition 0: boom"},
		"too few": {func(ctx context.Context, batches iter.Seq[[]arrow.Array]) iter.Seq2[arrow.Array, error] {
			return func(yield func(arrow.Array, error) bool) {
				for range batches {
				}
			}
		}, "ended with 1 batches unanswered"},
		"wrong length": {func(ctx context.Context, batches iter.Seq[[]arrow.Array]) iter.Seq2[arrow.Array, error] {
			return func(yield func(arrow.Array, error) bool) {
				for range batches {
					b := array.NewFloat64Builder(frame.AllocatorFrom(ctx))
					b.Append(1)
					out := b.NewArray()
					b.Release()
					if !yield(out, nil) {
						return
					}
				}
			}
		}, "returned 1 values of type float64 for 150 rows"},
		"panic": {func(ctx context.Context, batches iter.Seq[[]arrow.Array]) iter.Seq2[arrow.Array, error] {
			return func(yield func(arrow.Array, error) bool) { panic("kaput") }
		}, "bad panicked: kaput"},
	} {
		t.Run(name, func(t *testing.T) {
			_, iris := irisSession(t, 1)
			bad := udf.NewIterator("bad", arrow.PrimitiveTypes.Float64, tc.fn).WithBatching(1000, 0)
			_, err := iris.WithColumn("x", bad.Call("sepal_length")).Collect(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestIteratorChecksSignature(t *testing.T) {
	_, iris := irisSession(t, 1)
	err := iris.WithColumn("x", udf.NewIterator("it", arrow.PrimitiveTypes.Float64, nil, arrow.PrimitiveTypes.Int64).Call("sepal_length")).Err()
	if err == nil || !strings.Contains(err.Error(), `udf "it": argument 1 is float64, want int64`) {
		t.Fatalf("err = %v", err)
	}
}
