package parquetio_test

import (
	"testing"

	"github.com/ember-df/ember/internal/widetable"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// wideParquet returns a Parquet file of widetable's rows rows.
func wideParquet(t testing.TB, rows int) []byte {
	t.Helper()
	rec := widetable.New(checkedAllocator(t), rows, 1)
	defer rec.Release()
	return sourcetest.Encode(t, parquetio.Format{Options: parquetio.DefaultOptions()}, widetable.Schema, rec)
}

func openParquet(paths []string) (plan.Source, error) {
	return parquetio.NewSource(paths, parquetio.DefaultOptions())
}

func TestBackends(t *testing.T) {
	sourcetest.CheckBackends(t, "data.parquet", wideParquet(t, 1000), openParquet)
}

// TestChanged: a file cut short after planning says so, with both sizes.
func TestChanged(t *testing.T) {
	sourcetest.CheckChanged(t, "data.parquet", wideParquet(t, 1000), openParquet)
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
