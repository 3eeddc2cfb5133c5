package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plugins"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

const irisCSV = "../../iris/iris.csv"

var features = []any{"sepal_length", "sepal_width", "petal_length", "petal_width"}

// buildPlugin builds this package as the plugin binary, as its README
// says, into a temporary directory.
func buildPlugin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "iris-plugin")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func checkedSession(t *testing.T, opts ...frame.Option) *frame.Session {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	sess := frame.NewSession(append([]frame.Option{frame.WithAllocator(mem)}, opts...)...)
	t.Cleanup(func() { sess.Close() })
	return sess
}

func strs(t *testing.T, tbl arrow.Table, name string) []string {
	t.Helper()
	var out []string
	for _, c := range tbl.Column(tbl.Schema().FieldIndices(name)[0]).Data().Chunks() {
		for i := range c.Len() {
			out = append(out, c.ValueStr(i))
		}
	}
	return out
}

// TestPluginMatchesTheForestInProcess scores the iris data with the
// plugin and with the same forest in this process: every prediction
// agrees.
func TestPluginMatchesTheForestInProcess(t *testing.T) {
	onnxtest.RequireRuntime(t)
	model, err := plugins.Open(buildPlugin(t), plugins.Logger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if model.Name() != "iris" || model.Version() != "1.0.0" || !model.Outputs().Equal(prediction) || !model.Inputs().Equal(measurements) {
		t.Fatalf("plugin %s: inputs %s, outputs %s", model, model.Inputs(), model.Outputs())
	}
	inProcess, err := onnx.Load("iris_random_forest.onnx", onnx.WithOutputs("output_label"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { udf.Unload(inProcess) })

	sess := checkedSession(t, frame.WithParallelism(2))
	iris := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(irisCSV).Repartition(3)
	scored := iris.
		WithColumn("plugin", udf.Predict(model, features...)).
		WithColumn("in_process", udf.Predict(inProcess, features...).Labels(species...))
	tbl, err := scored.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	truth, viaPlugin, direct := strs(t, tbl, "species"), strs(t, tbl, "plugin"), strs(t, tbl, "in_process")
	right := 0
	for i := range truth {
		if viaPlugin[i] != direct[i] {
			t.Fatalf("row %d: the plugin says %s, the forest in process %s", i, viaPlugin[i], direct[i])
		}
		if viaPlugin[i] == truth[i] {
			right++
		}
	}
	if len(truth) != 150 || right < 145 {
		t.Fatalf("%d of %d flowers right", right, len(truth))
	}
}

// TestSeed000 is BentoML's run_in_spark tutorial with the plugin as the
// bento: a CSV read with a schema of floats, the classifier applied to
// every row, the result written as CSV part files and _SUCCESS.
func TestSeed000(t *testing.T) {
	onnxtest.RequireRuntime(t)
	model, err := plugins.Open(buildPlugin(t), plugins.Logger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	sess := checkedSession(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "sepal_length", Type: arrow.PrimitiveTypes.Float32},
		{Name: "sepal_width", Type: arrow.PrimitiveTypes.Float32},
		{Name: "petal_length", Type: arrow.PrimitiveTypes.Float32},
		{Name: "petal_width", Type: arrow.PrimitiveTypes.Float32},
		{Name: "species", Type: arrow.BinaryTypes.String},
	}, nil)
	df := sess.Read().Schema(schema).Option("header", "true").CSV(irisCSV)
	results := df.WithColumn("prediction", udf.Predict(model, features...))
	out := filepath.Join(t.TempDir(), "output")
	if err := results.Write().Option("header", "true").CSV(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err != nil {
		t.Fatal(err)
	}
	parts, _ := filepath.Glob(filepath.Join(out, "part-*.csv"))
	rows := 0
	for _, p := range parts {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if lines[0] != "sepal_length,sepal_width,petal_length,petal_width,species,prediction" {
			t.Fatalf("header %q", lines[0])
		}
		for _, l := range lines[1:] {
			if f := strings.Split(l, ","); len(f) != 6 || !strings.Contains("setosa versicolor virginica", f[5]) {
				t.Fatalf("row %q", l)
			}
			rows++
		}
	}
	if rows != 150 {
		t.Fatalf("%d rows written", rows)
	}
}

func Example() {
	// With the plugin built: go build -o bin/iris-plugin ./examples/plugins/iris
	model, err := plugins.Open("bin/iris-plugin")
	if err != nil {
		fmt.Println(err)
		return
	}
	sess := frame.NewSession()
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV("iris.csv")
	df = df.WithColumn("prediction",
		udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width"))
	fmt.Println(df.Schema())
}
