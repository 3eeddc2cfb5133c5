package frame_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/frame"
)

// irisLikeCSV writes rows rows of id + four floats, as the side-by-side
// benchmark's input (bench/cmd/compare) has.
func irisLikeCSV(b *testing.B, rows int) string {
	b.Helper()
	var sb strings.Builder
	sb.WriteString("id,sepal_length,sepal_width,petal_length,petal_width\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&sb, "%d,%d.%03d,%d.%03d,%d.%03d,0.%03d\n", i, 4+i%4, i%997, 2+i%3, i%991, 1+i%6, i%983, i%977)
	}
	path := filepath.Join(b.TempDir(), "iris.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkFilterDeriveWrite is the job on 200,000 rows: read
// CSV → filter → derive a column → write CSV.
func BenchmarkFilterDeriveWrite(b *testing.B) {
	const rows = 200_000
	in := irisLikeCSV(b, rows)
	info, _ := os.Stat(in)
	out := filepath.Join(b.TempDir(), "out")
	sess := frame.NewSession()
	defer sess.Close()
	b.SetBytes(info.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(in)
		df = df.Filter(frame.Col("petal_length").Gt(frame.Lit(2.0))).
			WithColumn("petal_area", frame.Col("petal_length").Mul(frame.Col("petal_width")))
		if err := df.Write().Mode(frame.Overwrite).Option("header", "true").CSV(context.Background(), out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkGroupBy aggregates 200,000 rows into 1,000 groups.
func BenchmarkGroupBy(b *testing.B) {
	const rows = 200_000
	in := irisLikeCSV(b, rows)
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(in).
		WithColumn("key", frame.Col("id").Mod(1000)).
		GroupBy("key").Agg(frame.Count("*"), frame.Mean("petal_length"), frame.Max("sepal_width"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n, err := df.Count(context.Background()); err != nil || n != 1000 {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkOrderBy sorts 200,000 rows by a float column.
func BenchmarkOrderBy(b *testing.B) {
	const rows = 200_000
	in := irisLikeCSV(b, rows)
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(in).
		OrderBy(frame.Col("petal_length").Desc(), "id")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tbl, err := df.Collect(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		tbl.Release()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
