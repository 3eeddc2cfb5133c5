package onnx_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

const irisCSV = "../../examples/iris/iris.csv"

var irisFeatures = []any{"sepal_length", "sepal_width", "petal_length", "petal_width"}

// checkedSession is a session whose Arrow memory is checked for leaks when
// the test ends.
func checkedSession(t *testing.T, opts ...frame.Option) *frame.Session {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	sess := frame.NewSession(append([]frame.Option{frame.WithAllocator(mem)}, opts...)...)
	t.Cleanup(func() { sess.Close() })
	return sess
}

func readIris(sess *frame.Session) *frame.DataFrame {
	return sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(irisCSV)
}

// column collects one column of a result as strings.
func column(t *testing.T, tbl arrow.Table, name string) []string {
	t.Helper()
	i := tbl.Schema().FieldIndices(name)
	if len(i) == 0 {
		t.Fatalf("no column %q in %s", name, tbl.Schema())
	}
	var out []string
	for _, c := range tbl.Column(i[0]).Data().Chunks() {
		for r := range c.Len() {
			out = append(out, c.ValueStr(r))
		}
	}
	return out
}

func collect(t *testing.T, df *frame.DataFrame) arrow.Table {
	t.Helper()
	tbl, err := df.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tbl.Release)
	return tbl
}

func TestPredictIrisAccuracy(t *testing.T) {
	onnxtest.RequireRuntime(t)
	for _, parts := range []int{1, 3} {
		sess := checkedSession(t, frame.WithParallelism(parts), frame.WithBatchSize(7, 0))
		model, err := onnx.Load(irisModel, onnx.WithOutputs("output_label"))
		if err != nil {
			t.Fatal(err)
		}
		df := readIris(sess).Repartition(parts).
			WithColumn("prediction", udf.Predict(model, irisFeatures...).BatchRows(32).Labels("setosa", "versicolor", "virginica"))
		rows := collect(t, df)
		want, got := column(t, rows, "species"), column(t, rows, "prediction")
		if len(got) != 150 {
			t.Fatalf("%d rows", len(got))
		}
		right := 0
		for i := range got {
			if got[i] == want[i] {
				right++
			}
		}
		if acc := float64(right) / 150; acc < 0.95 {
			t.Fatalf("accuracy %.3f", acc)
		}
		m := sess.LastMetrics()
		if len(m.UDFs) != 1 || m.UDFs[0].Rows != 150 || m.UDFs[0].Batches < 5 {
			t.Fatalf("metrics %+v", m.UDFs)
		}
		t.Logf("parallelism %d: %d/150 right; %s", parts, right, m.UDFs[0])
		if err := udf.Unload(model); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPredictLoadsOncePerJob(t *testing.T) {
	onnxtest.RequireRuntime(t)
	sess := checkedSession(t, frame.WithParallelism(4), frame.WithBatchSize(10, 0))
	model, err := onnx.Load(irisModel, onnx.WithOutputs("output_label"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { udf.Unload(model) })
	df := readIris(sess).Repartition(4).WithColumn("prediction", udf.Predict(model, irisFeatures...))
	// Count does not read the prediction: the model does not run.
	if n, err := df.Count(context.Background()); err != nil || n != 150 {
		t.Fatal(n, err)
	}
	if m := sess.LastMetrics(); len(m.UDFs) != 0 {
		t.Fatalf("Count ran the model: %s", m.UDFs[0])
	}
	collect(t, df)
	first := sess.LastMetrics().UDFs[0]
	if first.Loads != 1 || first.LoadTime <= 0 {
		t.Fatalf("first job: %s", first)
	}
	collect(t, df)
	if second := sess.LastMetrics().UDFs[0]; second.Loads != 0 || second.Rows != 150 {
		t.Fatalf("second job: %s", second)
	}
	if err := udf.Unload(model); err != nil {
		t.Fatal(err)
	}
	collect(t, df)
	if third := sess.LastMetrics().UDFs[0]; third.Loads != 1 {
		t.Fatalf("after Unload: %s", third)
	}
}

func TestPredictStructOfOutputs(t *testing.T) {
	onnxtest.RequireRuntime(t)
	sess := checkedSession(t)
	model, err := onnx.Load(irisModel)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { udf.Unload(model) })
	df := readIris(sess).Limit(3).WithColumn("p", udf.Predict(model, irisFeatures...))
	want := "struct<output_label: int64 nullable, output_probability: map<int64, float32, items_nullable> nullable>"
	if got := df.Schema().Field(5).Type.String(); got != want {
		t.Fatalf("type %s", got)
	}
	tbl := collect(t, df)
	p := tbl.Column(5).Data().Chunk(0).(*array.Struct)
	if got := p.Field(0).ValueStr(0); got != "0" {
		t.Fatalf("label %s", got)
	}
	probs := p.Field(1).(*array.Map)
	start, end := probs.ValueOffsets(0)
	if end-start != 3 {
		t.Fatalf("%d probabilities", end-start)
	}

	// The struct expands into columns three ways.
	for _, expanded := range []*frame.DataFrame{
		df.Unnest("p"),
		df.Select("species", "p.*"),
		df.Select("species", frame.Col("p").Field("output_label").As("output_label"), frame.Col("p").Field("output_probability").As("output_probability")),
	} {
		tbl := collect(t, expanded)
		if got := column(t, tbl, "output_label"); strings.Join(got, ",") != "0,0,0" {
			t.Fatalf("%s: labels %v", expanded.Columns(), got)
		}
		if got := column(t, tbl, "output_probability"); !strings.HasPrefix(got[0], `[{"key":0,"value":0.99`) {
			t.Fatalf("probabilities %v", got)
		}
	}
	if err := df.Select("species.*").Err(); err == nil || !strings.Contains(err.Error(), "not a struct") {
		t.Fatalf("err = %v", err)
	}
}

func TestPredictPlanTimeErrors(t *testing.T) {
	onnxtest.RequireRuntime(t)
	sess := checkedSession(t)
	model, err := onnx.Load(irisModel, onnx.WithOutputs("output_label"))
	if err != nil {
		t.Fatal(err)
	}
	iris := readIris(sess)
	for _, tc := range []struct {
		df   *frame.DataFrame
		want string
	}{
		{iris.WithColumn("p", udf.Predict(model, "sepal_length", "sepal_width", "species", "petal_width")),
			`model input "X" wants float32[N,4]; column "species" is utf8`},
		{iris.WithColumn("p", udf.Predict(model, "sepal_length", "sepal_width")),
			`model input X: float32[N,4] takes one column per value; got 2 columns ("sepal_length", "sepal_width")`},
		{iris.WithColumn("p", udf.Predict(model, irisFeatures...).Softmax()),
			`softmax: wants scores`},
		{iris.WithColumn("p", udf.Predict(model, irisFeatures...).Outputs("nope")),
			`has no output "nope"`},
	} {
		err := tc.df.Err()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}

func TestPredictPlanTravels(t *testing.T) {
	onnxtest.RequireRuntime(t)
	sess := checkedSession(t)
	model, err := onnx.Load(irisModel, onnx.WithOutputs("output_label"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { udf.Unload(model) })
	df := readIris(sess).WithColumn("prediction", udf.Predict(model, irisFeatures...).BatchRows(64).Labels("setosa", "versicolor", "virginica"))
	data, err := plan.Marshal(df.Plan())
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Explain(decoded) != plan.Explain(df.Plan()) {
		t.Fatalf("decoded plan differs:\n%s\nfrom\n%s", plan.Explain(decoded), plan.Explain(df.Plan()))
	}
	want := column(t, collect(t, df), "prediction")
	got := column(t, collect(t, sess.FromPlan(decoded)), "prediction")
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("decoded plan predicts %v, want %v", got, want)
	}
	if !strings.Contains(string(data), `"batch_call"`) || !strings.Contains(string(data), `"Rows":64`) {
		t.Fatalf("encoded: %s", data)
	}
}
