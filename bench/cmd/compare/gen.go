package main

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
)

// inputHeader is the header line of the generated input CSV.
const inputHeader = "id,sepal_length,sepal_width,petal_length,petal_width"

// outputHeader is the header line every output part file must start with:
// the input columns in order followed by the derived petal_area.
const outputHeader = inputHeader + ",petal_area"

// filterTenths is the job's predicate threshold, petal_length > 2, in tenths.
// Values are generated as whole tenths, so the expected result is computed
// exactly in integer arithmetic.
const filterTenths = 20

// expectation is what a correct run of the job must produce for a given
// input: the number of rows kept, the sum of their ids (which rows) and the
// sum of their petal_area values (the derived column).
type expectation struct {
	Rows      int64
	IDSum     int64
	AreaSum   float64
	InputSize int64 // bytes of the input file, for the report
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
// Each row is id (1..rows) followed by the four measurements rounded to one
// decimal and clamped to [0.1, 9.9]. Rows are streamed so the harness's own
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
		var tenths [4]int64
		for c := range tenths {
			v := sp.mean[c] + sp.sd[c]*rng.NormFloat64()
			tenths[c] = min(max(int64(math.Round(v*10)), 1), 99)
		}

		line = strconv.AppendInt(line[:0], int64(id), 10)
		for _, t := range tenths {
			line = append(line, ',')
			line = appendTenths(line, t)
		}
		line = append(line, '\n')
		w.Write(line)

		if tenths[2] > filterTenths {
			exp.Rows++
			exp.IDSum += int64(id)
			// The contenders parse "x.y" into a float64 and multiply; do the
			// same so the expected sum matches to rounding noise.
			exp.AreaSum += parseTenths(tenths[2]) * parseTenths(tenths[3])
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return exp, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return exp, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return exp, err
	}
	exp.InputSize = fi.Size()
	return exp, nil
}

// appendTenths appends t/10 formatted with exactly one decimal ("5.1").
func appendTenths(b []byte, t int64) []byte {
	b = strconv.AppendInt(b, t/10, 10)
	return append(b, '.', byte('0'+t%10))
}

// parseTenths returns the float64 a CSV reader obtains from the text that
// appendTenths writes for t.
func parseTenths(t int64) float64 {
	v, _ := strconv.ParseFloat(string(appendTenths(nil, t)), 64)
	return v
}
