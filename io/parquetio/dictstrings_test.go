package parquetio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

// stringTable is n rows of string columns as TPC-H's and worse: few
// distinct values with NULLs (flag), values that change every 1000 rows,
// so that each row group has its own dictionary, and empty strings (mode),
// long strings (long), a distinct value per row (card), and binary (bin).
// stringType is the type of flag and mode.
func stringTable(t testing.TB, mem memory.Allocator, n int, stringType arrow.DataType) arrow.RecordBatch {
	t.Helper()
	schema := schemaOf(field("id", i64, false), field("flag", stringType, true), field("mode", stringType, true),
		field("long", utf8, false), field("card", utf8, true), field("bin", arrow.BinaryTypes.Binary, true))
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	appendString := func(col int, s string) {
		switch cb := b.Field(col).(type) {
		case *array.StringBuilder:
			cb.Append(s)
		case *array.LargeStringBuilder:
			cb.Append(s)
		}
	}
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%7 == 3 {
			b.Field(1).AppendNull()
		} else {
			appendString(1, []string{"A", "N", "R"}[i%3])
		}
		if i%11 == 5 {
			appendString(2, "")
		} else {
			appendString(2, fmt.Sprintf("m%d-%d", i/1000, i%5))
		}
		b.Field(3).(*array.StringBuilder).Append(strings.Repeat(string(rune('a'+i%4)), 2000+i%4))
		if i%13 == 0 {
			b.Field(4).AppendNull()
		} else {
			b.Field(4).(*array.StringBuilder).Append(fmt.Sprintf("value %d", i))
		}
		if i%17 == 0 {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.BinaryBuilder).Append([]byte{byte(i % 3), 0xff}[:i%3])
		}
	}
	return b.NewRecordBatch()
}

// writeArrowGo writes rec as one Parquet file at path with arrow-go's
// writer and the given properties, in row groups of 1000 rows.
func writeArrowGo(t testing.TB, path string, rec arrow.RecordBatch, storeSchema bool, props ...parquet.WriterProperty) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var arrowProps []pqarrow.WriterOption
	if storeSchema {
		arrowProps = append(arrowProps, pqarrow.WithStoreSchema())
	}
	props = append([]parquet.WriterProperty{parquet.WithMaxRowGroupLength(1000), parquet.WithDataPageSize(4 << 10)}, props...)
	fw, err := pqarrow.NewFileWriter(rec.Schema(), f, parquet.NewWriterProperties(props...), pqarrow.NewArrowWriterProperties(arrowProps...))
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil { // closes f
		t.Fatal(err)
	}
}

// readValidated reads every partition of the Parquet files at paths in
// batches of rowsPerBatch, checks each column with ValidateFull, and returns
// the rows formatted. columns, if any, are the columns read.
func readValidated(t *testing.T, paths []string, mem memory.Allocator, rowsPerBatch int, columns ...string) []string {
	t.Helper()
	var src plan.Source
	src, err := parquetio.NewSource(paths, parquetio.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(columns) > 0 {
		if src, err = src.(plan.ProjectingSource).Project(columns); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	var rows []string
	for p := 0; p < src.Partitions(); p++ {
		r, err := src.Open(ctx, p, plan.ScanOptions{Allocator: mem, BatchRows: rowsPerBatch})
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
			if !b.Schema().Equal(src.Schema()) {
				t.Fatalf("batch schema %s, want the source's %s", b.Schema(), src.Schema())
			}
			for i, col := range b.Columns() {
				if err := array.ValidateFull(col); err != nil {
					t.Fatalf("column %s: %v", b.ColumnName(i), err)
				}
			}
			rows = append(rows, batchRows(b)...)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

// TestDictionaryStringsMatchPlainReader reads files written by arrow-go
// with wholly dictionary-encoded, plain and mixed (fallen back to PLAIN
// mid-chunk) string columns, row groups with dictionaries of their own,
// NULLs, empty and long strings, and large_string columns, in batches that
// end inside and span row groups; reading dictionary-encoded chunks as
// dictionaries must give what pqarrow's plain reader gives.
func TestDictionaryStringsMatchPlainReader(t *testing.T) {
	const n = 5500
	cases := []struct {
		name        string
		stringType  arrow.DataType
		storeSchema bool
		props       []parquet.WriterProperty
		dict        []string // columns read as dictionaries
	}{
		{name: "dictionary", stringType: utf8, storeSchema: true,
			dict: []string{"flag", "mode", "long", "card", "bin"}},
		{name: "no stored schema", stringType: utf8,
			dict: []string{"flag", "mode", "long", "card", "bin"}},
		// card's and long's dictionaries outgrow the limit and fall back
		// to PLAIN pages within their chunks (the writer checks the
		// dictionary's size after each batch of 100 values).
		{name: "fallback", stringType: utf8, storeSchema: true,
			props: []parquet.WriterProperty{parquet.WithDictionaryPageSizeLimit(2000), parquet.WithBatchSize(100)},
			dict:  []string{"flag", "mode", "bin"}},
		{name: "plain", stringType: utf8, storeSchema: true,
			props: []parquet.WriterProperty{parquet.WithDictionaryDefault(false)}},
		{name: "large_string", stringType: arrow.BinaryTypes.LargeString, storeSchema: true,
			dict: []string{"long", "card", "bin"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedAllocator(t)
			path := filepath.Join(t.TempDir(), "strings.parquet")
			rec := stringTable(t, mem, n, tc.stringType)
			writeArrowGo(t, path, rec, tc.storeSchema, tc.props...)
			rec.Release()
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			dict, err := parquetio.DictionaryColumns(path, fi.Size(), 20000)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dict, tc.dict) {
				t.Fatalf("columns read as dictionaries: %v, want %v", dict, tc.dict)
			}
			// card's dictionaries (1000 values each) are too large for
			// batches of 100 rows.
			if dict, err = parquetio.DictionaryColumns(path, fi.Size(), 100); err != nil || slices.Contains(dict, "card") {
				t.Fatalf("columns read as dictionaries in batches of 100: %v (%v), want no card", dict, err)
			}
			for _, batch := range []int{700, 4096, 20000} {
				restore := parquetio.SetReadDictionaries(false)
				want := readValidated(t, []string{path}, mem, batch)
				restore()
				got := readValidated(t, []string{path}, mem, batch)
				if len(want) != n {
					t.Fatalf("plain reader read %d rows, want %d", len(want), n)
				}
				if !slices.Equal(got, want) {
					for i := range got {
						if i >= len(want) || got[i] != want[i] {
							t.Fatalf("batches of %d: row %d is %.80q, the plain reader's %.80q", batch, i, got[i], want[min(i, len(want)-1)])
						}
					}
					t.Fatalf("batches of %d: %d rows, the plain reader's %d", batch, len(got), len(want))
				}
			}
		})
	}
}

// TestDictionaryStringsMergedFiles reads two files whose columns differ
// in number and order, whole and projected: the dictionary-encoded columns
// of each file are found by their place in that file.
func TestDictionaryStringsMergedFiles(t *testing.T) {
	mem := checkedAllocator(t)
	dir := t.TempDir()
	rec := stringTable(t, mem, 2500, utf8)
	writeArrowGo(t, filepath.Join(dir, "a.parquet"), rec, true)
	cols := []arrow.Array{rec.Column(2), rec.Column(5), rec.Column(1)}
	fewer := array.NewRecordBatch(schemaOf(rec.Schema().Field(2), rec.Schema().Field(5), rec.Schema().Field(1)), cols, rec.NumRows())
	writeArrowGo(t, filepath.Join(dir, "b.parquet"), fewer, true)
	fewer.Release()
	rec.Release()
	for _, columns := range [][]string{nil, {"flag", "id"}, {"bin"}} {
		restore := parquetio.SetReadDictionaries(false)
		want := readValidated(t, []string{dir}, mem, 1024, columns...)
		restore()
		got := readValidated(t, []string{dir}, mem, 1024, columns...)
		if len(want) != 5000 || !slices.Equal(got, want) {
			t.Fatalf("columns %v: read %d rows, the plain reader %d, or they differ", columns, len(got), len(want))
		}
	}
}

// TestPlainStrings expands dictionaries as pqarrow and Arrow make them:
// sliced arrays, sliced dictionaries, NULL indices, both offset widths,
// and refuses what it does not handle.
func TestPlainStrings(t *testing.T) {
	mem := checkedAllocator(t)
	dictOf := func(valueType arrow.DataType, indices, values string) *array.Dictionary {
		t.Helper()
		idx, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int32, strings.NewReader(indices))
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Release()
		vals, _, err := array.FromJSON(mem, valueType, strings.NewReader(values))
		if err != nil {
			t.Fatal(err)
		}
		defer vals.Release()
		return array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: valueType}, idx, vals)
	}
	for _, tc := range []struct {
		name      string
		valueType arrow.DataType
		indices   string
		values    string
		slice     [2]int64 // of the dictionary array; zero means whole
		want      arrow.DataType
		out       string
	}{
		{name: "string", valueType: utf8, indices: `[0, 1, 0, 2, 2]`, values: `["x", "", "long value"]`, want: utf8,
			out: `["x","","x","long value","long value"]`},
		{name: "nulls", valueType: utf8, indices: `[null, 1, null, 0]`, values: `["a", "bc"]`, want: utf8,
			out: `[null,"bc",null,"a"]`},
		{name: "sliced", valueType: utf8, indices: `[null, 1, null, 0, 1, null, 1]`, values: `["a", "bc"]`, slice: [2]int64{1, 6}, want: utf8,
			out: `["bc",null,"a","bc",null]`},
		{name: "large_string", valueType: utf8, indices: `[1, null, 0]`, values: `["a", "bc"]`, want: arrow.BinaryTypes.LargeString,
			out: `["bc",null,"a"]`},
		{name: "large dictionary", valueType: arrow.BinaryTypes.LargeString, indices: `[1, 0]`, values: `["a", "bc"]`, want: utf8,
			out: `["bc","a"]`},
		{name: "binary", valueType: arrow.BinaryTypes.Binary, indices: `[1, 0]`, values: `["YQ==", ""]`, want: arrow.BinaryTypes.Binary,
			out: `["","YQ=="]`},
		{name: "empty", valueType: utf8, indices: `[]`, values: `["a"]`, want: utf8, out: `[]`},
		// Values of one width, without NULLs, need no sums of lengths.
		{name: "one byte", valueType: utf8, indices: `[2, 0, 1, 2]`, values: `["R", "A", "N"]`, want: utf8,
			out: `["N","R","A","N"]`},
		{name: "one byte with nulls", valueType: utf8, indices: `[2, null, 1]`, values: `["R", "A", "N"]`, want: utf8,
			out: `["N",null,"A"]`},
		{name: "fixed width", valueType: utf8, indices: `[1, 0, 1]`, values: `["abc", "xyz"]`, want: arrow.BinaryTypes.LargeString,
			out: `["xyz","abc","xyz"]`},
		{name: "fixed width past a slot", valueType: utf8, indices: `[1, 0]`,
			values: `["` + strings.Repeat("a", 40) + `", "` + strings.Repeat("b", 40) + `"]`, want: utf8,
			out: `["` + strings.Repeat("b", 40) + `","` + strings.Repeat("a", 40) + `"]`},
		{name: "only empty values", valueType: utf8, indices: `[0, 0]`, values: `[""]`, want: utf8, out: `["",""]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := dictOf(tc.valueType, tc.indices, tc.values)
			defer d.Release()
			if tc.slice != [2]int64{} {
				s := array.NewSlice(d, tc.slice[0], tc.slice[1]).(*array.Dictionary)
				defer s.Release()
				d = s
			}
			out, ok, err := parquetio.PlainStrings(mem, d, tc.want)
			if err != nil || !ok {
				t.Fatalf("ok %v, error %v", ok, err)
			}
			defer out.Release()
			if err := array.ValidateFull(out); err != nil {
				t.Fatal(err)
			}
			if !arrow.TypeEqual(out.DataType(), tc.want) {
				t.Fatalf("type %s, want %s", out.DataType(), tc.want)
			}
			js, err := out.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(js) != tc.out {
				t.Fatalf("got %s, want %s", js, tc.out)
			}
		})
	}

	t.Run("sliced dictionary values", func(t *testing.T) {
		vals, _, err := array.FromJSON(mem, utf8, strings.NewReader(`["skip", "a", "bc", "skip too"]`))
		if err != nil {
			t.Fatal(err)
		}
		defer vals.Release()
		sliced := array.NewSlice(vals, 1, 3)
		defer sliced.Release()
		idx, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int32, strings.NewReader(`[1, 0, 1]`))
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Release()
		d := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: utf8}, idx, sliced)
		defer d.Release()
		out, ok, err := parquetio.PlainStrings(mem, d, utf8)
		if err != nil || !ok {
			t.Fatalf("ok %v, error %v", ok, err)
		}
		defer out.Release()
		if js, _ := out.MarshalJSON(); string(js) != `["bc","a","bc"]` {
			t.Fatalf("got %s", js)
		}
	})

	t.Run("index out of range", func(t *testing.T) {
		for _, d := range []*array.Dictionary{
			dictOf(utf8, `[0, 2]`, `["a", "b"]`),        // one width
			dictOf(utf8, `[0, -1]`, `["a", "bc"]`),      // lengths summed
			dictOf(utf8, `[null, 0, 3]`, `["a", "bc"]`), // with NULLs
		} {
			if _, _, err := parquetio.PlainStrings(mem, d, utf8); !errors.Is(err, parquetio.ErrCorrupt) {
				t.Fatalf("%s: error %v, want ErrCorrupt", d, err)
			}
			d.Release()
		}
	})

	t.Run("not handled", func(t *testing.T) {
		for _, tc := range []struct {
			d    *array.Dictionary
			want arrow.DataType
		}{
			{dictOf(utf8, `[0]`, `["a", null]`), utf8},                  // NULL in the dictionary
			{dictOf(arrow.PrimitiveTypes.Int64, `[0]`, `[1]`), utf8},    // not strings
			{dictOf(arrow.BinaryTypes.Binary, `[0]`, `["YQ=="]`), utf8}, // binary as string
			{dictOf(utf8, `[0]`, `["a"]`), arrow.BinaryTypes.Binary},    // string as binary
			{dictOf(utf8, `[0]`, `["a"]`), arrow.PrimitiveTypes.Int32},  // not to strings
		} {
			out, ok, err := parquetio.PlainStrings(mem, tc.d, tc.want)
			if ok || err != nil || out != nil {
				t.Fatalf("%s as %s: ok %v, error %v", tc.d.DataType(), tc.want, ok, err)
			}
			tc.d.Release()
		}
		idx, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int8, strings.NewReader(`[0]`))
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Release()
		vals, _, err := array.FromJSON(mem, utf8, strings.NewReader(`["a"]`))
		if err != nil {
			t.Fatal(err)
		}
		defer vals.Release()
		d := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: utf8}, idx, vals)
		defer d.Release()
		if _, ok, err := parquetio.PlainStrings(mem, d, utf8); ok || err != nil {
			t.Fatalf("int8 indices: ok %v, error %v", ok, err)
		}
	})
}
