package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plugins"
	"github.com/ember-df/ember/plugins/sdk"
	"github.com/ember-df/ember/udf"
)

const irisPath = "../../iris/iris.csv"

// tolerance bounds the difference between the plugin's probabilities and
// the reference computation's: the same arithmetic, in another order.
const tolerance = 1e-12

// shippedWeights is the embedded weights file, decoded as is.
func shippedWeights(t *testing.T) weightsFile {
	t.Helper()
	var w weightsFile
	if err := json.Unmarshal(weightsJSON, &w); err != nil {
		t.Fatalf("decoding weights.json: %v", err)
	}
	return w
}

// referenceScore scores one flower the plain way, straight from the
// weights file: a loop per class and feature, then a softmax.
func referenceScore(w weightsFile, measurements []float64) (species string, probability float64) {
	scores := make([]float64, len(w.Classes))
	best := 0
	for c := range w.Classes {
		scores[c] = w.Bias[c]
		for j, x := range measurements {
			scores[c] += w.Weights[c][j] * (x - w.Mean[j]) / w.Std[j]
		}
		if scores[c] > scores[best] {
			best = c
		}
	}
	sum := 0.0
	for _, s := range scores {
		sum += math.Exp(s - scores[best])
	}
	return w.Classes[best], 1 / sum
}

// irisFlowers reads iris.csv without ember: the measurements as one
// column per feature, and the species.
func irisFlowers(t *testing.T) (columns [][]float64, species []string) {
	t.Helper()
	f, err := os.Open(irisPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(records[0], ","); got != "sepal_length,sepal_width,petal_length,petal_width,species" {
		t.Fatalf("iris.csv header %q", got)
	}
	columns = make([][]float64, len(featureNames))
	for _, record := range records[1:] {
		for j := range featureNames {
			v, err := strconv.ParseFloat(record[j], 64)
			if err != nil {
				t.Fatal(err)
			}
			columns[j] = append(columns[j], v)
		}
		species = append(species, record[len(featureNames)])
	}
	return columns, species
}

func TestScoreMatchesTheReferenceOnIris(t *testing.T) {
	model, err := parseWeights(weightsJSON)
	if err != nil {
		t.Fatal(err)
	}
	w := shippedWeights(t)
	columns, species := irisFlowers(t)
	classIndexes, probabilities := model.score(columns)
	if len(classIndexes) != 150 || len(probabilities) != 150 {
		t.Fatalf("%d classes and %d probabilities for 150 rows", len(classIndexes), len(probabilities))
	}
	right := 0
	for i := range species {
		measurements := []float64{columns[0][i], columns[1][i], columns[2][i], columns[3][i]}
		wantSpecies, wantProbability := referenceScore(w, measurements)
		if got := model.classes[classIndexes[i]]; got != wantSpecies || math.Abs(probabilities[i]-wantProbability) > tolerance {
			t.Errorf("row %d %v: %s with probability %v; the reference says %s with %v",
				i, measurements, got, probabilities[i], wantSpecies, wantProbability)
		}
		if model.classes[classIndexes[i]] == species[i] {
			right++
		}
	}
	if accuracy := float64(right) / 150; accuracy != w.TrainingAccuracy {
		t.Errorf("accuracy %v; weights.json says the training accuracy is %v", accuracy, w.TrainingAccuracy)
	}
	// Every row's probabilities sum to 1.
	all := model.probabilities(columns)
	for i := range 150 {
		if sum := all.RawRowView(i)[0] + all.RawRowView(i)[1] + all.RawRowView(i)[2]; math.Abs(sum-1) > tolerance {
			t.Fatalf("row %d: probabilities %v sum to %v", i, all.RawRowView(i), sum)
		}
	}
}

// TestScoreByHand checks score on a model whose answer is known: the
// scores of classes a and b are the sepal length and 0, so a sepal length
// of ln 3 gives a 3/4 and b 1/4.
func TestScoreByHand(t *testing.T) {
	w := weightsFile{
		Classes:  []string{"a", "b"},
		Features: featureNames,
		Mean:     []float64{0, 0, 0, 0},
		Std:      []float64{1, 1, 1, 1},
		Weights:  [][]float64{{1, 0, 0, 0}, {0, 0, 0, 0}},
		Bias:     []float64{0, 0},
	}
	data, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	model, err := parseWeights(data)
	if err != nil {
		t.Fatal(err)
	}
	columns := [][]float64{{math.Log(3), -math.Log(3), 0}, {7, 7, 7}, {8, 8, 8}, {9, 9, 9}}
	classIndexes, probabilities := model.score(columns)
	wantClasses, wantProbabilities := []int{0, 1, 0}, []float64{0.75, 0.75, 0.5}
	for i := range wantClasses {
		if classIndexes[i] != wantClasses[i] || math.Abs(probabilities[i]-wantProbabilities[i]) > tolerance {
			t.Errorf("row %d: class %d with probability %v; want %d with %v",
				i, classIndexes[i], probabilities[i], wantClasses[i], wantProbabilities[i])
		}
	}
}

func TestParseWeightsRejectsBadFiles(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(w *weightsFile)
		want   string
	}{
		{"features", func(w *weightsFile) { w.Features = w.Features[:3] }, "features are [sepal_length sepal_width petal_length]; the plugin's inputs are"},
		{"one class", func(w *weightsFile) { w.Classes = w.Classes[:1] }, "1 classes [setosa]; want at least 2"},
		{"duplicate class", func(w *weightsFile) { w.Classes[2] = "setosa" }, `class "setosa" appears twice`},
		{"means", func(w *weightsFile) { w.Mean = w.Mean[:2] }, "2 means and 4 standard deviations; want one of each per feature (4)"},
		{"weight rows", func(w *weightsFile) { w.Weights = w.Weights[:2] }, "weights has 2 rows; want one per class (3)"},
		{"weight columns", func(w *weightsFile) { w.Weights[1] = w.Weights[1][:3] }, "weights of class versicolor has 3 values; want one per feature (4)"},
		{"bias", func(w *weightsFile) { w.Bias = append(w.Bias, 0) }, "bias has 4 values; want one per class (3)"},
		{"zero std", func(w *weightsFile) { w.Std[3] = 0 }, "standard deviation of petal_width is 0; want a finite number > 0"},
		{"infinite weight", func(w *weightsFile) { w.Weights[2][0] = math.Inf(1) }, "weight of sepal_length for class virginica is +Inf; want a finite number"},
		{"NaN mean", func(w *weightsFile) { w.Mean[1] = math.NaN() }, "mean of sepal_width is NaN; want a finite number"},
		{"infinite bias", func(w *weightsFile) { w.Bias[0] = math.Inf(-1) }, "bias of class setosa is -Inf; want a finite number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := shippedWeights(t)
			tc.change(&w)
			err := checkWeights(&w)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want one saying %q", err, tc.want)
			}
		})
	}
	if _, err := parseWeights([]byte(`{"classes": ["a", "b"], "intercept": [0, 0]}`)); err == nil || !strings.Contains(err.Error(), `unknown field "intercept"`) {
		t.Errorf("unknown field: err = %v", err)
	}
	if _, err := parseWeights([]byte(`{"classes": `)); err == nil || !strings.Contains(err.Error(), "decoding") {
		t.Errorf("truncated file: err = %v", err)
	}
}

// TestPredictBuildsArrowResults calls the model as the SDK does, with a
// checked allocator for its results.
func TestPredictBuildsArrowResults(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := &classifier{mem: mem}
	ctx := context.Background()
	if err := c.Load(ctx, sdk.LoadOptions{Threads: 1}); err != nil {
		t.Fatal(err)
	}

	batch := float64Batch(t, mem, inputSchema, [][]float64{{5.1, 6.3}, {3.5, 3.3}, {1.4, 6.0}, {0.2, 2.5}})
	defer batch.Release()
	out, err := c.Predict(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if !out.Schema().Equal(outputSchema) || out.NumRows() != 2 {
		t.Fatalf("result %s with %d rows", out.Schema(), out.NumRows())
	}
	species, probability := out.Column(0).(*array.String), out.Column(1).(*array.Float64)
	w := shippedWeights(t)
	for i, measurements := range [][]float64{{5.1, 3.5, 1.4, 0.2}, {6.3, 3.3, 6.0, 2.5}} {
		wantSpecies, wantProbability := referenceScore(w, measurements)
		if species.Value(i) != wantSpecies || math.Abs(probability.Value(i)-wantProbability) > tolerance {
			t.Errorf("row %d: %s with %v; want %s with %v", i, species.Value(i), probability.Value(i), wantSpecies, wantProbability)
		}
	}

	empty := float64Batch(t, mem, inputSchema, [][]float64{{}, {}, {}, {}})
	defer empty.Release()
	none, err := c.Predict(ctx, empty)
	if err != nil {
		t.Fatal(err)
	}
	defer none.Release()
	if none.NumRows() != 0 || none.NumCols() != 2 {
		t.Fatalf("empty batch: %d rows, %d columns", none.NumRows(), none.NumCols())
	}

	short := float64Batch(t, mem, arrow.NewSchema(inputSchema.Fields()[:3], nil), [][]float64{{1}, {2}, {3}})
	defer short.Release()
	if _, err := c.Predict(ctx, short); err == nil || !strings.Contains(err.Error(), "batch of 3 columns; want 4") {
		t.Errorf("3 columns: err = %v", err)
	}
}

// float64Batch is a record batch of float64 columns.
func float64Batch(t *testing.T, mem memory.Allocator, schema *arrow.Schema, columns [][]float64) arrow.RecordBatch {
	t.Helper()
	arrays := make([]arrow.Array, len(columns))
	for j, values := range columns {
		b := array.NewFloat64Builder(mem)
		b.AppendValues(values, nil)
		arrays[j] = b.NewArray()
		b.Release()
		defer arrays[j].Release()
	}
	return array.NewRecordBatch(schema, arrays, int64(len(columns[0])))
}

// buildPlugin builds this package's plugin binary into a temporary
// directory.
func buildPlugin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "iris-logreg")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the plugin: %v\n%s", err, out)
	}
	return bin
}

// checkedSession is a session whose Arrow memory is checked for leaks when
// the test ends.
func checkedSession(t *testing.T) *frame.Session {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	sess := frame.NewSession(frame.WithAllocator(mem))
	t.Cleanup(func() { sess.Close() })
	return sess
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

// column gathers the chunks of tbl's column name.
func column[T any, A interface{ Value(int) T }](t *testing.T, tbl arrow.Table, name string) []T {
	t.Helper()
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("no column %s in %s", name, tbl.Schema())
	}
	var out []T
	for _, chunk := range tbl.Column(idx[0]).Data().Chunks() {
		values, ok := chunk.(A)
		if !ok {
			t.Fatalf("column %s is %s", name, chunk.DataType())
		}
		for i := range chunk.Len() {
			out = append(out, values.Value(i))
		}
	}
	return out
}

// TestPluginScoresIris builds the plugin, opens it as a host does and
// scores the iris data set through it in a dataframe job.
func TestPluginScoresIris(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the plugin binary")
	}
	model, err := plugins.Open(buildPlugin(t), plugins.Logger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Info", func(t *testing.T) {
		if model.Name() != "iris-logreg" || model.Version() != "1.0.0" || model.Hints().BatchRows != 0 {
			t.Fatalf("name %q version %q hints %+v", model.Name(), model.Version(), model.Hints())
		}
		if !model.Inputs().Equal(inputSchema) || !model.Outputs().Equal(outputSchema) {
			t.Fatalf("inputs %s outputs %s", model.Inputs(), model.Outputs())
		}
	})

	t.Run("Scores", func(t *testing.T) {
		sess := checkedSession(t)
		iris := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(irisPath)
		scored := iris.
			WithColumn("prediction", udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width")).
			WithColumn("predicted_species", frame.Col("prediction").Field("species")).
			WithColumn("probability", frame.Col("prediction").Field("probability")).
			Drop("prediction")
		tbl := collect(t, scored)
		if tbl.NumRows() != 150 {
			t.Fatalf("%d rows scored; want 150", tbl.NumRows())
		}
		species := column[string, *array.String](t, tbl, "species")
		predicted := column[string, *array.String](t, tbl, "predicted_species")
		probability := column[float64, *array.Float64](t, tbl, "probability")
		measurements := make([][]float64, len(featureNames))
		for j, name := range featureNames {
			measurements[j] = column[float64, *array.Float64](t, tbl, name)
		}

		w := shippedWeights(t)
		right := 0
		for i := range species {
			if species[i] == predicted[i] {
				right++
			}
			if !(probability[i] > 1.0/3 && probability[i] <= 1) {
				t.Errorf("row %d: probability %v; want it in (1/3, 1]", i, probability[i])
			}
			row := []float64{measurements[0][i], measurements[1][i], measurements[2][i], measurements[3][i]}
			wantSpecies, wantProbability := referenceScore(w, row)
			if predicted[i] != wantSpecies || math.Abs(probability[i]-wantProbability) > tolerance {
				t.Errorf("row %d %v: %s with %v; the reference says %s with %v", i, row, predicted[i], probability[i], wantSpecies, wantProbability)
			}
		}
		accuracy := float64(right) / float64(len(species))
		t.Logf("the plugin classifies %d of %d flowers right (%.2f%%)", right, len(species), 100*accuracy)
		if accuracy < 0.95 {
			t.Errorf("accuracy %v; want at least 0.95", accuracy)
		}
	})

	t.Run("OutputsKeepsTheSpecies", func(t *testing.T) {
		sess := checkedSession(t)
		iris := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(irisPath)
		right, err := iris.
			WithColumn("predicted_species", udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width").Outputs("species")).
			Filter(frame.Col("predicted_species").Eq(frame.Col("species"))).
			Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(math.Round(150 * shippedWeights(t).TrainingAccuracy)); right != want {
			t.Fatalf("%d flowers classified right; want %d, as in training", right, want)
		}
	})

	t.Run("WrongColumnsFailAtPlanTime", func(t *testing.T) {
		sess := checkedSession(t)
		iris := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(irisPath)
		err := iris.WithColumn("prediction", udf.Predict(model, "sepal_length", "sepal_width", "petal_length")).Err()
		if err == nil || !strings.Contains(err.Error(), "plugin iris-logreg 1.0.0") || !strings.Contains(err.Error(), "takes 4 inputs") {
			t.Fatalf("err = %v; want an error naming the plugin and its 4 inputs", err)
		}
		err = iris.WithColumn("prediction", udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "species")).Err()
		if err == nil || !strings.Contains(err.Error(), "plugin iris-logreg 1.0.0") || !strings.Contains(err.Error(), "input 4 (species) is utf8") {
			t.Fatalf("err = %v; want an error naming the plugin and the string column", err)
		}
	})
}
