package parquetio_test

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/internal/duckdbtest"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

// duckDBFile is a file DuckDB 1.5 wrote (zstd, three row groups of 2048,
// 2048 and 104 rows, dictionary-encoded strings), kept so that reading
// another implementation's Parquet is tested without node, and used as a
// fuzzing base; duckDBSmallFile is its first 20 rows, a fuzzing seed
// small enough to minimize. They were written by duckDBFileSQL
// (TestDuckDBFileIsCurrent checks that they still are, where DuckDB is
// installed); duckDBFileRow gives each row's expected values.
const (
	duckDBFile      = "testdata/duckdb.parquet"
	duckDBSmallFile = "testdata/duckdb-small.parquet"
)

const duckDBFileSQL = `COPY (
  SELECT i::INTEGER AS i32,
         i * 1000003 AS i64,
         CASE WHEN i % 11 = 0 THEN NULL ELSE i / 8 END AS f64,
         CASE WHEN i % 7 = 0 THEN NULL ELSE 'k' || (i % 13) || ' é''"' END AS s,
         i % 3 = 0 AS b,
         DATE '2020-01-01' + (i % 1000)::INTEGER AS d,
         TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds(i * 1000001 % 86400000000) AS ts,
         CAST((i * 7 % 100000) / 100 AS DECIMAL(9,2)) AS dec,
         CASE WHEN i % 5 = 0 THEN NULL ELSE list_transform(range(i % 4), x -> (x + i / 4)::FLOAT) END AS floats,
         CASE WHEN i % 9 = 0 THEN NULL ELSE {'lang': 'l' || (i % 3), 'stars': (i % 6)::INTEGER} END AS st
  FROM range($ROWS) AS t(i) ORDER BY i
) TO $PATH (FORMAT parquet, ROW_GROUP_SIZE 2048, COMPRESSION zstd)`

const (
	duckDBFileRows      = 4200
	duckDBSmallFileRows = 20
)

// duckDBFileRow is row i of duckDBFile as duckDBCells formats it.
func duckDBFileRow(i int) string {
	null := "(null)"
	f64, s, floats, st := null, null, null, null
	if i%11 != 0 {
		f64 = strconv.FormatFloat(float64(i)/8, 'g', -1, 64)
	}
	if i%7 != 0 {
		s = fmt.Sprintf(`k%d é'"`, i%13)
	}
	if i%5 != 0 {
		vals := make([]string, i%4)
		for x := range vals {
			vals[x] = strconv.FormatFloat(float64(float32(float64(x)+float64(i)/4)), 'g', -1, 32)
		}
		floats = "[" + strings.Join(vals, ",") + "]"
	}
	if i%9 != 0 {
		st = fmt.Sprintf(`{"lang":"l%d","stars":%d}`, i%3, i%6)
	}
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%1000).Format(time.DateOnly)
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro() + int64(i)*1000001%86400000000
	cents := i * 7 % 100000
	return fmt.Sprintf("%d|%d|%s|%s|%t|%s|%dus|%d.%02d|%s|%s",
		i, int64(i)*1000003, f64, s, i%3 == 0, day, ts, cents/100, cents%100, floats, st)
}

// duckDBCells formats row r of b: timestamps as microseconds, decimals
// with their scale, the rest as ValueStr.
func duckDBCells(b arrow.RecordBatch, r int) string {
	cells := make([]string, b.NumCols())
	for c, col := range b.Columns() {
		switch a := col.(type) {
		case *array.Timestamp:
			if a.IsValid(r) {
				cells[c] = fmt.Sprintf("%d%s", a.Value(r), a.DataType().(*arrow.TimestampType).Unit)
				continue
			}
		case *array.Decimal128:
			if a.IsValid(r) {
				cells[c] = a.Value(r).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
				continue
			}
		}
		cells[c] = col.ValueStr(r)
	}
	return strings.Join(cells, "|")
}

func TestReadDuckDBFile(t *testing.T) {
	for _, tc := range []struct {
		path       string
		rows, part int
	}{{duckDBFile, duckDBFileRows, 3}, {duckDBSmallFile, duckDBSmallFileRows, 1}} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			mem := checkedAllocator(t)
			opts := parquetio.DefaultOptions()
			opts.MaxSplitBytes = 1 // a partition per row group
			src, err := parquetio.NewSource([]string{tc.path}, opts)
			if err != nil {
				t.Fatal(err)
			}
			want := schemaOf(
				field("i32", i32, true), field("i64", i64, true), field("f64", f64, true), field("s", utf8, true),
				field("b", arrow.FixedWidthTypes.Boolean, true), field("d", arrow.FixedWidthTypes.Date32, true),
				field("ts", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, true),
				field("dec", &arrow.Decimal128Type{Precision: 9, Scale: 2}, true),
				field("floats", arrow.ListOf(f32), true),
				field("st", arrow.StructOf(field("lang", utf8, true), field("stars", i32, true)), true),
			)
			if !src.Schema().Equal(want) {
				t.Fatalf("schema\n%s\nwant\n%s", src.Schema(), want)
			}
			if src.Partitions() != tc.part {
				t.Fatalf("%d partitions, want one per row group (%d)", src.Partitions(), tc.part)
			}
			ctx := t.Context()
			for _, batch := range []int{7, 1000, 4096} {
				i := 0
				for p := 0; p < src.Partitions(); p++ {
					r, err := src.Open(ctx, p, plan.ScanOptions{Allocator: mem, BatchRows: batch})
					if err != nil {
						t.Fatal(err)
					}
					for {
						b, err := r.Next(ctx)
						if errors.Is(err, io.EOF) {
							break
						}
						if err != nil {
							t.Fatal(err)
						}
						for row := 0; row < int(b.NumRows()); row++ {
							if got, want := duckDBCells(b, row), duckDBFileRow(i); got != want {
								r.Close()
								t.Fatalf("row %d\n got %s\nwant %s", i, got, want)
							}
							i++
						}
					}
					r.Close()
				}
				if i != tc.rows {
					t.Fatalf("read %d rows, want %d", i, tc.rows)
				}
			}
		})
	}
}

// TestDuckDBFileIsCurrent checks that duckDBFileSQL still writes what
// duckDBFile and duckDBSmallFile hold.
func TestDuckDBFileIsCurrent(t *testing.T) {
	mem := checkedAllocator(t)
	read := func(path string) []string {
		src, err := parquetio.NewSource([]string{path}, parquetio.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		return scan(t, src, plan.ScanOptions{Allocator: mem}).rows
	}
	for _, tc := range []struct {
		kept string
		rows int
	}{{duckDBFile, duckDBFileRows}, {duckDBSmallFile, duckDBSmallFileRows}} {
		path := filepath.Join(t.TempDir(), "again.parquet")
		sql := strings.NewReplacer("$PATH", duckdbtest.String(path), "$ROWS", strconv.Itoa(tc.rows)).Replace(duckDBFileSQL)
		duckDB(t, sql)
		again, kept := read(path), read(tc.kept)
		if len(kept) != tc.rows || strings.Join(again, "\n") != strings.Join(kept, "\n") {
			t.Fatalf("%s no longer matches duckDBFileSQL", tc.kept)
		}
	}
}
