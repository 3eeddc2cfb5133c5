package frame

import (
	"fmt"

	"github.com/ember-df/ember/plan"
)

// Aggregation is an aggregate function over a column, for GroupBy(...).Agg
// and DataFrame.Agg.
type Aggregation struct {
	agg plan.AggExpr
	set bool // false for Aggregation{}, which names no function
}

// As names the aggregate's output column.
func (a Aggregation) As(name string) Aggregation {
	a.agg.Name = name
	return a
}

// Alias is As.
func (a Aggregation) Alias(name string) Aggregation { return a.As(name) }

func aggregation(fn plan.AggFunc, col any) Aggregation {
	if s, ok := col.(string); ok {
		if s == "*" && fn == plan.AggCount {
			return Aggregation{plan.AggExpr{Func: fn}, true}
		}
		return Aggregation{plan.AggExpr{Func: fn, Arg: plan.Col(s)}, true}
	}
	return Aggregation{plan.AggExpr{Func: fn, Arg: column(col, fmt.Sprint(fn))}, true}
}

// Count counts the non-NULL values of a column (a name or a Column); "*"
// counts rows. The result is int64.
func Count(col any) Aggregation { return aggregation(plan.AggCount, col) }

// Sum adds the non-NULL values: int64 for integers, float64 otherwise.
func Sum(col any) Aggregation { return aggregation(plan.AggSum, col) }

// Avg is the mean of the non-NULL values, as float64.
func Avg(col any) Aggregation { return aggregation(plan.AggAvg, col) }

// Mean is Avg.
func Mean(col any) Aggregation { return Avg(col) }

// Min is the smallest non-NULL value.
func Min(col any) Aggregation { return aggregation(plan.AggMin, col) }

// Max is the largest non-NULL value.
func Max(col any) Aggregation { return aggregation(plan.AggMax, col) }

// GroupedData is a DataFrame grouped by key columns, waiting for its
// aggregates.
type GroupedData struct {
	df   *DataFrame
	keys []plan.Expr
}

// GroupBy groups rows by the given columns (names or Columns).
func (df *DataFrame) GroupBy(cols ...any) *GroupedData {
	keys := make([]plan.Expr, len(cols))
	for i, c := range cols {
		if s, ok := c.(string); ok {
			keys[i] = plan.Col(s)
		} else {
			keys[i] = column(c, "GroupBy")
		}
	}
	return &GroupedData{df: df, keys: keys}
}

// Count counts the rows of each group into an int64 column named "count".
func (g *GroupedData) Count() *DataFrame { return g.Agg(Count("*")) }

// Agg computes aggregates per group: the key columns, then one column per
// aggregate, named as Spark names them ("sum(x)") unless renamed with As.
func (g *GroupedData) Agg(aggs ...Aggregation) *DataFrame {
	list := make([]plan.AggExpr, len(aggs))
	for i, a := range aggs {
		list[i] = a.agg
	}
	return g.df.derive(fmt.Sprintf("GroupBy(%s).Agg", plan.FormatExprs(g.keys)), func(in plan.Node) (plan.Node, error) {
		for i, a := range aggs {
			if !a.set {
				return nil, fmt.Errorf("aggregate %d is an empty Aggregation (Aggregation{}): build it with Count, Sum, Mean, Min or Max", i+1)
			}
		}
		return plan.NewAggregate(in, g.keys, list)
	})
}

// Agg aggregates the whole DataFrame into one row.
func (df *DataFrame) Agg(aggs ...Aggregation) *DataFrame {
	return (&GroupedData{df: df}).Agg(aggs...)
}
