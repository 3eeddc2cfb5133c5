// Command iris is ember's demo: a dataframe job over the iris data set,
// which is embedded in the binary (scikit-learn's copy, BSD-3).
//
// It reads the CSV with an inferred schema, derives a column, filters,
// aggregates per species, shows the results, explains the plan and writes
// the summary as a committed directory of CSV part files.
//
//	go run ./examples/iris [-out DIR]
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ember-df/ember/frame"
)

//go:embed iris.csv
var irisCSV []byte

func main() {
	out := flag.String("out", filepath.Join(os.TempDir(), "ember-iris-summary"), "output directory")
	flag.Parse()
	if err := run(context.Background(), *out); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out string) error {
	dir, err := os.MkdirTemp("", "ember-iris")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "iris.csv")
	if err := os.WriteFile(path, irisCSV, 0o644); err != nil {
		return err
	}

	sess := frame.NewSession()
	defer sess.Close()
	iris := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(path)
	fmt.Println("schema:", iris.Schema())
	if err := iris.Show(ctx, 5); err != nil {
		return err
	}

	df := iris.Filter(frame.Col("petal_length").Gt(frame.Lit(2.0))).
		WithColumn("petal_area", frame.Col("petal_length").Mul(frame.Col("petal_width")))
	n, err := df.Count(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("%d of 150 flowers have petals longer than 2 cm\n", n)

	summary := iris.
		WithColumn("petal_area", frame.Col("petal_length").Mul(frame.Col("petal_width"))).
		GroupBy("species").
		Agg(frame.Count("*"), frame.Mean("petal_area").As("mean_petal_area"), frame.Max("sepal_length")).
		OrderBy(frame.Col("mean_petal_area").Desc())
	if err := summary.Show(ctx, 10); err != nil {
		return err
	}
	fmt.Println(summary.Explain())

	if err := summary.Write().Mode(frame.Overwrite).Option("header", "true").CSV(ctx, out); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%s)\n", out, sess.LastMetrics())
	return nil
}
