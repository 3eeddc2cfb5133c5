// Command iris-logreg is an ember model plugin written in pure Go: a
// multinomial (softmax) logistic regression that tells the iris species
// from a flower's four measurements, with its weights (weights.json,
// fitted by ./train) embedded in the binary.
//
// Build it, then open it from a job with package plugins:
//
//	go -C examples/plugins/logreg build -o "$PWD/bin/iris-logreg" .
//
//	model, err := plugins.Open("bin/iris-logreg")
//	scored := iris.WithColumn("prediction",
//		udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width"))
//
// It takes the four measurements as float64 columns (other numeric types
// are cast by the host) and returns two outputs, which udf.Predict gives
// as a struct column: species, the most probable class, and probability,
// that class's probability.
// udf.Predict(...).Outputs("species") keeps the species alone.
//
// Each batch is scored at once with gonum: the features are standardized
// with the training set's mean and standard deviation, multiplied by the
// transposed weights, offset by the biases, and turned into probabilities
// by a softmax. The binary only runs under an ember host; started by hand
// it says so and exits.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/examples/plugins/logreg/weights"
	"github.com/ember-df/ember/plugins/sdk"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

//go:embed weights.json
var weightsJSON []byte

// featureNames are the input columns, in the order of the weights'
// columns: the iris CSV's measurements, in centimetres.
var featureNames = []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}

var (
	inputSchema = arrow.NewSchema(float64Fields(featureNames), nil)
	// The model never returns a NULL, so its outputs are not nullable.
	outputSchema = arrow.NewSchema([]arrow.Field{
		{Name: "species", Type: arrow.BinaryTypes.String},
		{Name: "probability", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	pluginInfo = sdk.Info{
		Name:    "iris-logreg",
		Version: "1.0.0",
		Inputs:  inputSchema,
		Outputs: outputSchema,
	}
)

// float64Fields are float64 fields of these names.
func float64Fields(names []string) []arrow.Field {
	fields := make([]arrow.Field, len(names))
	for i, name := range names {
		fields[i] = arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64}
	}
	return fields
}

func main() {
	sdk.Serve(pluginInfo, &classifier{mem: memory.DefaultAllocator})
}

// classifier is the plugin's sdk.Model: Load parses the embedded
// weights, Predict scores batches with them and allocates its results
// from mem.
type classifier struct {
	model *softmaxModel
	mem   memory.Allocator
}

// Load parses and checks the embedded weights.
func (c *classifier) Load(ctx context.Context, opts sdk.LoadOptions) error {
	model, err := parseWeights(weightsJSON)
	if err != nil {
		return fmt.Errorf("the embedded weights.json: %w", err)
	}
	c.model = model
	sdk.Logger().Info("loaded the iris softmax regression",
		"classes", model.classes, "l2", model.l2, "training_accuracy", model.trainingAccuracy)
	return nil
}

// Predict scores every row of batch: its species and the probability of
// that species.
func (c *classifier) Predict(ctx context.Context, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	if c.model == nil {
		return nil, errors.New("predict called before load")
	}
	if int(batch.NumCols()) != len(featureNames) {
		return nil, fmt.Errorf("got a batch of %d columns; want %d (%v)", batch.NumCols(), len(featureNames), featureNames)
	}
	columns := make([][]float64, len(featureNames))
	for j, col := range batch.Columns() {
		values, ok := col.(*array.Float64)
		if !ok {
			return nil, fmt.Errorf("column %d (%s) is %s; want float64", j+1, featureNames[j], col.DataType())
		}
		columns[j] = values.Float64Values()
	}
	classIndexes, probabilities := c.model.score(columns)
	return c.model.resultBatch(c.mem, classIndexes, probabilities), nil
}

// weightsFile is weights.json, as ./train writes it. Weights[c][j]
// multiplies the standardized feature j, (x_j - Mean[j]) / Std[j], in the
// score of class Classes[c]; Bias[c] is added to it; the softmax of the
// scores gives the class probabilities. L2 and TrainingAccuracy describe
// the fit.
type weightsFile = weights.File

// softmaxModel is a checked weights file in the form scoring uses.
type softmaxModel struct {
	classes          []string
	mean, std        []float64
	weights          *mat.Dense // classes × features
	bias             []float64
	l2               float64
	trainingAccuracy float64
}

// parseWeights decodes a weights file and checks that its shapes fit
// together and the plugin's inputs, and that its numbers are finite.
func parseWeights(data []byte) (*softmaxModel, error) {
	var file weightsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	if err := checkWeights(&file); err != nil {
		return nil, err
	}
	numClasses, numFeatures := len(file.Classes), len(file.Features)
	weights := mat.NewDense(numClasses, numFeatures, nil)
	for c, row := range file.Weights {
		weights.SetRow(c, row)
	}
	return &softmaxModel{
		classes:          file.Classes,
		mean:             file.Mean,
		std:              file.Std,
		weights:          weights,
		bias:             file.Bias,
		l2:               file.L2,
		trainingAccuracy: file.TrainingAccuracy,
	}, nil
}

// check reports the first thing wrong with a decoded weights file.
func checkWeights(f *weightsFile) error {
	if !slices.Equal(f.Features, featureNames) {
		return fmt.Errorf("features are %v; the plugin's inputs are %v", f.Features, featureNames)
	}
	numClasses, numFeatures := len(f.Classes), len(f.Features)
	if numClasses < 2 {
		return fmt.Errorf("%d classes %v; want at least 2", numClasses, f.Classes)
	}
	for c, name := range f.Classes {
		if name == "" {
			return fmt.Errorf("class %d has no name", c)
		}
		if slices.Index(f.Classes, name) != c {
			return fmt.Errorf("class %q appears twice", name)
		}
	}
	if len(f.Mean) != numFeatures || len(f.Std) != numFeatures {
		return fmt.Errorf("%d means and %d standard deviations; want one of each per feature (%d)", len(f.Mean), len(f.Std), numFeatures)
	}
	if len(f.Weights) != numClasses {
		return fmt.Errorf("weights has %d rows; want one per class (%d)", len(f.Weights), numClasses)
	}
	for c, row := range f.Weights {
		if len(row) != numFeatures {
			return fmt.Errorf("weights of class %s has %d values; want one per feature (%d)", f.Classes[c], len(row), numFeatures)
		}
	}
	if len(f.Bias) != numClasses {
		return fmt.Errorf("bias has %d values; want one per class (%d)", len(f.Bias), numClasses)
	}
	for j, std := range f.Std {
		if !(std > 0) || !isFinite(std) {
			return fmt.Errorf("standard deviation of %s is %v; want a finite number > 0", featureNames[j], std)
		}
	}
	for j, mean := range f.Mean {
		if !isFinite(mean) {
			return fmt.Errorf("mean of %s is %v; want a finite number", featureNames[j], mean)
		}
	}
	for c, row := range f.Weights {
		for j, weight := range row {
			if !isFinite(weight) {
				return fmt.Errorf("weight of %s for class %s is %v; want a finite number", featureNames[j], f.Classes[c], weight)
			}
		}
		if !isFinite(f.Bias[c]) {
			return fmt.Errorf("bias of class %s is %v; want a finite number", f.Classes[c], f.Bias[c])
		}
	}
	return nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// probabilities returns the class probabilities of rows given as feature
// columns (one slice per feature, all as long, at least one row): a
// rows × classes matrix. The whole batch goes through one matrix product.
func (m *softmaxModel) probabilities(columns [][]float64) *mat.Dense {
	rows := len(columns[0])
	numClasses, numFeatures := m.weights.Dims()
	// standardized holds the features as rows: row j is feature j of
	// every row of the batch, so each copies straight from its column.
	standardized := mat.NewDense(numFeatures, rows, nil)
	for j, column := range columns {
		feature := standardized.RawRowView(j)
		copy(feature, column)
		floats.AddConst(-m.mean[j], feature)
		floats.Scale(1/m.std[j], feature)
	}
	// scores = standardizedᵀ · weightsᵀ + bias, then a softmax per row.
	probabilities := mat.NewDense(rows, numClasses, nil)
	probabilities.Mul(standardized.T(), m.weights.T())
	for i := range rows {
		row := probabilities.RawRowView(i)
		floats.Add(row, m.bias)
		logNorm := floats.LogSumExp(row)
		for c := range row {
			row[c] = math.Exp(row[c] - logNorm)
		}
	}
	return probabilities
}

// score returns, for rows given as feature columns, the index of each
// row's most probable class and that class's probability.
func (m *softmaxModel) score(columns [][]float64) (classIndexes []int, probabilities []float64) {
	rows := len(columns[0])
	if rows == 0 {
		return nil, nil
	}
	all := m.probabilities(columns)
	classIndexes, probabilities = make([]int, rows), make([]float64, rows)
	for i := range rows {
		row := all.RawRowView(i)
		classIndexes[i] = floats.MaxIdx(row)
		probabilities[i] = row[classIndexes[i]]
	}
	return classIndexes, probabilities
}

// resultBatch builds the plugin's output: each row's species name and
// probability.
func (m *softmaxModel) resultBatch(mem memory.Allocator, classIndexes []int, probabilities []float64) arrow.RecordBatch {
	species := array.NewStringBuilder(mem)
	defer species.Release()
	species.Reserve(len(classIndexes))
	for _, c := range classIndexes {
		species.Append(m.classes[c])
	}
	probability := array.NewFloat64Builder(mem)
	defer probability.Release()
	probability.AppendValues(probabilities, nil)

	columns := []arrow.Array{species.NewArray(), probability.NewArray()}
	defer columns[0].Release()
	defer columns[1].Release()
	return array.NewRecordBatch(outputSchema, columns, int64(len(classIndexes)))
}
