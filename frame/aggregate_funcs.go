package frame

import (
	"fmt"

	"github.com/ember-df/ember/plan"
)

// The aggregates beyond count, sum, avg, min and max, named and argued as
// PySpark's (a string names a column); docs/functions.md (Aggregates)
// gives their Spark semantics and ember's choices.

// CountDistinct counts the distinct rows of the columns (names or
// Columns) where none is NULL, as PySpark's countDistinct; the column is
// named "count(DISTINCT a, b)". It runs as two aggregations (the first
// groups by the keys and the columns), so the distinct values spill
// rather than fill one group's memory.
func CountDistinct(col any, cols ...any) Aggregation {
	a := aggregation(plan.AggCount, col)
	a.agg.Distinct = true
	for _, c := range cols {
		a.agg.More = append(a.agg.More, aggColumn(c, "CountDistinct"))
	}
	return a
}

// ApproxCountDistinct estimates the number of distinct non-NULL values
// with a HyperLogLog sketch whose relative standard deviation is at most
// rsd (default 0.05; one value). The result is int64.
func ApproxCountDistinct(col any, rsd ...float64) Aggregation {
	a := aggregation(plan.AggApproxCountDistinct, col)
	for _, r := range rsd {
		a.agg.Params = append(a.agg.Params, plan.Lit(r))
	}
	return a
}

// Stddev is the sample standard deviation of the non-NULL values
// (float64; NULL over fewer than two values), as stddev_samp.
func Stddev(col any) Aggregation { return aggregation(plan.AggStddev, col) }

// StddevSamp is the sample standard deviation: Stddev named stddev_samp.
func StddevSamp(col any) Aggregation { return aggregation(plan.AggStddevSamp, col) }

// StddevPop is the population standard deviation (NULL over no values).
func StddevPop(col any) Aggregation { return aggregation(plan.AggStddevPop, col) }

// Variance is the sample variance of the non-NULL values (float64; NULL
// over fewer than two values), as var_samp.
func Variance(col any) Aggregation { return aggregation(plan.AggVariance, col) }

// VarSamp is the sample variance: Variance named var_samp.
func VarSamp(col any) Aggregation { return aggregation(plan.AggVarSamp, col) }

// VarPop is the population variance (NULL over no values).
func VarPop(col any) Aggregation { return aggregation(plan.AggVarPop, col) }

// First is the group's first value in input order (input partition by
// input partition, rows in order within each), NULL included unless
// ignoreNulls (one value) is true. Spark calls it non-deterministic, since
// its row order depends on the shuffle; ember's is fixed by the input's
// partitions.
func First(col any, ignoreNulls ...bool) Aggregation {
	return pick(plan.AggFirst, col, ignoreNulls)
}

// Last is the group's last value in input order; see First.
func Last(col any, ignoreNulls ...bool) Aggregation {
	return pick(plan.AggLast, col, ignoreNulls)
}

func pick(fn plan.AggFunc, col any, ignoreNulls []bool) Aggregation {
	a := aggregation(fn, col)
	for _, b := range ignoreNulls {
		a.agg.Params = append(a.agg.Params, plan.Lit(b))
	}
	return a
}

// CollectList gathers the group's non-NULL values into a list, in input
// order (an empty list for a group without values).
func CollectList(col any) Aggregation { return aggregation(plan.AggCollectList, col) }

// CollectSet gathers the group's distinct non-NULL values into a list, in
// the order they first appear.
func CollectSet(col any) Aggregation { return aggregation(plan.AggCollectSet, col) }

// PercentileApprox is the approximate percentile of the non-NULL values
// at p (a float64 in [0, 1]), or a list of them for p a []float64: the
// smallest value such that no more than p of the values are below it,
// within a rank error of count/accuracy (default 10000, Spark's). The
// result has the column's type (numbers, dates, timestamps).
func PercentileApprox(col any, p any, accuracy ...int) Aggregation {
	a := aggregation(plan.AggPercentileApprox, col)
	switch p := p.(type) {
	case []float64:
		lits := make([]plan.Expr, len(p))
		for i, v := range p {
			lits[i] = plan.Lit(v)
		}
		arr, err := plan.CallFunction("array", lits...)
		if err != nil {
			arr = &plan.Invalid{Err: fmt.Errorf("frame: PercentileApprox: %w", err)}
		}
		a.agg.Params = append(a.agg.Params, arr)
	default:
		a.agg.Params = append(a.agg.Params, litArg(p))
	}
	for _, n := range accuracy {
		a.agg.Params = append(a.agg.Params, plan.Lit(n))
	}
	return a
}

// aggColumn is a column argument of an aggregate: a string names a column.
func aggColumn(c any, where string) plan.Expr {
	if s, ok := c.(string); ok {
		return plan.Col(s)
	}
	return column(c, where)
}
