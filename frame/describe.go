package frame

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// describeStats are Describe's statistics, in Spark's order.
var describeStats = []string{"count", "mean", "stddev", "min", "max"}

// summaryStats are Summary's default statistics, in Spark's order.
var summaryStats = []string{"count", "mean", "stddev", "min", "25%", "50%", "75%", "max"}

// Describe is Spark's describe: basic statistics of the named columns
// (every numeric and string column when none is named) as a DataFrame of
// strings — a "summary" column with the rows count, mean, stddev, min and
// max, then one column per described column, in order. count is the
// number of non-NULL values; mean and stddev (the sample standard
// deviation, NULL for fewer than two values) are NULL for a non-numeric
// column; min and max compare strings byte-wise. A named column that does
// not exist, or of a nested type, is an error the DataFrame holds. Like
// every transformation it is lazy: the statistics are computed, in one
// aggregation over df, by the action run on the result.
func (df *DataFrame) Describe(cols ...string) *DataFrame {
	return df.summarize("Describe", cols, describeStats)
}

// Summary is Spark's summary: the given statistics (by default count,
// mean, stddev, min, 25%, 50%, 75%, max) of every numeric and string
// column, as a DataFrame of strings with one row per statistic, in the
// order given, named in the "summary" column. Besides Describe's
// statistics it takes approximate percentiles written "p%" with p in
// [0, 100] (percentile_approx with Spark's default accuracy; NULL for a
// non-numeric column), count_distinct and approx_count_distinct. An
// unknown statistic is an error the DataFrame holds.
func (df *DataFrame) Summary(stats ...string) *DataFrame {
	if len(stats) == 0 {
		stats = summaryStats
	}
	return df.summarize("Summary", nil, stats)
}

// summarize builds Describe's and Summary's plan: one global aggregation
// computing every applicable (statistic, column) pair, exploded into a row
// per statistic, each column a CASE on the row's statistic cast to
// string.
func (df *DataFrame) summarize(what string, names []string, stats []string) *DataFrame {
	if df.failure() != nil {
		return df.derive(what, nil) // returns df's error without calling build
	}
	schema := df.Schema()
	fail := func(err error) *DataFrame {
		return &DataFrame{sess: df.sess, err: fmt.Errorf("frame: %s: %w", what, err)}
	}
	var fields []arrow.Field
	if len(names) == 0 {
		for _, f := range schema.Fields() {
			if isNumeric(f.Type) || f.Type.ID() == arrow.STRING || f.Type.ID() == arrow.LARGE_STRING {
				fields = append(fields, f)
			}
		}
	} else {
		for _, n := range names {
			idx := schema.FieldIndices(n)
			if len(idx) == 0 {
				return fail(fmt.Errorf("no column %q (columns: %s)", n, strings.Join(df.Columns(), ", ")))
			}
			f := schema.Field(idx[0])
			if _, nested := f.Type.(arrow.NestedType); nested {
				return fail(fmt.Errorf("column %q is %s: only numbers, strings and other flat types are described", n, f.Type))
			}
			fields = append(fields, f)
		}
	}

	var aggs []Aggregation
	cells := make([][]string, len(stats)) // aggregate column per (stat, field); "" when NULL
	for s, stat := range stats {
		cells[s] = make([]string, len(fields))
		build, err := statAggregate(stat)
		if err != nil {
			return fail(err)
		}
		for i, f := range fields {
			a, ok := build(f)
			if !ok {
				continue
			}
			name := fmt.Sprintf("__%s_%d_%d", strings.ToLower(what), s, i)
			aggs = append(aggs, a.As(name))
			cells[s][i] = name
		}
	}

	labels := make([]any, len(stats))
	for s, stat := range stats {
		labels[s] = Lit(stat)
	}
	out := []any{Col("summary")}
	for i, f := range fields {
		var b *CaseBuilder
		for s, stat := range stats {
			if cells[s][i] == "" {
				continue
			}
			cond, value := Col("summary").Eq(stat), Col(cells[s][i]).Cast(arrow.BinaryTypes.String)
			if b == nil {
				c := When(cond, value)
				b = &c
			} else {
				c := b.When(cond, value)
				b = &c
			}
		}
		col := Lit(nil).Cast(arrow.BinaryTypes.String)
		if b != nil {
			col = b.End()
		}
		out = append(out, col.As(f.Name))
	}
	var agg *DataFrame
	if len(aggs) == 0 {
		agg = df.Agg(Count("*").As("__" + strings.ToLower(what) + "_rows"))
	} else {
		agg = df.Agg(aggs...)
	}
	res := agg.WithColumn("summary", Explode(Array(labels...))).Select(out...)
	if err := res.failure(); err != nil {
		return fail(err)
	}
	return res
}

// statAggregate returns the aggregate computing stat over a column, and
// whether stat applies to that column's type (the column is then NULL).
func statAggregate(stat string) (func(f arrow.Field) (Aggregation, bool), error) {
	switch stat {
	case "count":
		return func(f arrow.Field) (Aggregation, bool) { return Count(f.Name), true }, nil
	case "mean":
		return numericOnly(Avg), nil
	case "stddev":
		return numericOnly(Stddev), nil
	case "min":
		return func(f arrow.Field) (Aggregation, bool) { return Min(f.Name), true }, nil
	case "max":
		return func(f arrow.Field) (Aggregation, bool) { return Max(f.Name), true }, nil
	case "count_distinct":
		return func(f arrow.Field) (Aggregation, bool) { return CountDistinct(f.Name), true }, nil
	case "approx_count_distinct":
		return func(f arrow.Field) (Aggregation, bool) { return ApproxCountDistinct(f.Name), true }, nil
	}
	if p, ok := strings.CutSuffix(stat, "%"); ok {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || v < 0 || v > 100 {
			return nil, fmt.Errorf("statistic %q: a percentile is p%% with p a number in [0, 100]", stat)
		}
		return numericOnly(func(col any) Aggregation { return PercentileApprox(col, v/100) }), nil
	}
	return nil, fmt.Errorf("statistic %q is not one of %s, count_distinct, approx_count_distinct or a percentile such as 25%%",
		stat, strings.Join(describeStats, ", "))
}

// numericOnly applies agg to numeric columns only.
func numericOnly(agg func(col any) Aggregation) func(f arrow.Field) (Aggregation, bool) {
	return func(f arrow.Field) (Aggregation, bool) {
		if !isNumeric(f.Type) {
			return Aggregation{}, false
		}
		return agg(f.Name), true
	}
}

// isNumeric reports whether t is an integer, floating-point or decimal
// type: those Describe gives a mean, a stddev and percentiles.
func isNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DECIMAL128, arrow.DECIMAL256:
		return true
	}
	return false
}
