package parquetio_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// wideParquet returns a Parquet file of rows rows and 20 int64 columns
// c0…c19 of hard-to-compress values.
func wideParquet(t testing.TB, rows int) []byte {
	t.Helper()
	mem := checkedAllocator(t)
	fields := make([]arrow.Field, 20)
	for i := range fields {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: arrow.PrimitiveTypes.Int64}
	}
	s := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(mem, s)
	defer b.Release()
	x := uint64(1)
	for range rows {
		for i := range fields {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			b.Field(i).(*array.Int64Builder).Append(int64(x >> 8))
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return sourcetest.Encode(t, parquetio.Format{Options: parquetio.DefaultOptions()}, s, rec)
}

func openParquet(paths []string) (plan.Source, error) {
	return parquetio.NewSource(paths, parquetio.DefaultOptions())
}

func TestBackends(t *testing.T) {
	sourcetest.CheckBackends(t, "data.parquet", wideParquet(t, 1000), openParquet)
}

// TestRangedRead reads 2 of 20 columns from mem://, which is read as an
// object store is (by ranged requests): the footer and the two columns'
// chunks are fetched, well under half of the file.
func TestRangedRead(t *testing.T) {
	data := wideParquet(t, 100_000)
	path := sourcetest.WriteFile(t, sourcetest.MemDir(t), "wide.parquet", data)
	before := storage.ReadStatsOf("mem")
	src, err := openParquet([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	two, err := src.(plan.ProjectingSource).Project([]string{"c3", "c17"})
	if err != nil {
		t.Fatal(err)
	}
	got := sourcetest.MustScan(t, two, plan.ScanOptions{Allocator: checkedAllocator(t)})
	fetched := storage.ReadStatsOf("mem").Bytes - before.Bytes
	if len(got.Rows) != 100_000 {
		t.Fatalf("%d rows", len(got.Rows))
	}
	t.Logf("fetched %d of %d bytes (%.1f%%) for 2 of 20 columns", fetched, len(data), 100*float64(fetched)/float64(len(data)))
	if fetched > int64(len(data))/4 {
		t.Errorf("fetched %d of %d bytes for 2 of 20 columns, want well under half", fetched, len(data))
	}
	local := sourcetest.WriteFile(t, t.TempDir(), "wide.parquet", data)
	src, _ = openParquet([]string{local})
	two, _ = src.(plan.ProjectingSource).Project([]string{"c3", "c17"})
	if d := sourcetest.DiffRows(got.Rows, sourcetest.MustScan(t, two, plan.ScanOptions{}).Rows); d != "" {
		t.Errorf("mem:// and local disk differ:\n%s", d)
	}
}
