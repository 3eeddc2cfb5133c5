package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

const irisPath = "../../../iris/iris.csv"

// shippedWeights is the weights file the plugin embeds.
func shippedWeights(t *testing.T) weightsFile {
	t.Helper()
	data, err := os.ReadFile("../weights.json")
	if err != nil {
		t.Fatal(err)
	}
	var w weightsFile
	if err := json.Unmarshal(data, &w); err != nil {
		t.Fatalf("decoding weights.json: %v", err)
	}
	return w
}

func TestTrainingReproducesTheShippedWeights(t *testing.T) {
	shipped := shippedWeights(t)
	data, err := readDataset(irisPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(data.labels) != 150 {
		t.Fatalf("read %d rows of iris; want 150", len(data.labels))
	}
	got, err := train(data, shipped.L2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Classes, shipped.Classes) || !slices.Equal(got.Features, shipped.Features) {
		t.Fatalf("classes %v features %v; weights.json has %v and %v", got.Classes, got.Features, shipped.Classes, shipped.Features)
	}
	const tolerance = 1e-6
	requireClose(t, "mean", got.Mean, shipped.Mean, tolerance)
	requireClose(t, "std", got.Std, shipped.Std, tolerance)
	requireClose(t, "bias", got.Bias, shipped.Bias, tolerance)
	if len(got.Weights) != len(shipped.Weights) {
		t.Fatalf("%d rows of weights; weights.json has %d", len(got.Weights), len(shipped.Weights))
	}
	for c := range got.Weights {
		requireClose(t, "weights of "+got.Classes[c], got.Weights[c], shipped.Weights[c], tolerance)
	}
	if got.TrainingAccuracy != shipped.TrainingAccuracy {
		t.Errorf("training accuracy %v; weights.json says %v", got.TrainingAccuracy, shipped.TrainingAccuracy)
	}
	if got.TrainingAccuracy < 0.95 {
		t.Errorf("training accuracy %v; want at least 0.95", got.TrainingAccuracy)
	}
}

func requireClose(t *testing.T, what string, got, want []float64, tolerance float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tolerance {
			t.Errorf("%s[%d] = %v, want %v (±%g)", what, i, got[i], want[i], tolerance)
		}
	}
}

// TestGradientMatchesFiniteDifferences checks the analytic gradient the
// fit relies on against central differences of the loss.
func TestGradientMatchesFiniteDifferences(t *testing.T) {
	// Three rows, two features and a bias column, three classes.
	design := mat.NewDense(3, 3, []float64{
		0.5, -1.2, 1,
		-0.3, 0.8, 1,
		1.1, 0.4, 1,
	})
	onehot := mat.NewDense(3, 3, []float64{
		1, 0, 0,
		0, 0, 1,
		0, 1, 0,
	})
	obj := objective{design: design, onehot: onehot, l2: 0.3}
	params := []float64{0.2, -0.4, 0.1, -0.7, 0.3, 0.5, 0.9, 0.05, -0.2}
	grad := make([]float64, len(params))
	obj.evaluate(params, grad)
	const step = 1e-6
	for k := range params {
		plus, minus := slices.Clone(params), slices.Clone(params)
		plus[k] += step
		minus[k] -= step
		numeric := (obj.evaluate(plus, nil) - obj.evaluate(minus, nil)) / (2 * step)
		if math.Abs(numeric-grad[k]) > 1e-8 {
			t.Errorf("∂loss/∂params[%d] = %v analytically, %v numerically", k, grad[k], numeric)
		}
	}
}

func TestReadDatasetErrors(t *testing.T) {
	for _, tc := range []struct {
		name, csv, want string
	}{
		{"missing feature", "sepal_length,sepal_width,petal_length,species\n1,2,3,setosa\n", `no column "petal_width"`},
		{"missing label", "sepal_length,sepal_width,petal_length,petal_width\n1,2,3,4\n", `no column "species"`},
		{"not a number", "sepal_length,sepal_width,petal_length,petal_width,species\n1,2,x,4,setosa\n", `line 2: petal_length is "x", not a finite number`},
		{"no rows", "sepal_length,sepal_width,petal_length,petal_width,species\n", "has no rows"},
		{"one class", "sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,4,setosa\n2,3,4,5,setosa\n", "1 class(es) [setosa]; want at least 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.csv")
			if err := os.WriteFile(path, []byte(tc.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := readDataset(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want one saying %q", err, tc.want)
			}
		})
	}
}

func TestTrainErrors(t *testing.T) {
	data, err := readDataset(irisPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := train(data, -1); err == nil || !strings.Contains(err.Error(), "regularization strength -1") {
		t.Errorf("l2 = -1: err = %v", err)
	}
	constant := dataset{
		features: mat.NewDense(2, 4, []float64{1, 2, 3, 4, 1, 3, 4, 5}),
		labels:   []int{0, 1},
		classes:  []string{"a", "b"},
	}
	if _, err := train(constant, 0.1); err == nil || !strings.Contains(err.Error(), "feature sepal_length is constant") {
		t.Errorf("constant feature: err = %v", err)
	}
}

func TestRunWritesTheWeightsFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "weights.json")
	if err := run(irisPath, out, 0.005); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var w weightsFile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		t.Fatalf("decoding what run wrote: %v", err)
	}
	if len(w.Weights) != 3 || len(w.Weights[0]) != 4 || len(w.Bias) != 3 || w.L2 != 0.005 {
		t.Fatalf("wrote %s", data)
	}
}
