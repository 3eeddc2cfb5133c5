package parquetio_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

var nested = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "embedding", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
	{Name: "meta", Type: arrow.StructOf(
		arrow.Field{Name: "lang", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "stars", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	), Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"}, Nullable: true},
}, nil)

const nestedJSON = `[
	{"id": 1, "name": "ann", "score": 4.5, "embedding": [0.5, -1, 2], "meta": {"lang": "go", "stars": 5}, "day": "2024-02-29", "at": "2024-01-02T03:04:05.123456Z"},
	{"id": 2, "name": null, "score": null, "embedding": null, "meta": null, "day": null, "at": null},
	{"id": 3, "name": "", "score": -0.0, "embedding": [], "meta": {"lang": null, "stars": null}, "day": "1970-01-01", "at": "1969-12-31T23:59:59Z"},
	{"id": null, "name": "dé\"jà", "score": 1e300, "embedding": [null, 3.25], "meta": {"lang": "rust", "stars": -1}, "day": "2000-01-01", "at": "2000-01-01T00:00:00Z"}
]`

func session(t *testing.T, opts ...frame.Option) (*frame.Session, *memory.CheckedAllocator) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	sess := frame.NewSession(append([]frame.Option{frame.WithAllocator(mem)}, opts...)...)
	t.Cleanup(func() {
		sess.Close()
		mem.AssertSize(t, 0)
	})
	return sess, mem
}

func fromJSON(t *testing.T, sess *frame.Session, mem memory.Allocator, schema *arrow.Schema, js string) *frame.DataFrame {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	return sess.CreateDataFrame(schema, []arrow.RecordBatch{rec})
}

func rows(t *testing.T, df *frame.DataFrame) []string {
	t.Helper()
	tbl, err := df.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	var out []string
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	for tr.Next() {
		b := tr.RecordBatch()
		for r := 0; r < int(b.NumRows()); r++ {
			cells := make([]string, b.NumCols())
			for c, col := range b.Columns() {
				cells[c] = col.ValueStr(r)
			}
			out = append(out, strings.Join(cells, "|"))
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, codec := range []string{"snappy", "zstd", "none"} {
		t.Run(codec, func(t *testing.T) {
			sess, mem := session(t)
			df := fromJSON(t, sess, mem, nested, nestedJSON)
			out := filepath.Join(t.TempDir(), "out")
			if err := df.Write().Option("compression", codec).Parquet(ctx, out); err != nil {
				t.Fatal(err)
			}
			back := sess.Read().Parquet(out)
			if !back.Schema().Equal(nested) {
				t.Fatalf("schema %s, want %s", back.Schema(), nested)
			}
			got, want := rows(t, back), rows(t, df)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("read back\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// writeNumbers writes ids 0..n-1 with x = id/10 in row groups of rg rows.
func writeNumbers(t *testing.T, sess *frame.Session, dir string, n, rg int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id\n")
	for i := 0; i < n; i++ {
		b.WriteString(strings.TrimSpace(strings.Repeat(" ", 0)) + itoa(i) + "\n")
	}
	csv := filepath.Join(dir, "ids.csv")
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "numbers")
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(csv).
		WithColumn("x", frame.Col("id").Div(10)).Coalesce(1)
	if err := df.Write().Option("rowGroupRows", itoa(rg)).Parquet(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	return out
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}

func TestRowGroupsPartitionsAndPruning(t *testing.T) {
	ctx := context.Background()
	sess, _ := session(t, frame.WithParallelism(4))
	dir := writeNumbers(t, sess, t.TempDir(), 10_000, 1000)
	df := sess.Read().Option("maxPartitionBytes", "1").Parquet(dir)
	if n, err := df.Count(ctx); err != nil || n != 10_000 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if p := sess.LastMetrics().Partitions; p != 10 {
		t.Fatalf("10 row groups read as %d partitions, want 10", p)
	}
	// Only the row groups whose id range can hold 2500..2999 are read.
	sel := df.Filter(frame.Col("id").Ge(2500).And(frame.Col("id").Lt(3000)))
	if n, err := sel.Count(ctx); err != nil || n != 500 {
		t.Fatalf("filtered Count = %d, %v", n, err)
	}
	if read := sess.LastMetrics().RowsRead; read != 1000 {
		t.Fatalf("read %d rows, want the one row group (1000 rows)", read)
	}
	if !strings.Contains(sel.Explain(), "prune-by=") {
		t.Fatalf("filter not pushed into the scan:\n%s", sel.Explain())
	}
	// A filter on a cast column and a mirrored literal also prune.
	if n, err := df.Filter(frame.Lit(9500.5).Lt(frame.Col("id"))).Count(ctx); err != nil || n != 499 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if read := sess.LastMetrics().RowsRead; read != 1000 {
		t.Fatalf("read %d rows, want 1000", read)
	}
	// Projection: only the id column is read.
	if !strings.Contains(df.Select("x").Explain(), "columns=[x] (pruned from 2)") {
		t.Fatal(df.Select("x").Explain())
	}
}

func TestBadFiles(t *testing.T) {
	sess, _ := session(t)
	dir := t.TempDir()
	good := writeNumbers(t, sess, dir, 100, 50)
	parts, _ := filepath.Glob(filepath.Join(good, "part-*.parquet"))
	data, err := os.ReadFile(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"truncated.parquet": data[:len(data)/2],
		"magic.parquet":     append([]byte("JUNK"), data[4:]...),
		"empty.parquet":     nil,
		"text.parquet":      []byte("id,x\n1,2\n"),
	}
	for name, content := range cases {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		err := sess.Read().Parquet(path).Err()
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want one naming the file", name, err)
		}
	}
	if err := sess.Read().Parquet(filepath.Join(dir, "missing.parquet")).Err(); err == nil || !strings.Contains(err.Error(), "missing.parquet") {
		t.Errorf("missing: err = %v", err)
	}
	// Two files whose schemas cannot merge (id is int64 in one, a string
	// in the other): the error names both and the column.
	other := filepath.Join(dir, "other")
	strIDs := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	if err := fromJSON(t, sess, sess.Allocator(), strIDs, `[{"id": "a"}]`).Write().Parquet(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	otherParts, _ := filepath.Glob(filepath.Join(other, "part-*.parquet"))
	err = sess.Read().Parquet(parts[0], otherParts[0]).Err()
	if err == nil || !strings.Contains(err.Error(), filepath.Base(parts[0])) || !strings.Contains(err.Error(), filepath.Base(otherParts[0])) ||
		!strings.Contains(err.Error(), `"id"`) {
		t.Errorf("mismatch: err = %v", err)
	}
}

func TestPortable(t *testing.T) {
	sess, _ := session(t)
	dir := writeNumbers(t, sess, t.TempDir(), 100, 10)
	src, err := parquetio.NewSource([]string{dir}, parquetio.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	narrowed, err := src.Project([]string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	cond, err := plan.NewBinary(plan.OpGt, plan.Col("id"), plan.Lit(50)).Resolve(src.Schema())
	if err != nil {
		t.Fatal(err)
	}
	root := &plan.Write{Input: &plan.Scan{Source: narrowed.(*parquetio.Source).WithFilter(cond)},
		Format: parquetio.Format{Options: parquetio.Options{Compression: "zstd"}}, Path: "/out", Mode: plan.Append}
	data, err := plan.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	back, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Explain(back) != plan.Explain(root) {
		t.Fatalf("decoded\n%s\nwant\n%s", plan.Explain(back), plan.Explain(root))
	}
}

// TestDatePruning: a date column's statistics skip row groups, whether the
// filter's literal is a date string or a time.Time (whose comparison the
// optimizer turns into one of dates).
func TestDatePruning(t *testing.T) {
	ctx := context.Background()
	sess, _ := session(t)
	src := sess.Read().Parquet(writeNumbers(t, sess, t.TempDir(), 10_000, 1000))
	dir := filepath.Join(t.TempDir(), "dates")
	day0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	dated := src.WithColumn("d", frame.Call("date_add", frame.Lit(day0).Cast(arrow.FixedWidthTypes.Date32), "id")).Coalesce(1)
	if err := dated.Write().Option("rowGroupRows", "1000").Parquet(ctx, dir); err != nil {
		t.Fatal(err)
	}
	df := sess.Read().Parquet(dir)
	for name, cond := range map[string]frame.Column{
		"time.Time": frame.Col("d").Ge(frame.Lit(day0.AddDate(0, 0, 2500))).And(frame.Col("d").Lt(frame.Lit(day0.AddDate(0, 0, 3000)))),
		"string": frame.Col("d").Ge(frame.Lit(day0.AddDate(0, 0, 2505).Format(time.DateOnly))).
			And(frame.Col("d").Le(frame.Lit(day0.AddDate(0, 0, 2510).Format(time.DateOnly)))),
		"not midnight": frame.Col("d").Gt(frame.Lit(day0.AddDate(0, 0, 2500).Add(time.Hour))).
			And(frame.Col("d").Lt(frame.Lit(day0.AddDate(0, 0, 2999).Add(time.Hour)))),
	} {
		n, err := df.Filter(cond).Count(ctx)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := map[string]int64{"time.Time": 500, "string": 6, "not midnight": 499}[name]
		if n != want {
			t.Errorf("%s: Count = %d, want %d", name, n, want)
		}
		if read := sess.LastMetrics().RowsRead; read != 1000 {
			t.Errorf("%s: read %d rows, want the one row group (1000 rows)", name, read)
		}
	}
}
