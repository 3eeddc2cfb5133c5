// Command iris is ember's demo: a dataframe job and model inference over
// the iris data set, both embedded in the binary (scikit-learn's copy of
// the data, BSD-3; a scikit-learn random forest converted to ONNX, MIT).
//
// It reads the CSV with an inferred schema, derives a column, filters,
// aggregates per species; then scores every flower with the random forest
// in ONNX Runtime (udf.Predict), shows the accuracy and confusion counts,
// and writes the scored rows as a committed directory of CSV part files.
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
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
)

//go:embed iris.csv
var irisCSV []byte

//go:embed iris_random_forest.onnx
var forest []byte

func main() {
	out := flag.String("out", filepath.Join(os.TempDir(), "ember-iris-predictions"), "output directory")
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

	modelPath := filepath.Join(dir, "iris_random_forest.onnx")
	if err := os.WriteFile(modelPath, forest, 0o644); err != nil {
		return err
	}
	model, err := onnx.Load(modelPath, onnx.WithOutputs("output_label"))
	if err != nil {
		return err
	}
	defer udf.Unload(model)
	// The four numeric columns are packed into the model's [N,4] float32
	// input; its int64 class becomes a name.
	scored := iris.WithColumn("prediction",
		udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width").
			Labels("setosa", "versicolor", "virginica"))
	if err := scored.Show(ctx, 5); err != nil {
		return err
	}
	right, err := scored.Filter(frame.Col("prediction").Eq(frame.Col("species"))).Count(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("the random forest classifies %d of 150 flowers right (%.1f%%)\n", right, float64(right)/1.5)
	confusion := scored.GroupBy("species", "prediction").Count().OrderBy("species", "prediction")
	if err := confusion.Show(ctx, 10); err != nil {
		return err
	}
	if err := scored.Write().Mode(frame.Overwrite).Option("header", "true").CSV(ctx, out); err != nil {
		return err
	}
	m := sess.LastMetrics()
	fmt.Printf("wrote %s (%s)\n", out, m)
	for _, u := range m.UDFs {
		fmt.Println("  model:", u)
	}
	return nil
}
