package parquetio_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

// TestEstimatedBytes: a Parquet source estimates its size from its
// footers — more for more columns, less when a pushed-down filter rules
// row groups out or keeps part of their range, nothing under a zero
// limit — without reading data.
func TestEstimatedBytes(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64},
		{Name: "s", Type: arrow.BinaryTypes.String},
	}, nil)
	var rows []string
	for i := range 4000 {
		rows = append(rows, fmt.Sprintf(`{"id": %d, "v": %d.5, "s": "value %d"}`, i, i, i*7919))
	}
	path := filepath.Join(t.TempDir(), "t.parquet")
	opts := parquetio.DefaultOptions()
	opts.RowGroupRows = 1000
	writeFile(t, path, schema, "["+strings.Join(rows, ",")+"]", opts)
	src, err := parquetio.NewSource([]string{path}, opts)
	if err != nil {
		t.Fatal(err)
	}
	estimate := func(s plan.Source) int64 {
		t.Helper()
		n, ok := s.(plan.SizeEstimator).EstimatedBytes()
		if !ok {
			t.Fatal("no estimate")
		}
		return n
	}
	all := estimate(src)
	if all < 4000*(8+8) {
		t.Fatalf("all columns: %d bytes, fewer than the fixed-width columns' %d", all, 4000*16)
	}
	idOnly, err := src.Project([]string{"id"})
	if err != nil {
		t.Fatal(err)
	}
	if n := estimate(idOnly); n <= 0 || n >= all {
		t.Fatalf("one column: %d bytes, all: %d", n, all)
	}
	cond, err := plan.NewBinary(plan.OpLt, plan.Col("id"), plan.Lit(int64(500))).Resolve(src.Schema())
	if err != nil {
		t.Fatal(err)
	}
	filtered := src.WithFilter(cond)
	if n := estimate(filtered); n <= 0 || n > all/3 {
		t.Fatalf("a filter matching one row group of four: %d bytes of %d", n, all)
	}
	// Within the row group it matches, a range keeps the share of the
	// row group's range it covers: 250 of its 1000 ids.
	quarter, err := plan.NewBinary(plan.OpAnd,
		plan.NewBinary(plan.OpGe, plan.Col("id"), plan.Lit(int64(1000))),
		plan.NewBinary(plan.OpLt, plan.Col("id"), plan.Lit(int64(1250)))).Resolve(src.Schema())
	if err != nil {
		t.Fatal(err)
	}
	n := estimate(src.WithFilter(quarter))
	if want := float64(all) / 16; float64(n) < want*0.8 || float64(n) > want*1.2 {
		t.Fatalf("a filter keeping a quarter of one row group of four: %d bytes, want about %.0f of %d", n, want, all)
	}
	if n := estimate(src.WithLimit(0)); n != 0 {
		t.Fatalf("limit 0: %d bytes", n)
	}
}
