// Command iris is a model plugin — the "bento" of BentoML's run_in_spark
// tutorial: the iris random forest packaged as a binary of its own, with
// the model embedded, that ember starts and feeds batches of rows.
//
//	go build -o bin/iris-plugin ./examples/plugins/iris
//
// then, in a job:
//
//	model, err := plugins.Open("bin/iris-plugin")
//	df = df.WithColumn("prediction",
//		udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width"))
//
// The plugin takes the four measurements in centimetres (float32; the
// host casts other numeric columns) and returns the species it predicts,
// "setosa", "versicolor" or "virginica". It runs the forest in ONNX
// Runtime, which it finds as package udf/onnx does ($ONNXRUNTIME_LIB, a
// system directory, or third_party/onnxruntime in a parent directory).
// The model is a scikit-learn random forest converted with skl2onnx (MIT,
// see LICENSE-iris_random_forest.txt).
package main

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plugins/sdk"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
)

//go:embed iris_random_forest.onnx
var forestONNX []byte

// species are the forest's classes, in the order of its int64 labels.
var species = []string{"setosa", "versicolor", "virginica"}

// The plugin's columns: four measurements in, the species out.
var (
	measurements = arrow.NewSchema([]arrow.Field{
		{Name: "sepal_length", Type: arrow.PrimitiveTypes.Float32},
		{Name: "sepal_width", Type: arrow.PrimitiveTypes.Float32},
		{Name: "petal_length", Type: arrow.PrimitiveTypes.Float32},
		{Name: "petal_width", Type: arrow.PrimitiveTypes.Float32},
	}, nil)
	prediction = arrow.NewSchema([]arrow.Field{{Name: "species", Type: arrow.BinaryTypes.String}}, nil)
)

// batchRows is the batch size the plugin asks for: four times the
// engine's default, since each batch pays a round trip to the process
// (measured with bench/cmd/predict-compare: 0.84× in-process throughput
// at 16,384 rows, 0.9× at 65,536).
const batchRows = 65536

func main() {
	sdk.Serve(sdk.Info{Name: "iris", Version: "1.0.0", Inputs: measurements, Outputs: prediction, BatchRows: batchRows}, &forest{})
}

// forest runs the embedded random forest in ONNX Runtime.
type forest struct {
	session udf.Loaded
}

// Load writes the embedded model where ONNX Runtime can read it, opens a
// session with the host's threads, and removes the file.
func (f *forest) Load(ctx context.Context, opts sdk.LoadOptions) error {
	dir, err := os.MkdirTemp("", "iris-plugin")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "iris_random_forest.onnx")
	if err := os.WriteFile(path, forestONNX, 0o600); err != nil {
		return err
	}
	model, err := onnx.Load(path, onnx.WithOutputs("output_label"))
	if err != nil {
		return err
	}
	if f.session, err = model.Load(ctx, udf.LoadOptions{Threads: opts.Threads}); err != nil {
		return err
	}
	sdk.Logger().Debug("loaded the forest", "threads", opts.Threads)
	return nil
}

// Predict classifies a batch of flowers.
func (f *forest) Predict(ctx context.Context, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	outs, err := f.session.Predict(ctx, batch.Columns(), int(batch.NumRows()))
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, o := range outs {
			o.Release()
		}
	}()
	labels := outs[0].(*array.Int64)
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	b.Reserve(labels.Len())
	for _, l := range labels.Int64Values() {
		if l < 0 || int(l) >= len(species) {
			return nil, fmt.Errorf("the forest predicted class %d, which is not a species", l)
		}
		b.Append(species[l])
	}
	col := b.NewArray()
	defer col.Release()
	return array.NewRecordBatch(prediction, []arrow.Array{col}, int64(col.Len())), nil
}

// Close ends the ONNX Runtime session.
func (f *forest) Close() error {
	if f.session == nil {
		return nil
	}
	return f.session.Close()
}
