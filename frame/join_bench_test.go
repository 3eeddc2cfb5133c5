package frame_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

// benchTable builds an in-memory DataFrame of rows rows (k, value) in
// parts partitions, k = i*7 % keys, value = i, and in batches of 16,384.
func benchTable(b *testing.B, sess *frame.Session, value string, rows, keys, parts int) *frame.DataFrame {
	b.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64},
		{Name: value, Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	partitions := make([][]arrow.RecordBatch, parts)
	for lo := 0; lo < rows; lo += 16384 {
		rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := lo; i < min(lo+16384, rows); i++ {
			rb.Field(0).(*array.Int64Builder).Append(int64(i*7) % int64(keys))
			rb.Field(1).(*array.Int64Builder).Append(int64(i))
		}
		rec := rb.NewRecordBatch()
		rb.Release()
		p := (lo / 16384) % parts
		partitions[p] = append(partitions[p], rec)
		b.Cleanup(rec.Release)
	}
	return sess.CreateDataFrame(schema, partitions...)
}

// BenchmarkJoin joins 1,000,000 rows with 100,000 (one match each), with
// the small side broadcast and with both sides shuffled, and sums a
// column of each side so that every output row is built.
func BenchmarkJoin(b *testing.B) {
	const big, small = 1_000_000, 100_000
	for _, strategy := range []string{"broadcast", "shuffle"} {
		b.Run(strategy, func(b *testing.B) {
			threshold := int64(0)
			if strategy == "shuffle" {
				threshold = -1
			}
			sess := frame.NewSession(frame.WithBroadcastThreshold(threshold))
			defer sess.Close()
			parts := runtime.GOMAXPROCS(0)
			orders := benchTable(b, sess, "v", big, small, parts)
			customers := benchTable(b, sess, "w", small, small, parts)
			j := orders.Join(customers, "k").Agg(frame.Count("*"), frame.Sum("v"), frame.Sum("w"))
			want := map[string]string{"broadcast": "BroadcastHashJoinExec", "shuffle": "ShuffledHashJoinExec"}[strategy]
			if !strings.Contains(j.Explain(), want) {
				b.Fatalf("want %s:\n%s", want, j.Explain())
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tbl, err := j.Collect(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if got := fmt.Sprint(tbl.Column(0).Data().Chunk(0)); got != fmt.Sprintf("[%d]", big) {
					b.Fatalf("count %s", got)
				}
				tbl.Release()
			}
			b.ReportMetric(float64(big+small)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
