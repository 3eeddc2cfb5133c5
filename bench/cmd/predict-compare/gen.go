package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/ember-df/ember/bench/internal/harness"
)

// features are the model's input columns, in the order of its input X.
var features = []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}

// inputHeader is the header line of the generated input CSV.
var inputHeader = strings.Join(features, ",") + ",label"

// outputHeader is the header line every output part file must start with:
// the input columns in order followed by the model's prediction.
var outputHeader = inputHeader + ",prediction"

// speciesLabels maps the species names of iris.csv to the class labels of
// the model and of scikit-learn's load_iris (its target_names order).
var speciesLabels = map[string]uint32{"setosa": 0, "versicolor": 1, "virginica": 2}

// noiseSD is the standard deviation, in centimetres, of the gaussian noise
// added to every measurement of a real flower. Measurements are rounded to
// 0.1 cm, so this moves about 62% of the values by at least one step and
// 13% by two or more: rows stay close to real flowers, and both forests
// still classify about 97% of them as their species (the check demands
// minAccuracy).
const noiseSD = 0.1

// Measurements are whole tenths of a centimetre clamped to [minTenths,
// maxTenths], i.e. [0.1, 12.7]: seven bits each (see rowKey).
const (
	minTenths = 1
	maxTenths = 127
)

// flower is one row of the real iris data: four measurements in tenths of
// a centimetre, in features order, and the species' label.
type flower struct {
	tenths [4]uint32
	label  uint32
}

// readIris reads the iris data set (header
// sepal_length,sepal_width,petal_length,petal_width,species, measurements
// with one decimal) that examples/iris embeds.
func readIris(path string) ([]flower, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if got, want := strings.Join(header, ","), strings.Join(features, ",")+",species"; got != want {
		return nil, fmt.Errorf("%s: header is %q, want %q", path, got, want)
	}
	var rows []flower
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var fl flower
		for c := range features {
			t, err := parseTenths(rec[c])
			if err != nil {
				return nil, fmt.Errorf("%s: line %d: %s: %w", path, len(rows)+2, features[c], err)
			}
			fl.tenths[c] = t
		}
		label, ok := speciesLabels[rec[4]]
		if !ok {
			return nil, fmt.Errorf("%s: line %d: unknown species %q", path, len(rows)+2, rec[4])
		}
		fl.label = label
		rows = append(rows, fl)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return rows, nil
}

// errNotTenths is returned by parseTenths for a value that is not a whole
// number of tenths in [minTenths, maxTenths].
var errNotTenths = errors.New("not a measurement with one decimal in [0.1, 12.7]")

// parseTenths parses a measurement printed in any float form ("5.1",
// "5.0", "5", "5.1000000000000005") and returns it in whole tenths.
func parseTenths(s string) (uint32, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	t := math.Round(v * 10)
	if math.Abs(v*10-t) > 1e-6 || t < minTenths || t > maxTenths {
		return 0, fmt.Errorf("%q: %w", s, errNotTenths)
	}
	return uint32(t), nil
}

// rowKey packs a row into 32 bits: the four measurements in tenths (seven
// bits each), the label and the prediction (two bits each). Equal rows have
// equal keys; a row without a prediction has prediction bits 0.
func rowKey(tenths [4]uint32, label, prediction uint32) uint32 {
	return tenths[0]<<25 | tenths[1]<<18 | tenths[2]<<11 | tenths[3]<<4 | label<<2 | prediction
}

// mix is the splitmix64 finaliser, a bijection that spreads the bits of a
// row key over 64 bits. The sum of mix over a table's rows identifies the
// multiset of its rows whatever their order, with a negligible chance that
// two different tables collide.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// expectation describes a generated input: what every correct output must
// contain.
type expectation struct {
	Rows int64
	// KeySum is the sum of mix(rowKey(…, label, 0)) over the rows: an
	// order-independent fingerprint of the input's rows.
	KeySum    uint64
	Labels    [3]int64 // rows per label
	InputSize int64    // bytes of the input file, for the report
}

// generateInput writes rows iris-like rows to path, deterministically for a
// given seed, and returns what a correct output must contain.
//
// Each row copies a flower of iris picked uniformly at random, adds
// gaussian noise (noiseSD) to each measurement, rounds it to one decimal
// and clamps it to [0.1, 12.7]; its label is the flower's species. Rows are
// streamed so the harness's own memory stays small (see the note on peak
// RSS in bench/README.md).
func generateInput(path string, iris []flower, rows int, seed uint64) (expectation, error) {
	var exp expectation
	f, err := os.Create(path)
	if err != nil {
		return exp, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	w.WriteString(inputHeader + "\n")
	line := make([]byte, 0, 64)
	for range rows {
		fl := &iris[rng.IntN(len(iris))]
		var tenths [4]uint32
		for c := range tenths {
			t := math.Round(float64(fl.tenths[c]) + 10*noiseSD*rng.NormFloat64())
			tenths[c] = uint32(min(max(t, minTenths), maxTenths))
		}
		line = line[:0]
		for _, t := range tenths {
			line = strconv.AppendUint(line, uint64(t/10), 10)
			line = append(line, '.', byte('0'+t%10), ',')
		}
		line = strconv.AppendUint(line, uint64(fl.label), 10)
		w.Write(append(line, '\n'))

		exp.Rows++
		exp.KeySum += mix(uint64(rowKey(tenths, fl.label, 0)))
		exp.Labels[fl.label]++
	}
	size, err := harness.FinishFile(w, f, path)
	exp.InputSize = size
	return exp, err
}
