package main

import (
	"errors"
	"fmt"

	"github.com/ember-df/ember/bench/internal/harness"
)

// minAccuracy is the share of rows whose prediction must equal their label.
// Both models classify the real flowers almost perfectly; the noise of the
// generated rows costs a few percent (see noiseSD). A model fed the wrong
// columns, or columns in the wrong order, scores far lower.
const minAccuracy = 0.9

// tally is what verifyOutput observes in one run's output.
type tally struct {
	Rows    int64
	KeySum  uint64 // as expectation.KeySum: the rows without predictions
	RowSum  uint64 // sum of mix(rowKey) with predictions: the whole output
	Correct int64  // rows whose prediction equals their label
	Classes [3]int64
}

// accuracy returns the share of rows predicted as their label.
func (t tally) accuracy() float64 {
	if t.Rows == 0 {
		return 0
	}
	return float64(t.Correct) / float64(t.Rows)
}

// verifyOutput checks a run's output directory against exp: it must hold
// at least one part-*.csv file, each starting with outputHeader; together
// they must hold exactly the input's rows, in any order and number format,
// each with a prediction in {0, 1, 2}, and at least minAccuracy of the
// predictions must equal the labels. It returns what it observed, also when
// the check fails.
func verifyOutput(dir string, exp expectation) (tally, error) {
	var got tally
	parts, err := harness.ScanParts(dir, outputHeader, func(fields []string) error {
		// four measurements, label, prediction
		var tenths [4]uint32
		for c := range tenths {
			var err error
			if tenths[c], err = parseTenths(fields[c]); err != nil {
				return fmt.Errorf("%s: %w", features[c], err)
			}
		}
		label, err := parseClass(fields[4])
		if err != nil {
			return fmt.Errorf("label: %w", err)
		}
		pred, err := parseClass(fields[5])
		if err != nil {
			return fmt.Errorf("prediction: %w", err)
		}
		got.Rows++
		got.KeySum += mix(uint64(rowKey(tenths, label, 0)))
		got.RowSum += mix(uint64(rowKey(tenths, label, pred)))
		got.Classes[pred]++
		if pred == label {
			got.Correct++
		}
		return nil
	})
	if err != nil {
		return got, err
	}
	switch {
	case got.Rows != exp.Rows:
		return got, fmt.Errorf("wrong row count: got %d rows in %d part file(s), want %d", got.Rows, parts, exp.Rows)
	case got.KeySum != exp.KeySum:
		return got, errors.New("wrong rows: the output's measurements and labels are not the input's rows")
	case got.accuracy() < minAccuracy:
		return got, fmt.Errorf("accuracy %.4f (%d of %d rows predicted as their label), want at least %.2f",
			got.accuracy(), got.Correct, got.Rows, minAccuracy)
	}
	return got, nil
}

// parseClass parses a class label, which must be 0, 1 or 2, or the
// species it stands for.
func parseClass(s string) (uint32, error) {
	switch s {
	case "0", "1", "2":
		return uint32(s[0] - '0'), nil
	}
	if c, ok := speciesLabels[s]; ok {
		return c, nil
	}
	return 0, fmt.Errorf("%q is not a class (0, 1 or 2, or a species)", s)
}
