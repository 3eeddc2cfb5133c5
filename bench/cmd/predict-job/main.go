// Command predict-job is the ember contender of the model-scoring benchmark
// driven by bench/cmd/predict-compare.
//
// It scores every row of an iris-like CSV with an ONNX classifier through
// ember's frame API and udf.Predict:
//
//	read CSV (header, inferSchema) → prediction = model(sepal_length,
//	sepal_width, petal_length, petal_width) → write CSV with header
//
// Usage:
//
//	predict-job -in input.csv -out DIR [-model iris_random_forest.onnx] [-species]
//	predict-job -in input.csv -out DIR -plugin bin/iris-plugin
//
// The output directory is written in Overwrite mode and holds one or more
// part-*.csv files, each starting with a header line: the input columns
// and prediction (int64, the model's output_label; with -species, the
// species it names). With -plugin, the model is a plugin binary
// (examples/plugins/iris: the same forest, predicting the species) run
// out of process by package plugins. ONNX Runtime is found
// as udf/onnx documents ($ONNXRUNTIME_LIB, or
// third_party/onnxruntime/lib). Errors go to stderr and yield a non-zero
// exit status, which the harness reports as a failed run.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/ember-df/ember/bench/internal/harness"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plugins"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
)

func main() {
	in := flag.String("in", "", "input CSV file")
	out := flag.String("out", "", "output directory")
	model := flag.String("model", "udf/onnx/testdata/iris_random_forest.onnx", "ONNX model: input X float32[N,4], output output_label int64[N]")
	species := flag.Bool("species", false, "predict the species' name rather than its class number")
	plugin := flag.String("plugin", "", "score with this plugin binary instead of -model in process")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the job here")
	verbose := flag.Bool("v", false, "log at debug level (plugin processes' debug records included)")
	flag.Parse()
	if *verbose {
		slog.SetLogLoggerLevel(slog.LevelDebug)
	}
	if *in == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: predict-job -in input.csv -out DIR [-model model.onnx]")
		os.Exit(2)
	}
	if *cpuProfile != "" {
		stop, err := harness.StartCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "predict-job:", err)
			os.Exit(1)
		}
		defer stop()
	}
	if err := run(context.Background(), *in, *out, *model, *plugin, *species); err != nil {
		fmt.Fprintln(os.Stderr, "predict-job:", err)
		os.Exit(1)
	}
}

// run executes the job, reading in and writing part files under out.
func run(ctx context.Context, in, out, modelPath, pluginPath string, species bool) error {
	sess := frame.NewSession()
	defer sess.Close()

	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(in)
	features := []any{"sepal_length", "sepal_width", "petal_length", "petal_width"}
	var prediction *udf.Prediction
	if pluginPath != "" {
		model, err := plugins.Open(pluginPath)
		if err != nil {
			return err
		}
		prediction = udf.Predict(model, features...)
	} else {
		model, err := onnx.Load(modelPath, onnx.WithOutputs("output_label"))
		if err != nil {
			return err
		}
		prediction = udf.Predict(model, features...)
		if species {
			prediction = prediction.Labels("setosa", "versicolor", "virginica")
		}
	}
	df = df.WithColumn("prediction", prediction)
	return df.Write().Mode(frame.Overwrite).Option("header", "true").CSV(ctx, out)
}
