// Command ember-scan is the ember contender of the Parquet scan benchmark
// driven by bench/cmd/parquet-compare.
//
// It scans a Parquet file with ember's frame API, keeping the rows with
// c0 > threshold and the given columns (all of them when none are given),
// collects the result and consumes every value of it:
//
//	sess.Read().Parquet(in).Filter(c0 > threshold).Select(columns...).Collect(ctx)
//
// then sums each int64 and float64 column and the byte lengths of each
// string column's values, skipping NULLs, as DuckDB's
// SELECT count(*), sum(c0), sum(strlen(c2)) … does.
//
// With -agg, ember computes those sums itself, as DuckDB does, streaming
// instead of collecting the rows:
//
//	….Filter(c0 > threshold).Agg(Count("*"), Sum(c0), Sum(Length(c2)), …).Collect(ctx)
//
// Usage:
//
//	ember-scan [-agg] <input.parquet> <threshold> [column ...]
//
// It prints "rows <n>" and one "<column> <sum>" line per column to stdout
// (the format of bench/duckdb/scan.mjs); errors go to stderr with a non-zero
// exit status.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/frame"
)

func main() {
	args := os.Args[1:]
	agg := len(args) > 0 && args[0] == "-agg"
	if agg {
		args = args[1:]
	}
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ember-scan [-agg] <input.parquet> <threshold> [column ...]")
		os.Exit(2)
	}
	threshold, err := strconv.ParseInt(args[1], 10, 64)
	switch {
	case err != nil:
	case agg:
		err = runAgg(context.Background(), os.Stdout, args[0], threshold, args[2:])
	default:
		err = run(context.Background(), os.Stdout, args[0], threshold, args[2:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ember-scan:", err)
		os.Exit(1)
	}
}

// run scans in and prints the row count and the column sums to out.
func run(ctx context.Context, out io.Writer, in string, threshold int64, columns []string) error {
	sess := frame.NewSession()
	defer sess.Close()

	df := sess.Read().Parquet(in).Filter(frame.Col("c0").Gt(frame.Lit(threshold)))
	if len(columns) > 0 {
		cols := make([]any, len(columns))
		for i, c := range columns {
			cols[i] = c
		}
		df = df.Select(cols...)
	}
	tbl, err := df.Collect(ctx)
	if err != nil {
		return err
	}
	defer tbl.Release()

	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "rows %d\n", tbl.NumRows())
	for i := range int(tbl.NumCols()) {
		col := tbl.Column(i)
		sum, err := sumColumn(col.Data().Chunks())
		if err != nil {
			return fmt.Errorf("column %s: %w", col.Name(), err)
		}
		fmt.Fprintf(w, "%s %s\n", col.Name(), sum)
	}
	return w.Flush()
}

// runAgg has ember compute the row count and the column sums of the scan
// and prints them to out.
func runAgg(ctx context.Context, out io.Writer, in string, threshold int64, columns []string) error {
	sess := frame.NewSession()
	defer sess.Close()

	df := sess.Read().Parquet(in).Filter(frame.Col("c0").Gt(frame.Lit(threshold)))
	if len(columns) == 0 {
		columns = df.Columns()
	}
	schema := df.Schema()
	aggs := []frame.Aggregation{frame.Count("*")}
	for _, name := range columns {
		i := schema.FieldIndices(name)
		if len(i) != 1 {
			return fmt.Errorf("no column %q", name)
		}
		col := frame.Col(name)
		if schema.Field(i[0]).Type.ID() == arrow.STRING {
			col = col.Length()
		}
		aggs = append(aggs, frame.Sum(col).As(name))
	}
	tbl, err := df.Agg(aggs...).Collect(ctx)
	if err != nil {
		return err
	}
	defer tbl.Release()

	w := bufio.NewWriter(out)
	for i := range int(tbl.NumCols()) {
		col := tbl.Column(i)
		sum, err := sumColumn(col.Data().Chunks())
		if err != nil {
			return fmt.Errorf("column %s: %w", col.Name(), err)
		}
		name := col.Name()
		if i == 0 {
			name = "rows"
		}
		fmt.Fprintf(w, "%s %s\n", name, sum)
	}
	return w.Flush()
}

// sumColumn sums a column's chunks, skipping NULLs: the values of an int64
// or float64 column, the byte lengths of a string column's values. The sum
// is formatted as an integer or as the shortest float64.
func sumColumn(chunks []arrow.Array) (string, error) {
	var ints int64
	var floats float64
	isFloat := false
	for _, c := range chunks {
		switch a := c.(type) {
		case *array.Int64:
			ints += sumValid(a, a.Int64Values())
		case *array.Float64:
			isFloat = true
			floats += sumValid(a, a.Float64Values())
		case *array.String:
			for i := range a.Len() {
				if a.IsValid(i) {
					ints += int64(a.ValueLen(i))
				}
			}
		default:
			return "", fmt.Errorf("unexpected type %s", c.DataType())
		}
	}
	if isFloat {
		return strconv.FormatFloat(floats, 'g', -1, 64), nil
	}
	return strconv.FormatInt(ints, 10), nil
}

// sumValid returns the sum of the values of a that are not NULL; vals are
// a's values.
func sumValid[T int64 | float64](a arrow.Array, vals []T) T {
	var sum T
	if a.NullN() == 0 {
		for _, v := range vals {
			sum += v
		}
		return sum
	}
	for i, v := range vals {
		if a.IsValid(i) {
			sum += v
		}
	}
	return sum
}
