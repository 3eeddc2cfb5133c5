package main

import (
	"bufio"
	"math"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/ember-df/ember/bench/internal/harness"
)

// inputHeader is the header line of the generated input CSV.
const inputHeader = "id,sepal_length,sepal_width,petal_length,petal_width"

// outputHeader is the header line every output part file must start with:
// the input columns in order followed by the derived petal_area.
const outputHeader = inputHeader + ",petal_area"

// filterMilli is the job's predicate threshold, petal_length > 2, in
// thousandths. Measurements are generated as whole thousandths and written
// with exactly three decimals, so every value a CSV reader sees is k/1000 for
// an integer k; the predicate is decided exactly on k (2.000 is not > 2), and
// the expected result is computed exactly in integer arithmetic.
const filterMilli = 2000

// Measurements are clamped to [minMilli, maxMilli] thousandths, i.e.
// [0.100, 9.999]: always one integer digit and three decimals ("5.123").
const (
	minMilli = 100
	maxMilli = 9999
)

// expectation is what a correct run of the job must produce for a given
// input: the number of rows kept, the sum of their ids (which rows) and the
// sum of their petal_area values (the derived column).
type expectation struct {
	Rows  int64
	IDSum int64
	// AreaMicro is the exact sum of petal_area over the kept rows in
	// millionths: petal_length and petal_width are whole thousandths, so each
	// product is a whole number of millionths (at most 9999² ≈ 1e8 per row;
	// an int64 holds the sum for billions of rows).
	AreaMicro int64
	InputSize int64 // bytes of the input file, for the report
}

// add accounts for one input row with the given id and measurements (in
// thousandths, column order as in inputHeader).
func (e *expectation) add(id int64, milli [4]int64) {
	if milli[2] > filterMilli {
		e.Rows++
		e.IDSum += id
		e.AreaMicro += milli[2] * milli[3]
	}
}

// areaSum returns the expected sum of petal_area as a float64: the
// conversion is exact while AreaMicro < 2^53 and the division rounds once.
func (e expectation) areaSum() float64 {
	return float64(e.AreaMicro) / 1e6
}

// species holds mean and standard deviation of the four measurements of one
// iris species (Fisher's iris data set), in centimetres, in column order
// sepal_length, sepal_width, petal_length, petal_width.
type species struct {
	mean, sd [4]float64
}

// irisSpecies are the three iris species; each generated row draws one
// uniformly and samples its four measurements from independent normal
// distributions with that species' parameters.
var irisSpecies = [3]species{
	{ // setosa: petal_length ~1.5, almost always filtered out
		mean: [4]float64{5.006, 3.428, 1.462, 0.246},
		sd:   [4]float64{0.352, 0.379, 0.174, 0.105},
	},
	{ // versicolor
		mean: [4]float64{5.936, 2.770, 4.260, 1.326},
		sd:   [4]float64{0.516, 0.314, 0.470, 0.198},
	},
	{ // virginica
		mean: [4]float64{6.588, 2.974, 5.552, 2.026},
		sd:   [4]float64{0.636, 0.322, 0.552, 0.275},
	},
}

// generateInput writes rows iris-like rows to path, deterministically for a
// given seed, and returns what a correct job run must produce for them.
//
// Each row is id (1..rows) followed by the four measurements rounded to
// three decimals (thousandths) and clamped to [0.100, 9.999]. Rows are streamed so the harness's own
// memory stays small (see the note on peak RSS in the README).
func generateInput(path string, rows int, seed uint64) (expectation, error) {
	var exp expectation
	f, err := os.Create(path)
	if err != nil {
		return exp, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	w.WriteString(inputHeader + "\n")
	line := make([]byte, 0, 64)
	for id := 1; id <= rows; id++ {
		sp := &irisSpecies[rng.IntN(len(irisSpecies))]
		var milli [4]int64
		for c := range milli {
			v := sp.mean[c] + sp.sd[c]*rng.NormFloat64()
			milli[c] = min(max(int64(math.Round(v*1000)), minMilli), maxMilli)
		}
		line = appendRow(line[:0], int64(id), milli)
		w.Write(line)
		exp.add(int64(id), milli)
	}
	size, err := harness.FinishFile(w, f, path)
	exp.InputSize = size
	return exp, err
}

// appendRow appends one input line: id and the four measurements given in
// thousandths, comma-separated, with a trailing newline.
func appendRow(b []byte, id int64, milli [4]int64) []byte {
	b = strconv.AppendInt(b, id, 10)
	for _, m := range milli {
		b = append(b, ',')
		b = appendMilli(b, m)
	}
	return append(b, '\n')
}

// appendMilli appends m/1000 for 0 <= m formatted with exactly three
// decimals ("5.123", "2.000", "0.100").
func appendMilli(b []byte, m int64) []byte {
	b = strconv.AppendInt(b, m/1000, 10)
	f := m % 1000
	return append(b, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
}
