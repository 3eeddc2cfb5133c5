package main

import (
	"fmt"
	"math"
	"strconv"

	"github.com/ember-df/ember/bench/internal/harness"
)

// areaTolerance is the relative tolerance allowed between the expected sum
// of petal_area (exact, see expectation.AreaMicro) and the sum of the values
// a contender printed.
//
// Each true area is a whole number of millionths (a product of two
// three-decimal values), but contenders compute it as a float64 product and
// print it in their own way: the shortest round-trip form, float noise
// included ("7.3500000000000005", ember and DuckDB), or six decimals
// ("7.350000", gota). Either is within about 1e-16 relative of the true
// value. Adding up n parsed values in float64 adds at most about n·2⁻⁵³
// relative (≈ 1.5e-10 for the 1.33M kept rows of the default input), so 1e-6
// leaves a margin of several thousand even at that worst case, and far more
// in practice. A wrong expression (pl+pw, the wrong column), or rows
// swapped for others, moves the sum by percent, not by parts per million.
const areaTolerance = 1e-6

// tally is what verifyOutput observes in a job's output: the same figures as
// expectation, but with petal_area summed from the printed (float) values.
type tally struct {
	Rows    int64
	IDSum   int64
	AreaSum float64
}

// verifyOutput checks a job's output directory against exp: the directory
// must hold at least one part-*.csv file, each starting with outputHeader,
// and together holding exactly exp.Rows data rows whose ids and petal_area
// values sum to the expected totals. It returns the number of data rows
// found, also when the check fails.
func verifyOutput(dir string, exp expectation) (int64, error) {
	var got tally
	parts, err := harness.ScanParts(dir, outputHeader, func(fields []string) error {
		// id, 4 measurements, petal_area
		id, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return fmt.Errorf("id: %w", err)
		}
		area, err := strconv.ParseFloat(fields[5], 64)
		if err != nil {
			return fmt.Errorf("petal_area: %w", err)
		}
		got.Rows++
		got.IDSum += id
		got.AreaSum += area
		return nil
	})
	if err != nil {
		return got.Rows, err
	}

	switch {
	case got.Rows != exp.Rows:
		return got.Rows, fmt.Errorf("wrong row count: got %d rows in %d part file(s), want %d",
			got.Rows, parts, exp.Rows)
	case got.IDSum != exp.IDSum:
		return got.Rows, fmt.Errorf("wrong rows kept: sum of ids is %d, want %d", got.IDSum, exp.IDSum)
	case math.Abs(got.AreaSum-exp.areaSum()) > areaTolerance*math.Abs(exp.areaSum()):
		return got.Rows, fmt.Errorf("wrong petal_area values: sum is %.6f, want %.6f (±%g relative)",
			got.AreaSum, exp.areaSum(), areaTolerance)
	}
	return got.Rows, nil
}
