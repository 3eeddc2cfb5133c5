package frame

import (
	"fmt"

	"github.com/ember-df/ember/plan"
)

// Frame bounds for WindowSpec.RowsBetween and RangeBetween, as PySpark's
// Window.unboundedPreceding, Window.unboundedFollowing and
// Window.currentRow. Other bounds are offsets from the current row:
// negative ones PRECEDING, positive ones FOLLOWING.
const (
	UnboundedPreceding = plan.UnboundedPreceding
	UnboundedFollowing = plan.UnboundedFollowing
	CurrentRow         = plan.CurrentRow
)

// WindowSpec is a window, as PySpark's WindowSpec: how rows are
// partitioned, how each partition is ordered, and the frame an aggregate
// reads. It is an immutable value: each method returns a new spec.
// Window is the empty spec to start from:
//
//	w := frame.Window.PartitionBy("dept").OrderBy(frame.Col("salary").Desc())
//	df.WithColumn("rank", frame.Rank().Over(w))
//
// Without a frame, a window with ORDER BY frames each row with RANGE
// BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (a running aggregate, peers
// included) and one without frames the whole partition, as Spark does.
type WindowSpec struct {
	spec plan.WindowSpec
}

// Window is the empty window spec: one partition of every row, unordered.
// A window without PartitionBy runs in one task, as in Spark.
var Window WindowSpec

// PartitionBy returns the spec partitioned by cols: column names or
// Columns.
func (w WindowSpec) PartitionBy(cols ...any) WindowSpec {
	keys := make([]plan.Expr, len(cols))
	for i, c := range cols {
		if s, ok := c.(string); ok {
			keys[i] = plan.Col(s)
		} else {
			keys[i] = column(c, "Window.PartitionBy")
		}
	}
	w.spec.PartitionBy = keys
	return w
}

// OrderBy returns the spec ordered by cols: names and Columns (ascending,
// NULLs first, as Spark) or SortOrders (Col("x").Desc()).
func (w WindowSpec) OrderBy(cols ...any) WindowSpec {
	orders := make([]plan.SortOrder, len(cols))
	for i, c := range cols {
		switch c := c.(type) {
		case SortOrder:
			orders[i] = c.order
		case string:
			orders[i] = plan.SortOrder{Expr: plan.Col(c), NullsFirst: true}
		default:
			orders[i] = plan.SortOrder{Expr: column(c, "Window.OrderBy"), NullsFirst: true}
		}
	}
	w.spec.OrderBy = orders
	return w
}

// RowsBetween returns the spec with a ROWS frame from start to end, row
// offsets from the current row (UnboundedPreceding, -2, CurrentRow, 3,
// UnboundedFollowing…).
func (w WindowSpec) RowsBetween(start, end int64) WindowSpec {
	w.spec.Frame = &plan.Frame{Type: plan.RowsFrame, Start: start, End: end}
	return w
}

// RangeBetween returns the spec with a RANGE frame: the rows whose order
// key lies within [value+start, value+end] of the current row's (a single
// numeric ORDER BY key for offsets other than CurrentRow and the
// unbounded ones); CurrentRow takes the row's peers.
func (w WindowSpec) RangeBetween(start, end int64) WindowSpec {
	w.spec.Frame = &plan.Frame{Type: plan.RangeFrame, Start: start, End: end}
	return w
}

// String renders the spec as SQL's OVER clause contents.
func (w WindowSpec) String() string { return w.spec.String() }

// WindowFunction is a ranking or offset function waiting for its window:
// apply it with Over.
type WindowFunction struct {
	fn  plan.WindowExpr
	err error // a misuse found when the function was built
}

// Over computes the function over window w, as a Column for Select,
// WithColumn or WithColumns. An error (a ranking function over a window
// without OrderBy, a frame the function does not take) names the function
// and surfaces where the Column is used.
func (f WindowFunction) Over(w WindowSpec) Column {
	if f.err != nil {
		return Column{&plan.Invalid{Err: f.err}}
	}
	return Column{plan.Over(f.fn, w.spec)}
}

// RowNumber numbers the rows of each window partition from 1, in the
// window's order (int32).
func RowNumber() WindowFunction { return WindowFunction{fn: plan.WindowExpr{Func: plan.WinRowNumber}} }

// Rank is the row's rank in its window partition, with gaps after ties
// (int32).
func Rank() WindowFunction { return WindowFunction{fn: plan.WindowExpr{Func: plan.WinRank}} }

// DenseRank is the row's rank without gaps (int32).
func DenseRank() WindowFunction { return WindowFunction{fn: plan.WindowExpr{Func: plan.WinDenseRank}} }

// PercentRank is (rank - 1) / (partition rows - 1), 0 in a partition of
// one row (float64).
func PercentRank() WindowFunction {
	return WindowFunction{fn: plan.WindowExpr{Func: plan.WinPercentRank}}
}

// CumeDist is the cumulative distribution of the row in its window
// partition: the share of the partition's rows that sort at or before
// it, its peers (equal order keys) included, in (0, 1] (float64), as
// PySpark's cume_dist.
func CumeDist() WindowFunction {
	return WindowFunction{fn: plan.WindowExpr{Func: plan.WinCumeDist}}
}

// NthValue is col's value at the n-th row (from 1) of the row's window
// frame, or NULL when the frame has fewer rows, as PySpark's
// nth_value(col, offset, ignoreNulls). It reads the window's frame: with
// OrderBy and no frame that is RANGE BETWEEN UNBOUNDED PRECEDING AND
// CURRENT ROW, so the rows before the n-th get NULL; use RowsBetween(
// UnboundedPreceding, UnboundedFollowing) for the partition's n-th
// value. With ignoreNulls true it counts only rows where col is not
// NULL. col is a column name or a Column; n must be positive.
func NthValue(col any, n int, ignoreNulls ...bool) WindowFunction {
	f := WindowFunction{fn: plan.WindowExpr{Func: plan.WinNthValue, Args: []plan.Expr{colArg(col)}, N: int64(n)}}
	switch len(ignoreNulls) {
	case 0:
	case 1:
		f.fn.IgnoreNulls = ignoreNulls[0]
	default:
		f.err = fmt.Errorf("frame: NthValue takes at most one ignoreNulls, got %d", len(ignoreNulls))
	}
	return f
}

// Ntile splits each window partition into n buckets numbered from 1,
// whose sizes differ by at most one, the larger first (int32).
func Ntile(n int) WindowFunction {
	return WindowFunction{fn: plan.WindowExpr{Func: plan.WinNtile, N: int64(n)}}
}

// Lag is col's value offset rows before the row in its window partition,
// or def where there is none (nil: NULL), as PySpark's lag(col, offset,
// default). col is a column name or a Column; def a Go value or a Column
// that converts to col's type.
func Lag(col any, offset int, def any) WindowFunction {
	return offsetFunction(plan.WinLag, col, offset, def)
}

// Lead is col's value offset rows after the row, or def; see Lag.
func Lead(col any, offset int, def any) WindowFunction {
	return offsetFunction(plan.WinLead, col, offset, def)
}

func offsetFunction(fn plan.WindowFunc, col any, offset int, def any) WindowFunction {
	x := plan.WindowExpr{Func: fn, Args: []plan.Expr{colArg(col)}, N: int64(offset)}
	if def != nil {
		x.Default = expr(def)
	}
	return WindowFunction{fn: x}
}

// windowAggregates are the aggregates that run over a window frame.
var windowAggregates = map[string]plan.WindowFunc{
	"count": plan.WinCount, "sum": plan.WinSum, "avg": plan.WinAvg, "min": plan.WinMin, "max": plan.WinMax,
	"first": plan.WinFirst, "last": plan.WinLast,
}

// Over computes the aggregate over window w's frame for every row, as
// Spark's sum("x").over(w): Sum, Avg, Count, Min, Max, First and Last.
// The column is named as Spark names it unless renamed with As (or given
// a name by WithColumn).
func (a Aggregation) Over(w WindowSpec) Column {
	if !a.set {
		return Column{&plan.Invalid{Err: fmt.Errorf("frame: Over: an empty Aggregation (Aggregation{}): build it with Sum, Count, Avg, Min, Max, First or Last")}}
	}
	fn, ok := windowAggregates[a.agg.Func.String()]
	if !ok {
		return Column{&plan.Invalid{Err: fmt.Errorf("frame: %s over a window is not supported; window aggregates are count, sum, avg, min, max, first and last", a.agg.Func)}}
	}
	if a.agg.Distinct {
		return Column{&plan.Invalid{Err: fmt.Errorf("frame: %s over a window: DISTINCT aggregates are not supported over windows (as in Spark)", a.agg.Func)}}
	}
	x := plan.WindowExpr{Func: fn}
	if a.agg.Arg != nil {
		x.Args = []plan.Expr{a.agg.Arg}
	}
	for _, p := range a.agg.Params {
		// First(col, ignoreNulls) is the only aggregate with a parameter
		// that windows take.
		var b, isBool bool
		if lit, ok := p.(*plan.Literal); ok {
			b, isBool = lit.Value.(bool)
		}
		if !isBool || (fn != plan.WinFirst && fn != plan.WinLast) {
			return Column{&plan.Invalid{Err: fmt.Errorf("frame: %s over a window takes no parameter %s", a.agg.Func, p)}}
		}
		x.IgnoreNulls = b
	}
	call := Column{plan.Over(x, w.spec)}
	if a.agg.Name != "" {
		return Column{&plan.Alias{Child: call.Expr, Name: a.agg.Name}}
	}
	return call
}
