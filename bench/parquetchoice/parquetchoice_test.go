package parquetchoice

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/ember-df/ember/bench/internal/widefile"
)

var (
	benchRows = flag.Int("parquetchoice.rows", 2_000_000, "rows of the file the benchmarks read")
	benchFile = flag.String("parquetchoice.file", "", "file the benchmarks read: generated there if it does not exist, kept afterwards (default: a temporary file)")
)

// reader is one way of reading a file into Arrow record batches.
type reader struct {
	name string
	read func(path string, columns []string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error
}

var readers = []reader{
	{"pqarrow", func(path string, columns []string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
		return ReadPQArrow(context.Background(), path, columns, false, mem, fn)
	}},
	{"pqarrow-buffered", func(path string, columns []string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
		return ReadPQArrow(context.Background(), path, columns, true, mem, fn)
	}},
	{"parquet-go", func(path string, columns []string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
		return ReadParquetGo(path, columns, ModeData, mem, fn)
	}},
	{"parquet-go-values", func(path string, columns []string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
		return ReadParquetGo(path, columns, ModeValues, mem, fn)
	}},
}

// projections are the column sets read: all 20, and the 2 of
// bench/cmd/parquet-compare's projected scan.
var projections = []struct {
	name    string
	columns []string
}{
	{"20", nil},
	{"2", []string{"c0", "c2"}},
}

// readAll reads path with r into one array per column; the caller
// releases them.
func readAll(t *testing.T, r reader, path string, columns []string, mem memory.Allocator) (*arrow.Schema, []arrow.Array) {
	t.Helper()
	var schema *arrow.Schema
	var chunks [][]arrow.Array
	err := r.read(path, columns, mem, func(b arrow.RecordBatch) error {
		if schema == nil {
			schema = b.Schema()
			chunks = make([][]arrow.Array, b.NumCols())
		}
		if b.NumRows() > BatchRows {
			return fmt.Errorf("batch of %d rows, want at most %d", b.NumRows(), BatchRows)
		}
		for i, c := range b.Columns() {
			c.Retain()
			chunks[i] = append(chunks[i], c)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", r.name, err)
	}
	cols := make([]arrow.Array, len(chunks))
	for i, cs := range chunks {
		var err error
		if cols[i], err = array.Concatenate(cs, mem); err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			c.Release()
		}
	}
	return schema, cols
}

// TestReadersAgree reads a file with several row groups, dictionary and
// plain pages, and NULLs with every reader: all must return the same
// schema and the same values, and free all Arrow memory.
func TestReadersAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wide.parquet")
	// 80,000-row groups: the random columns outgrow the writer's 1 MiB
	// dictionary limit and fall back to plain pages, the others stay
	// dictionary-encoded.
	exp, err := widefile.Write(path, widefile.Spec{Rows: 200_000, Seed: 3, RowGroupRows: 80_000})
	if err != nil {
		t.Fatal(err)
	}
	checkCoverage(t, path)
	for _, p := range projections {
		t.Run("cols="+p.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			wantSchema, want := readAll(t, readers[0], path, p.columns, mem)
			defer releaseAll(want)
			if n := want[0].Len(); int64(n) != exp.Rows {
				t.Fatalf("pqarrow read %d rows, want %d", n, exp.Rows)
			}
			if n := want[3%len(want)].NullN(); len(want) > 3 && n == 0 {
				t.Fatal("no NULLs in c3: the test does not cover definition levels")
			}
			for _, r := range readers[1:] {
				schema, got := readAll(t, r, path, p.columns, mem)
				if !sameFields(schema, wantSchema) {
					t.Errorf("%s: schema %s, want %s", r.name, schema, wantSchema)
				}
				for i := range want {
					if !array.Equal(got[i], want[i]) {
						t.Errorf("%s: column %s differs from pqarrow's", r.name, wantSchema.Field(i).Name)
					}
				}
				releaseAll(got)
			}
		})
	}
}

// checkCoverage fails the test unless the file at path has more than one
// row group and both plain and dictionary-encoded data pages, so that the
// readers' agreement covers both.
func checkCoverage(t *testing.T, path string) {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if pf.NumRowGroups() < 2 {
		t.Fatalf("%d row group(s), want several", pf.NumRowGroups())
	}
	seen := map[parquet.Encoding]bool{}
	for rg := range pf.NumRowGroups() {
		meta := pf.MetaData().RowGroup(rg)
		for c := range meta.NumColumns() {
			cc, err := meta.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range cc.EncodingStats() {
				if s.PageType.String() == "DATA_PAGE" || s.PageType.String() == "DATA_PAGE_V2" {
					seen[s.Encoding] = true
				}
			}
		}
	}
	if !seen[parquet.Encodings.Plain] || !seen[parquet.Encodings.RLEDict] {
		t.Fatalf("data page encodings %v, want both plain and dictionary ones", seen)
	}
}

// sameFields reports whether a and b have the same field names, types and
// nullability; pqarrow also returns the Parquet field ids as metadata.
func sameFields(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i, f := range a.Fields() {
		g := b.Field(i)
		if f.Name != g.Name || !arrow.TypeEqual(f.Type, g.Type) || f.Nullable != g.Nullable {
			return false
		}
	}
	return true
}

func releaseAll(as []arrow.Array) {
	for _, a := range as {
		a.Release()
	}
}

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// TestMain removes the benchmark file when it is a temporary one.
func TestMain(m *testing.M) {
	code := m.Run()
	if *benchFile == "" && benchPath != "" {
		os.RemoveAll(filepath.Dir(benchPath))
	}
	os.Exit(code)
}

// benchInput returns the file the benchmarks read, generating it on first
// use, and its row count.
func benchInput(b *testing.B) (string, int64) {
	benchOnce.Do(func() {
		benchPath = *benchFile
		if benchPath == "" {
			dir, err := os.MkdirTemp("", "parquetchoice-*")
			if err != nil {
				benchErr = err
				return
			}
			benchPath = filepath.Join(dir, "wide.parquet")
		}
		if _, err := os.Stat(benchPath); err == nil {
			return
		}
		_, benchErr = widefile.Write(benchPath, widefile.Spec{Rows: *benchRows, Seed: 1})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	pf, err := file.OpenParquetFile(benchPath, false)
	if err != nil {
		b.Fatal(err)
	}
	defer pf.Close()
	return benchPath, pf.NumRows()
}

// BenchmarkRead reads the benchmark file (2,000,000 rows × 20 columns,
// mixed int64/float64/string, snappy, written by ember) into Arrow record
// batches: all 20 columns, or c0 and c2, with each reader. Compare the
// readers with benchstat -col /reader.
func BenchmarkRead(b *testing.B) {
	path, rows := benchInput(b)
	for _, p := range projections {
		for _, r := range readers {
			b.Run("cols="+p.name+"/reader="+r.name, func(b *testing.B) {
				b.ReportAllocs()
				cpu0 := processCPU()
				for b.Loop() {
					var n int64
					err := r.read(path, p.columns, memory.DefaultAllocator, func(rb arrow.RecordBatch) error {
						n += rb.NumRows()
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					if n != rows {
						b.Fatalf("read %d rows, want %d", n, rows)
					}
				}
				// CPU time (user + system, all threads: the garbage collector
				// included) varies far less than wall time on a busy machine.
				b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-sec/op")
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
			})
		}
	}
}
