package parquetio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

// BenchmarkDictionaryStrings reads string columns stored
// dictionary-encoded, as pqarrow's plain reader reads them ("plain") and
// as dictionaries expanded by plainStrings ("dictionary"), in the same
// run. lineitem has TPC-H lineitem's four low-cardinality string columns
// (l_returnflag, l_linestatus, l_shipinstruct, l_shipmode); clerks has
// o_clerk's 1000 values; d8k has 8000 distinct values; wide has 45k
// distinct values, a dictionary too large to be read as one (its two
// cases must be at par). Run with
//
//	go test ./io/parquetio -run '^$' -bench DictionaryStrings -count 6
func BenchmarkDictionaryStrings(b *testing.B) {
	const rows = 1 << 20
	files := []struct {
		name   string
		values func(i int) []string
		dict   int // columns read as dictionaries
	}{
		{"lineitem", func(i int) []string {
			h := uint32(i) * 2654435761
			return []string{
				[]string{"A", "N", "R"}[h%3],
				[]string{"F", "O"}[(h>>8)%2],
				[]string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}[(h>>12)%4],
				[]string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}[(h>>16)%7],
			}
		}, 4},
		{"clerks", func(i int) []string {
			return []string{fmt.Sprintf("Clerk#%09d", uint32(i)*2654435761%1000)}
		}, 1},
		{"d8k", func(i int) []string {
			return []string{fmt.Sprintf("Customer#%09d", uint32(i)*2654435761>>4%8000)}
		}, 0},
		{"wide", func(i int) []string {
			return []string{fmt.Sprintf("Customer#%09d", uint32(i)*2654435761>>4%45000)}
		}, 0},
	}
	for _, file := range files {
		path := filepath.Join(b.TempDir(), file.name+".parquet")
		writeStrings(b, path, rows, file.values)
		if dict, err := parquetio.DictionaryColumns(path, fileSize(b, path), 16384); err != nil || len(dict) != file.dict {
			b.Fatalf("%s: columns read as dictionaries: %v (%v), want %d", file.name, dict, err, file.dict)
		}
		for _, mode := range []struct {
			name string
			dict bool
		}{{"plain", false}, {"dictionary", true}} {
			b.Run(file.name+"/"+mode.name, func(b *testing.B) {
				defer parquetio.SetReadDictionaries(mode.dict)()
				src, err := parquetio.NewSource([]string{path}, parquetio.DefaultOptions())
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if n := readRows(b, src); n != rows {
						b.Fatalf("read %d rows, want %d", n, rows)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
			})
		}
	}
}

// writeStrings writes a file of n rows of string columns, row i's values
// given by values(i), through Format (dictionary-encoded, as pqarrow
// writes by default).
func writeStrings(b *testing.B, path string, n int, values func(int) []string) {
	b.Helper()
	mem := memory.NewGoAllocator()
	width := len(values(0))
	fields := make([]arrow.Field, width)
	for c := range fields {
		fields[c] = field(fmt.Sprintf("s%d", c), utf8, false)
	}
	schema := schemaOf(fields...)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	for i := 0; i < n; i++ {
		for c, v := range values(i) {
			bld.Field(c).(*array.StringBuilder).Append(v)
		}
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	writeBatches(b, path, schema, parquetio.DefaultOptions(), rec)
}

func fileSize(b *testing.B, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// readRows reads every batch of src and returns the rows read.
func readRows(b *testing.B, src plan.Source) int64 {
	ctx := context.Background()
	var n int64
	for p := 0; p < src.Partitions(); p++ {
		r, err := src.Open(ctx, p, plan.ScanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			batch, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += batch.NumRows()
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return n
}
