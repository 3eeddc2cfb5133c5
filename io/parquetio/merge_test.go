package parquetio_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

func schemaOf(fields ...arrow.Field) *arrow.Schema { return arrow.NewSchema(fields, nil) }

func field(name string, t arrow.DataType, nullable bool) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: nullable}
}

var (
	i32  = arrow.PrimitiveTypes.Int32
	i64  = arrow.PrimitiveTypes.Int64
	f32  = arrow.PrimitiveTypes.Float32
	f64  = arrow.PrimitiveTypes.Float64
	utf8 = arrow.BinaryTypes.String
)

// mergeFiles writes three files whose schemas differ compatibly: columns
// missing from some files, int32/int64 and float32/float64, a struct that
// gains a field and whose field widens, and a list whose elements widen.
func mergeFiles(t *testing.T) string {
	dir := t.TempDir()
	opts := parquetio.DefaultOptions()
	writeFile(t, filepath.Join(dir, "a.parquet"), schemaOf(
		field("id", i32, false),
		field("x", f32, true),
		field("name", utf8, true),
		field("meta", arrow.StructOf(field("lang", utf8, true)), true),
		field("v", arrow.ListOf(f32), true),
	), `[{"id": 1, "x": 0.1, "name": "ann", "meta": {"lang": "go"}, "v": [0.5, null]},
	     {"id": 2, "x": null, "name": null, "meta": null, "v": null}]`, opts)
	writeFile(t, filepath.Join(dir, "b.parquet"), schemaOf(
		field("id", i64, false),
		field("name", utf8, false),
		field("extra", arrow.FixedWidthTypes.Boolean, true),
		field("meta", arrow.StructOf(field("lang", utf8, true), field("stars", i32, true)), true),
	), `[{"id": 9000000000, "name": "bob", "extra": true, "meta": {"lang": "rust", "stars": 3}}]`, opts)
	// Another column order, and no "name".
	writeFile(t, filepath.Join(dir, "c.parquet"), schemaOf(
		field("v", arrow.ListOf(f64), true),
		field("meta", arrow.StructOf(field("stars", i64, true)), true),
		field("x", f64, true),
		field("id", i32, true),
	), `[{"v": [1e300], "meta": {"stars": 9000000000}, "x": 2.5, "id": -3}]`, opts)
	return dir
}

func TestMergeSchemas(t *testing.T) {
	mem := checkedAllocator(t)
	dir := mergeFiles(t)
	src, err := parquetio.NewSource([]string{dir}, parquetio.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := schemaOf(
		field("id", i64, true),
		field("x", f64, true),
		field("name", utf8, true),
		field("meta", arrow.StructOf(field("lang", utf8, true), field("stars", i64, true)), true),
		field("v", arrow.ListOf(f64), true),
		field("extra", arrow.FixedWidthTypes.Boolean, true),
	)
	if !src.Schema().Equal(want) {
		t.Fatalf("merged schema\n%s\nwant\n%s", src.Schema(), want)
	}
	wantRows := []string{
		// float32 0.1 widened exactly, not re-parsed from its shortest text.
		`1|0.10000000149011612|ann|{"lang":"go","stars":null}|[0.5,null]|(null)`,
		`2|(null)|(null)|(null)|(null)|(null)`,
		`9000000000|(null)|bob|{"lang":"rust","stars":3}|(null)|true`,
		`-3|2.5|(null)|{"lang":null,"stars":9000000000}|[1e+300]|(null)`,
	}
	for _, batch := range []int{1, 2, 1000} {
		res := scan(t, src, plan.ScanOptions{Allocator: mem, BatchRows: batch})
		if got := strings.Join(res.rows, "\n"); got != strings.Join(wantRows, "\n") {
			t.Fatalf("batch %d: read\n%s\nwant\n%s", batch, got, strings.Join(wantRows, "\n"))
		}
	}

	// Projections: columns some files lack, and none at all (a count).
	for _, tc := range []struct {
		cols []string
		rows []string
	}{
		{[]string{"extra"}, []string{"(null)", "(null)", "true", "(null)"}},
		{[]string{"name", "extra"}, []string{"ann|(null)", "(null)|(null)", "bob|true", "(null)|(null)"}},
		{[]string{"x"}, []string{"0.10000000149011612", "(null)", "(null)", "2.5"}},
		{[]string{}, []string{"", "", "", ""}},
	} {
		p, err := src.Project(tc.cols)
		if err != nil {
			t.Fatal(err)
		}
		res := scan(t, p, plan.ScanOptions{Allocator: mem, BatchRows: 1})
		if got := strings.Join(res.rows, ","); got != strings.Join(tc.rows, ",") {
			t.Errorf("columns %v: read %s, want %s", tc.cols, got, strings.Join(tc.rows, ","))
		}
	}
}

func TestMergeSchemasThroughFrame(t *testing.T) {
	ctx := context.Background()
	sess, _ := session(t)
	df := sess.Read().Parquet(mergeFiles(t))
	// A filter on a widened column prunes by the narrower file's
	// statistics, and one on a column a file lacks keeps that file.
	n, err := df.Filter(frame.Col("id").Gt(int64(5_000_000_000))).Count(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if read := sess.LastMetrics().RowsRead; read != 1 {
		t.Fatalf("read %d rows, want only b.parquet's 1", read)
	}
	n, err = df.Filter(frame.Col("extra").IsNull()).Count(ctx)
	if err != nil || n != 3 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	got := rows(t, df.Filter(frame.Col("x").Gt(1.0)).Select("id", "x", "name"))
	if strings.Join(got, ",") != "-3|2.5|(null)" {
		t.Fatalf("got %v", got)
	}
}

func TestMergeSchemasIncompatible(t *testing.T) {
	opts := parquetio.DefaultOptions()
	for _, tc := range []struct {
		name   string
		first  arrow.Field
		second arrow.Field
		column string
	}{
		{"int vs string", field("c", i64, true), field("c", utf8, true), `"c"`},
		{"int vs float", field("c", i32, true), field("c", f64, true), `"c"`},
		{"signed vs unsigned", field("c", i32, true), field("c", arrow.PrimitiveTypes.Uint32, true), `"c"`},
		{"struct vs int", field("c", arrow.StructOf(field("a", i32, true)), true), field("c", i32, true), `"c"`},
		{"struct field", field("c", arrow.StructOf(field("a", i32, true)), true),
			field("c", arrow.StructOf(field("a", utf8, true)), true), `"c.a"`},
		{"list element", field("c", arrow.ListOf(i32), true), field("c", arrow.ListOf(utf8), true), `"c.item"`},
		{"list vs int", field("c", arrow.ListOf(i32), true), field("c", i32, true), `"c"`},
		{"timestamp units", field("c", arrow.FixedWidthTypes.Timestamp_us, true),
			field("c", arrow.FixedWidthTypes.Timestamp_ms, true), `"c"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			first, second := filepath.Join(dir, "first.parquet"), filepath.Join(dir, "second.parquet")
			writeFile(t, first, schemaOf(field("k", i32, true), tc.first), `[]`, opts)
			writeFile(t, second, schemaOf(tc.second), `[]`, opts)
			_, err := parquetio.NewSource([]string{dir}, opts)
			if err == nil {
				t.Fatal("merged incompatible schemas")
			}
			t.Log(err)
			for _, want := range []string{"parquetio: ", first, second, tc.column} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}
