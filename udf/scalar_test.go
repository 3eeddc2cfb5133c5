package udf_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
)

// hypot is sqrt(a²+b²) over float64 columns.
var hypot = udf.NewScalar("hypot", arrow.PrimitiveTypes.Float64,
	func(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
		a, b := args[0].(*array.Float64), args[1].(*array.Float64)
		out := array.NewFloat64Builder(frame.AllocatorFrom(ctx))
		defer out.Release()
		for i := 0; i < rows; i++ {
			if a.IsNull(i) || b.IsNull(i) {
				out.AppendNull()
				continue
			}
			out.Append(a.Value(i)*a.Value(i) + b.Value(i)*b.Value(i))
		}
		return out.NewArray(), nil
	}, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Float64)

func TestScalarUDF(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithBatchSize(2, 0))
	defer sess.Close()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "b", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[{"a":3,"b":4,"s":"x"},{"a":null,"b":1,"s":"y"},{"a":1,"b":1,"s":"z"}]`))
	if err != nil {
		t.Fatal(err)
	}
	df := sess.CreateDataFrame(schema, []arrow.RecordBatch{rec})
	rec.Release()

	got, err := df.WithColumn("h", hypot.Call("a", "b")).Select("h").ShowString(ctx, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "|25.0|") || !strings.Contains(got, "|NULL|") || !strings.Contains(got, "| 2.0|") {
		t.Fatalf("got\n%s", got)
	}

	// The signature is checked when the transformation is added.
	bad := df.WithColumn("h", hypot.Call("a", "s"))
	if bad.Err() == nil || !strings.Contains(bad.Err().Error(), "argument 2 is utf8, want float64") {
		t.Fatalf("err = %v", bad.Err())
	}

	// Count needs no column, so it does not run the UDF at all.
	if n, err := df.WithColumn("x", udf.NewScalar("never", arrow.PrimitiveTypes.Float64, nil).Call("a")).Count(ctx); err != nil || n != 3 {
		t.Fatalf("Count = %d, %v", n, err)
	}

	// A result of the wrong length is refused, naming the UDF.
	short := udf.NewScalar("short", arrow.PrimitiveTypes.Float64, func(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
		b := array.NewFloat64Builder(frame.AllocatorFrom(ctx))
		defer b.Release()
		return b.NewArray(), nil
	})
	_, err = df.WithColumn("x", short.Call("a")).ShowString(ctx, 5, 0)
	if err == nil || !strings.Contains(err.Error(), "function short returned 0 values") {
		t.Fatalf("err = %v", err)
	}

	// An error names the UDF and the partition.
	errSick := errors.New("sick")
	failing := udf.NewScalar("failing", arrow.PrimitiveTypes.Float64, func(context.Context, []arrow.Array, int) (arrow.Array, error) {
		return nil, errSick
	})
	_, err = df.WithColumn("x", failing.Call("a")).ShowString(ctx, 5, 0)
	if !errors.Is(err, errSick) || !strings.Contains(err.Error(), "function failing in partition 0") {
		t.Fatalf("err = %v", err)
	}
}
