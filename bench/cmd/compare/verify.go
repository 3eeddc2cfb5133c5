package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	parts, err := filepath.Glob(filepath.Join(dir, "part-*.csv"))
	if err != nil {
		return 0, err
	}
	if len(parts) == 0 {
		return 0, fmt.Errorf("no part-*.csv files in %s", dir)
	}

	var got tally
	for _, p := range parts {
		if err := scanPart(p, &got); err != nil {
			return got.Rows, fmt.Errorf("%s: %w", filepath.Base(p), err)
		}
	}

	switch {
	case got.Rows != exp.Rows:
		return got.Rows, fmt.Errorf("wrong row count: got %d rows in %d part file(s), want %d",
			got.Rows, len(parts), exp.Rows)
	case got.IDSum != exp.IDSum:
		return got.Rows, fmt.Errorf("wrong rows kept: sum of ids is %d, want %d", got.IDSum, exp.IDSum)
	case math.Abs(got.AreaSum-exp.areaSum()) > areaTolerance*math.Abs(exp.areaSum()):
		return got.Rows, fmt.Errorf("wrong petal_area values: sum is %.6f, want %.6f (±%g relative)",
			got.AreaSum, exp.areaSum(), areaTolerance)
	}
	return got.Rows, nil
}

// scanPart adds the rows of one part file to acc. The file is streamed line
// by line; the data is plain numbers, so no CSV quoting rules are needed
// beyond tolerating quotes around a field.
func scanPart(path string, acc *tally) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()

	r := bufio.NewReaderSize(f, 1<<20)
	header, err := readLine(r)
	if err == io.EOF {
		return errors.New("empty file, want a header line")
	}
	if err != nil {
		return err
	}
	if h := unquoteFields(header); h != outputHeader {
		return fmt.Errorf("header is %q, want %q", h, outputHeader)
	}

	const nfields = 6 // id, 4 measurements, petal_area
	for lineNo := 2; ; lineNo++ {
		line, err := readLine(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var fields [nfields]string
		n := 0
		for f := range strings.SplitSeq(line, ",") {
			if n == nfields {
				n++
				break
			}
			fields[n] = strings.Trim(f, `"`)
			n++
		}
		if n != nfields {
			return fmt.Errorf("line %d: want %d fields: %q", lineNo, nfields, line)
		}
		id, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return fmt.Errorf("line %d: id: %w", lineNo, err)
		}
		area, err := strconv.ParseFloat(fields[5], 64)
		if err != nil {
			return fmt.Errorf("line %d: petal_area: %w", lineNo, err)
		}
		acc.Rows++
		acc.IDSum += id
		acc.AreaSum += area
	}
}

// readLine returns the next line of r without its line ending ("\n" or
// "\r\n"), or io.EOF when no bytes are left. A last line without a line
// ending is returned as a line.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// unquoteFields removes double quotes around each comma-separated field.
func unquoteFields(line string) string {
	fields := strings.Split(line, ",")
	for i, f := range fields {
		fields[i] = strings.Trim(f, `"`)
	}
	return strings.Join(fields, ",")
}
