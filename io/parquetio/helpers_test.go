package parquetio_test

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

// checkedAllocator returns an allocator that fails t if anything it
// allocated is still held when the test ends.
func checkedAllocator(t testing.TB) *memory.CheckedAllocator {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// writeFile writes the rows of js (a JSON array of objects) with the
// given schema as one Parquet file at path, through Format.
func writeFile(t testing.TB, path string, schema *arrow.Schema, js string, opts parquetio.Options) {
	t.Helper()
	mem := checkedAllocator(t)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	writeBatches(t, path, schema, opts, rec)
}

// writeBatches writes batches as one Parquet file at path.
func writeBatches(t testing.TB, path string, schema *arrow.Schema, opts parquetio.Options, batches ...arrow.RecordBatch) {
	t.Helper()
	if err := os.WriteFile(path, sourcetest.Encode(t, parquetio.Format{Options: opts}, schema, batches...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// scanResult is what reading every partition of a source gave.
type scanResult struct {
	rows      []string // cells joined by "|", in partition order
	batches   int
	maxRows   int64 // the largest batch
	schemas   []*arrow.Schema
	batchRows []int64
}

// scan reads every partition of src with opts, checking that each batch
// has the source's schema.
func scan(t *testing.T, src plan.Source, opts plan.ScanOptions) scanResult {
	t.Helper()
	res, err := scanErr(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.schemas {
		if !s.Equal(src.Schema()) {
			t.Fatalf("batch schema %s, want the source's %s", s, src.Schema())
		}
	}
	return res
}

// scanErr is scan returning the first error.
func scanErr(src plan.Source, opts plan.ScanOptions) (scanResult, error) {
	var res scanResult
	ctx := context.Background()
	for p := 0; p < src.Partitions(); p++ {
		r, err := src.Open(ctx, p, opts)
		if err != nil {
			return res, err
		}
		for {
			b, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Close()
				return res, err
			}
			res.batches++
			res.maxRows = max(res.maxRows, b.NumRows())
			res.schemas = append(res.schemas, b.Schema())
			res.batchRows = append(res.batchRows, b.NumRows())
			res.rows = append(res.rows, batchRows(b)...)
		}
		if err := r.Close(); err != nil {
			return res, err
		}
	}
	return res, nil
}

// batchRows formats each row of b as its cells joined by "|".
func batchRows(b arrow.RecordBatch) []string {
	out := make([]string, 0, b.NumRows())
	for r := 0; r < int(b.NumRows()); r++ {
		cells := make([]string, b.NumCols())
		for c, col := range b.Columns() {
			cells[c] = col.ValueStr(r)
		}
		out = append(out, strings.Join(cells, "|"))
	}
	return out
}
